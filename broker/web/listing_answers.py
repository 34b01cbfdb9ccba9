"""The listing's pages as forms: which page holds which field, what a page shows of the saved
listing, and what a posted page becomes as `updateProvider`'s input. Only what a form can judge on its
own (a number that is not a number, a day not chosen) is refused here; the API judges the rest."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
SLOT_ROWS_MIN = 7
SLOT_ROWS_MAX = 42
NAME_MAX = 200
TEXT_MAX = 5_000  # bounds the form only; the API says how long a bio may be
SLOT_PATH = re.compile(r"^input\.slots\.(\d+)(?:\.(day|start|end))?")


@dataclass(frozen=True)
class Section:
    """One page of the listing: its heading and the form fields on it (named after the input's)."""

    heading: str
    fields: tuple[str, ...]


SECTIONS = {
    "about": Section("About you", ("name", "bio", "gender")),
    "services": Section("Services you offer", ("services",)),
    "languages": Section("Languages you speak", ("languages",)),
    "area": Section("Where you work", ("basePostcode", "travelRadiusKm")),
    "rate": Section("Your rate and hours", ("hourlyRate", "weeklyCapacityHours")),
    "availability": Section("When you are available", ("slots",)),
    "contact": Section("How brokers contact you", ("contactEmail", "contactPhone")),
}
# The listing's fields the API names (in publishing's refusals and in updateProvider's errors), as
# the page and the form field where each is filled in.
LISTING_FIELDS = {
    "name": ("about", "name"),
    "bio": ("about", "bio"),
    "gender": ("about", "gender"),
    "services": ("services", "services"),
    "languages": ("languages", "languages"),
    "basePostcode": ("area", "basePostcode"),
    "travelRadiusKm": ("area", "travelRadiusKm"),
    "hourlyRatePence": ("rate", "hourlyRate"),
    "weeklyCapacityHours": ("rate", "weeklyCapacityHours"),
    "availability": ("availability", "slots-0-day"),
    "slots": ("availability", "slots-0-day"),
    "contactEmail": ("contact", "contactEmail"),
    "contactPhone": ("contact", "contactPhone"),
}


def form_text(form: FormData, name: str, limit: int = NAME_MAX) -> str:
    return str(form.get(name) or "")[:limit].strip()


def _number(text: str, *, most: float) -> float | None:
    """A number as typed ("10", "7.5"), when it is one between 0 and `most`; the API judges the rest."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= most else None


def _pounds_in_pence(text: str) -> int | None:
    """An hourly rate in pounds ("16.50", "£16.50") as whole pence; None when it is not money."""
    try:
        pounds = Decimal(text.replace(",", "").removeprefix("£"))
    except InvalidOperation:
        return None
    if not pounds.is_finite() or pounds <= 0 or pounds > 1_000 or pounds != pounds.quantize(Decimal("0.01")):
        return None
    return int(pounds * 100)


def api_field(error: dict[str, Any]) -> str:
    path = str(error.get("field") or (error.get("extensions") or {}).get("field") or "")
    return path.removeprefix("input.").split(".", 1)[0]


def on_this_page(error: dict[str, Any]) -> dict[str, Any]:
    """An API error at the form field that holds what it is about (`input.hourlyRatePence` is the
    form's `hourlyRate`)."""
    place = LISTING_FIELDS.get(api_field(error))
    return {"field": place[1] if place else None, "message": error.get("message")}


def saved_answers(listing: dict[str, Any]) -> dict[str, Any]:
    contact = listing.get("contact") or {}
    rate = listing.get("hourlyRate")
    hours = listing.get("weeklyCapacityHours")
    radius = listing.get("travelRadiusKm")
    return {
        "name": listing["name"],
        "bio": listing["bio"],
        "gender": listing.get("gender") or "",
        "services": [s["code"] for s in listing["services"]],
        "languages": [language["code"] for language in listing["languages"]],
        "basePostcode": contact.get("basePostcode") or "",
        "travelRadiusKm": f"{radius:g}" if radius is not None else "",
        "hourlyRate": f"{rate / 100:.2f}" if rate is not None else "",
        "weeklyCapacityHours": f"{hours:g}" if hours is not None else "",
        "contactEmail": contact.get("email") or "",
        "contactPhone": contact.get("phone") or "",
        "slots": [dict(slot) for slot in listing["availability"]],
    }


def answers_from(
    section: str, listing: dict[str, Any], form: FormData
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """What was typed (to show again), the changes to send, and what is wrong before sending."""
    answers = saved_answers(listing)
    changes: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    if section == "about":
        answers |= {
            "name": form_text(form, "name"),
            "bio": str(form.get("bio") or "")[:TEXT_MAX],
            "gender": form_text(form, "gender", 20),
        }
        changes = {"name": answers["name"], "bio": answers["bio"]}
        if listing["kind"] == "PA" and answers["gender"]:
            changes["gender"] = answers["gender"]
    elif section in ("services", "languages"):
        answers[section] = [str(v)[:40] for v in form.getlist(section)[:60]]
        changes = {section: answers[section]}
    elif section == "area":
        answers |= {
            "basePostcode": form_text(form, "basePostcode", 12),
            "travelRadiusKm": form_text(form, "travelRadiusKm", 12),
        }
        radius = _number(answers["travelRadiusKm"], most=1_000)
        if not answers["basePostcode"]:
            errors.append({"field": "basePostcode", "message": "Enter the postcode you work from"})
        if radius is None:
            errors.append(
                {
                    "field": "travelRadiusKm",
                    "message": "Enter how far you will travel in kilometres, like 10",
                }
            )
        changes = {"basePostcode": answers["basePostcode"], "travelRadiusKm": radius}
    elif section == "rate":
        answers |= {
            "hourlyRate": form_text(form, "hourlyRate", 12),
            "weeklyCapacityHours": form_text(form, "weeklyCapacityHours", 12),
        }
        rate = _pounds_in_pence(answers["hourlyRate"])
        hours = _number(answers["weeklyCapacityHours"], most=168)
        if rate is None:
            errors.append(
                {"field": "hourlyRate", "message": "Enter your hourly rate in pounds, for example 16.50"}
            )
        if hours is None:
            errors.append(
                {
                    "field": "weeklyCapacityHours",
                    "message": "Enter the hours a week you can take on, as a number up to 168",
                }
            )
        changes = {"hourlyRatePence": rate, "weeklyCapacityHours": hours}
    elif section == "contact":
        answers |= {
            "contactEmail": form_text(form, "contactEmail", 254),
            "contactPhone": form_text(form, "contactPhone", 40),
        }
        changes = {"contactEmail": answers["contactEmail"], "contactPhone": answers["contactPhone"]}
    return answers, changes, errors


def slot_error(error: dict[str, Any], filled: list[int]) -> dict[str, Any]:
    """`input.slots.1.end` counts only the rows filled in; the form's rows count every row."""
    path = str(error.get("field") or "")
    found = SLOT_PATH.match(path)
    field = "slots-0-day" if path.startswith("input") else None
    if found and int(found.group(1)) < len(filled):
        field = f"slots-{filled[int(found.group(1))]}-{found.group(2) or 'day'}"
    return {"field": field, "message": error.get("message")}
