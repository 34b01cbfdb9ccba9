"""The one service taxonomy: stable codes (stored, filtered on, sent by clients) and labels (shown).

Codes never change meaning once shipped; add new ones rather than renaming.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from broker.errors import ErrorCode, Problems

SERVICES_FILE = Path(__file__).with_name("services.csv")


# The groups services fall into, with a name and description for people (and for the Open Referral
# feed's parent terms). A new group in services.csv needs its entry here.
GROUPS: dict[str, tuple[str, str]] = {
    "CARE": ("Care and support", "Everyday care and support at home and in the community."),
    "SPECIALIST": ("Specialist support", "Care that needs particular training or experience."),
    "DP_SUPPORT": (
        "Direct payment support",
        "Help to set up, manage and account for a direct payment, or to hold one on a person's behalf.",
    ),
}


@dataclass(frozen=True)
class Service:
    code: str
    label: str
    group: str
    description: str


@cache
def all_services() -> dict[str, Service]:
    with SERVICES_FILE.open(newline="") as handle:
        return {row["code"]: Service(**row) for row in csv.DictReader(handle)}


def service(code: str) -> Service | None:
    return all_services().get(code)


def check_service(problems: Problems, field: str, code: str) -> Service | None:
    """The service of a code a caller sent, or None with the problem noted at `field` (the one
    rule and the one error code for an unknown service, wherever a code comes in)."""
    found = all_services().get(code)
    if found is None:
        problems.add(field, f"Unknown service code '{code[:40]}'.", ErrorCode.UNKNOWN_SERVICE)
    return found


def check_services(problems: Problems, field: str, codes: Iterable[str]) -> None:
    """Each code of a list, its problem noted at `field.<index>`."""
    for index, code in enumerate(codes):
        check_service(problems, f"{field}.{index}", code)
