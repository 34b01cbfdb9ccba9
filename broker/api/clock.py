"""The time the service believes it is; tests pin it to check what happens on an expiry date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def london_date(at: datetime) -> date:
    """Expiry dates are days in England, so "today" is the date in London."""
    return at.astimezone(LONDON).date()
