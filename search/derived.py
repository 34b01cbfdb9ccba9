"""Values both engines index that are computed from a `ProviderDocument` rather than stored on it."""

from __future__ import annotations

from datetime import date

from search.documents import KIND_LABELS, ProviderDocument
from search.geo import effective_travel_radius_km
from search.query import rate_band
from search.slots import covered_blocks

NEVER_EXPIRES_DAY = date.max.toordinal()
"""Day number stored when no required check expires, so "until > today" is one numeric comparison."""


def day_number(day: date) -> int:
    """Proleptic Gregorian ordinal: a plain integer both engines can range-filter on."""
    return day.toordinal()


def accredited_until_day(doc: ProviderDocument) -> int:
    """Day number of the first expiry, or `NEVER_EXPIRES_DAY`."""
    return day_number(doc.accredited_until) if doc.accredited_until else NEVER_EXPIRES_DAY


def kind_label(doc: ProviderDocument) -> str:
    """Searchable words for the provider's kind ("Personal assistant")."""
    return KIND_LABELS.get(doc.kind, doc.kind)


def available_blocks(doc: ProviderDocument) -> tuple[str, ...]:
    """15-minute blocks the provider covers (see `search.slots`)."""
    return covered_blocks(doc.slots)


def travel_reach_km(doc: ProviderDocument) -> int:
    """The whole-km travel radius search honours (see `search.geo.effective_travel_radius_km`)."""
    return effective_travel_radius_km(doc.travel_radius_km)


def doc_rate_band(doc: ProviderDocument) -> str:
    """The doc's `RATE_BANDS` name."""
    return rate_band(doc.hourly_rate_pence)


NO_REVIEW_RANK = 101
"""The rank of a listing without a review score: after every scored one."""


def review_rank(doc: ProviderDocument) -> int:
    """Ascending order of review score: 0 for 10.0, 100 for 0.0, `NO_REVIEW_RANK` for none; a whole
    number both engines sort on exactly (a float score would leave ties to rounding)."""
    return NO_REVIEW_RANK if doc.review_score is None else 100 - round(doc.review_score * 10)
