"""The one service taxonomy: stable codes (stored, filtered on, sent by clients) and labels (shown).

Codes never change meaning once shipped; add new ones rather than renaming.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SERVICES_FILE = Path(__file__).with_name("services.csv")


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
