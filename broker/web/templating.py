"""How pages are written: the Jinja environment of `templates/`, with the filters and shared names
every page uses."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
LONDON = ZoneInfo("Europe/London")

PLAN_STATUSES = {"DRAFT": "Draft", "ACTIVE": "Active", "MATCHED": "Matched", "CLOSED": "Closed"}
AGREEMENT_STATUSES = {"PROPOSED": "Proposed", "ACTIVE": "Active", "ENDED": "Ended", "CANCELLED": "Cancelled"}
HOLDINGS = {
    "PREPAID_CARD": "Pre-paid card",
    "BANK_ACCOUNT": "Bank account",
    "MANAGED_ACCOUNT": "Managed account",
    "INDIVIDUAL_SERVICE_FUND": "Individual service fund",
}
STATUS_COLOURS = {
    "DRAFT": "grey",
    "ACTIVE": "blue",
    "MATCHED": "green",
    "CLOSED": "grey",
    "PENDING": "yellow",
    "ACCEPTED": "green",
    "DECLINED": "red",
    "EXPIRED": "grey",
    "PROPOSED": "yellow",
    "ENDED": "grey",
    "CANCELLED": "red",
}


def _long_date(value: str | None) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(value).strftime("%-d %B %Y")
    except ValueError:
        return value


def _long_datetime(value: str | None) -> str:
    """An API timestamp as a person reads it, in London time: 26 November 2026 at 10:00am."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value).astimezone(LONDON)
    except ValueError:
        return value
    return f"{moment:%-d %B %Y} at {moment:%-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:g} {'hour' if value == 1 else 'hours'}"


def templates() -> Environment:
    """The pages' Jinja environment: HTML escaped, the API's dates, times and hours as a person reads
    them, and the status names and tag colours every page shares."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]), auto_reload=False
    )
    env.filters["long_date"] = _long_date
    env.filters["long_datetime"] = _long_datetime
    env.filters["hours"] = _hours
    env.globals |= {
        "plan_statuses": PLAN_STATUSES,
        "agreement_statuses": AGREEMENT_STATUSES,
        "holdings": HOLDINGS,
        "status_colours": STATUS_COLOURS,
    }
    return env
