"""The search document: the one place that says what the provider index carries.

Both backends index exactly these fields (plus values derived from them in `search.derived`), so the
mapping from database rows lives in one function elsewhere and never reaches into an engine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

Slot = tuple[int, int, int]
"""(weekday 0=Monday..6, start minute, end minute) in Europe/London local time.

End <= start wraps past midnight into the next day; (d, 0, 1440) is the whole day."""

KIND_LABELS: dict[str, str] = {
    "PA": "Personal assistant",
    "AGENCY": "Home care agency",
    "SUPPORT_ORG": "Direct payment support organisation",
}
"""Words a person would type for each kind; indexed as text so "personal assistant" finds PAs."""


@dataclass(frozen=True, slots=True)
class ProviderDocument:
    """One provider listing as search sees it; built from the database, never edited in the index.

    `accredited` says every check the provider's kind requires has passed (expiry ignored);
    `accredited_until` is the first expiry among those checks (None when none expire). Keeping the
    expiry rather than a yes/no lets a listing drop out of accredited-only results on its expiry day
    without anyone reindexing it.
    """

    id: int
    council_id: int
    kind: str
    status: str
    name: str
    bio: str
    services: tuple[str, ...]
    service_labels: tuple[str, ...]
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    language_names: tuple[str, ...]
    gender: str | None
    hourly_rate_pence: int
    latitude: float
    longitude: float
    travel_radius_km: float
    remaining_capacity_hours: float
    slots: tuple[Slot, ...]
    accredited: bool
    accredited_until: date | None
    postcode_district: str
    # Out of 10, one decimal place; None while the listing has too few published reviews for one.
    review_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (dates as ISO strings, tuples as lists)."""
        data = asdict(self)
        data["accredited_until"] = self.accredited_until.isoformat() if self.accredited_until else None
        for name in ("services", "service_labels", "skills", "languages", "language_names"):
            data[name] = list(data[name])
        data["slots"] = [list(slot) for slot in self.slots]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProviderDocument:
        """Inverse of `to_dict`; unknown keys are ignored so older payloads still load."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        until = values.get("accredited_until")
        values["accredited_until"] = date.fromisoformat(until) if isinstance(until, str) else until
        for name in ("services", "service_labels", "skills", "languages", "language_names"):
            values[name] = tuple(values.get(name) or ())
        values["slots"] = tuple(tuple(slot) for slot in values.get("slots") or ())
        return cls(**values)
