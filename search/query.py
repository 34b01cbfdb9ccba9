"""What a search asks (`SearchQuery`) and what it gets back (`SearchResult`), engine-neutral.

Input validation (unknown service codes, negative radii, page caps) happens before a query is built;
everything here assumes sane values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from search.documents import Slot

Sort = Literal["relevance", "distance", "rate", "reviews"]

FACET_NAMES: tuple[str, ...] = ("services", "skills", "languages", "kind", "gender", "rate_band")
"""Facet names in `SearchResult.facets`; each backend indexes an attribute of the same name."""

RATE_BANDS: tuple[tuple[str, int | None], ...] = (
    ("under_15", 1500),
    ("15_to_20", 2000),
    ("20_to_25", 2500),
    ("25_to_30", 3000),
    ("30_plus", None),
)
"""Hourly-rate bands as (name, exclusive upper bound in pence); the last band is open-ended."""


def rate_band(hourly_rate_pence: int) -> str:
    """The `RATE_BANDS` name a rate falls in: £15.00 exactly is "15_to_20"."""
    for name, upper in RATE_BANDS:
        if upper is None or hourly_rate_pence < upper:
            return name
    raise AssertionError("the last rate band is open-ended")


@dataclass(frozen=True, slots=True)
class GeoFilter:
    """Where the person is and how far they will look (km).

    A provider matches only if the distance is within `radius_km` AND within the provider's own
    travel radius: a PA who travels 5 km is no use 8 km away, however far the person searches.
    """

    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """One search. Every filter is optional; the defaults are what an anonymous member of the public sees.

    Matching rules (identical in every backend; the conformance suite pins them):

    - `text`: every word must match (exactly, with typos by word length: none under 5 letters, one from
      5, two from 9; the last word also as a prefix) in name, bio, service labels, kind, skills or
      language names. Care synonyms (`search.synonyms`) let "carer" match "personal assistant".
      Conversational filler ("who", "speaks", "near" ...) is ignored. Postcodes belong in `geo`.
    - `kinds`, `statuses`: any of. `services`, `skills`: all of (a plan needs every one). `languages`:
      any of (a person who speaks Urdu or Punjabi is served by either).
    - `available`: (weekday, start minute, end minute) windows; the provider's slots must cover each
      window, counted in whole 15-minute blocks (a window is widened to the blocks it touches).
    - `accredited_only`: `accredited` and not expired on `today` (expiry day itself is excluded), so a
      listing drops out the day a check runs out, without reindexing.
    - `geo`: see `GeoFilter`; the provider's travel radius is honoured in whole km, rounded down
      (a 7.5 km radius reaches 7 km), the one way both engines can apply it exactly inside the index.
    - `sort`: "relevance" ranks by text score; with no text it falls back to distance (with geo) or id.
      "distance" is nearest first (id without geo). "rate" is cheapest first, then nearest, then id.
      "reviews" is the best review score first (listings without one last), then nearest, then id.
    - `facets`: counts over all matches, not just the page, for `FACET_NAMES`.
    """

    text: str = ""
    kinds: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    gender: str | None = None
    max_rate_pence: int | None = None
    min_remaining_hours: float | None = None
    available: tuple[Slot, ...] = ()
    accredited_only: bool = True
    today: date = field(default_factory=date.today)
    statuses: tuple[str, ...] = ("PUBLISHED",)
    council_id: int | None = None
    geo: GeoFilter | None = None
    sort: Sort = "relevance"
    facets: bool = False
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching provider. `score` is engine-specific (higher is better; comparable only within a
    result); `distance_km` is set when the query had `geo`."""

    id: int
    score: float
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A page of hits plus the exact total and facet counts over every match."""

    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    processing_time_ms: float
