"""Turning what a person typed into a search, and the engine's answer into listings they may see.

Accredited-only is the rule for everyone but council staff: a DP holder must not be offered
someone whose DBS has lapsed. The index can lag the database by a moment, so every hit is checked
against the database before it is shown.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.actor import Actor
from broker.errors import BrokerError, ErrorCode, PermissionDenied, Problems
from broker.geography.service import resolve_postcode
from broker.providers import rules
from broker.providers.access import may_see_unaccredited
from broker.providers.models import Provider
from broker.providers.service import visible_providers
from broker.schedule import SlotFields, validate_slots
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import check_services
from search.backend import SearchBackend, SearchUnavailable
from search.query import GeoFilter, SearchQuery, SearchResult, Sort

MAX_TEXT = 200
DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 100.0
MAX_OFFSET = 1_000  # deep paging is not a use case; Meilisearch caps total hits at 1,000 by default
SORTS = ("relevance", "distance", "rate", "reviews")


class SearchServiceUnavailable(BrokerError):
    default_code = ErrorCode.SEARCH_UNAVAILABLE


@dataclass
class SearchRequest:
    text: str = ""
    kinds: Sequence[str] = ()
    services: Sequence[str] = ()
    skills: Sequence[str] = ()
    languages: Sequence[str] = ()
    gender: str | None = None
    max_rate_pence: int | None = None
    available: Sequence[SlotFields] = ()
    accredited_only: bool | None = None
    postcode: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None
    sort: str = "relevance"
    facets: bool = True
    limit: int = 20
    offset: int = 0


@dataclass
class SearchOutcome:
    result: SearchResult
    providers: dict[int, Provider] = field(default_factory=dict)


async def _geo(session: AsyncSession, request: SearchRequest, problems: Problems) -> GeoFilter | None:
    radius = DEFAULT_RADIUS_KM if request.radius_km is None else request.radius_km
    if not (0 < radius <= MAX_RADIUS_KM) or math.isnan(radius):
        problems.add(
            "radius_km",
            f"Radius must be more than 0 and at most {MAX_RADIUS_KM:g} km.",
            ErrorCode.OUT_OF_RANGE,
        )
    has_point = request.latitude is not None or request.longitude is not None
    if request.postcode is not None and has_point:
        problems.add("postcode", "Give a postcode or a latitude and longitude, not both.")
        return None
    if request.postcode is not None:
        try:
            _, district = await resolve_postcode(session, request.postcode, field="postcode")
        except BrokerError as error:
            problems.errors.extend(error.errors)
            return None
        return GeoFilter(district.latitude, district.longitude, radius)
    if has_point:
        lat, lng = request.latitude, request.longitude
        if lat is None or lng is None:
            problems.add("latitude", "Give both latitude and longitude.", ErrorCode.REQUIRED)
            return None
        if not (49.0 <= lat <= 61.0 and -9.0 <= lng <= 2.5):
            problems.add("latitude", "That point is not in the United Kingdom.", ErrorCode.OUT_OF_RANGE)
            return None
        return GeoFilter(lat, lng, radius)
    if request.radius_km is not None:
        problems.add("radius_km", "A radius needs a postcode or a point to measure from.", ErrorCode.REQUIRED)
    return None


async def build_query(
    session: AsyncSession, *, actor: Actor | None, request: SearchRequest, today: date
) -> SearchQuery:
    """Validates every field (all problems at once) and builds the engine-neutral query."""
    problems = Problems()
    text = " ".join(request.text.split())
    if len(text) > MAX_TEXT:
        problems.add("text", f"Search text is at most {MAX_TEXT} characters.", ErrorCode.TOO_LONG)
    check_services(problems, "services", request.services)
    languages = [code.strip().lower() for code in request.languages]
    for index, code in enumerate(languages):
        if code not in LANGUAGES:
            problems.add(
                f"languages.{index}", f"Unknown language code '{code[:12]}'.", ErrorCode.UNKNOWN_CODE
            )
    if len(request.skills) > rules.MAX_SKILLS or any(len(s) > rules.SKILL_MAX for s in request.skills):
        problems.add("skills", "Too many or too long skills.", ErrorCode.OUT_OF_RANGE)
    if request.max_rate_pence is not None and not (0 < request.max_rate_pence <= rules.MAX_HOURLY_RATE_PENCE):
        problems.add(
            "max_rate_pence",
            "Maximum rate must be a positive number of pence up to £200.",
            ErrorCode.OUT_OF_RANGE,
        )
    available: list[tuple[int, int, int]] = []
    try:
        available = [(int(d), s, e) for d, s, e in validate_slots(request.available, field="available")]
    except BrokerError as error:
        problems.errors.extend(error.errors)
    geo = await _geo(session, request, problems)
    if request.sort not in SORTS:
        problems.add("sort", "Unknown sort order.")
    elif request.sort == "distance" and geo is None and not problems:
        problems.add("sort", "Sorting by distance needs a postcode or a point.", ErrorCode.REQUIRED)
    if request.limit < 0:
        problems.add("first", "`first` cannot be negative.", ErrorCode.OUT_OF_RANGE)
    if request.offset > MAX_OFFSET:
        problems.add(
            "after", f"Results go no deeper than {MAX_OFFSET}; narrow the search.", ErrorCode.OUT_OF_RANGE
        )
    problems.raise_if_any()
    is_staff = may_see_unaccredited(actor)
    if request.accredited_only is False and not is_staff:
        raise PermissionDenied(
            "Only council staff can see listings that are not accredited.", field="accredited_only"
        )
    accredited_only = request.accredited_only if request.accredited_only is not None else not is_staff
    return SearchQuery(
        text=text,
        kinds=tuple(request.kinds),
        services=tuple(dict.fromkeys(request.services)),
        skills=tuple(" ".join(s.split()) for s in request.skills if s.strip()),
        languages=tuple(dict.fromkeys(languages)),
        gender=request.gender,
        max_rate_pence=request.max_rate_pence,
        available=tuple(available),
        accredited_only=accredited_only,
        today=today,
        geo=geo,
        sort=cast(Sort, request.sort),  # one of SORTS, checked above
        facets=request.facets,
        limit=request.limit,
        offset=request.offset,
    )


async def search_providers(
    session: AsyncSession, backend: SearchBackend, *, actor: Actor | None, request: SearchRequest, today: date
) -> SearchOutcome:
    query = await build_query(session, actor=actor, request=request, today=today)
    try:
        result = await asyncio.to_thread(backend.search, query)
    except SearchUnavailable as error:
        raise SearchServiceUnavailable("Search is unavailable for a moment; please try again.") from error
    visible = await visible_providers(
        session,
        actor=actor,
        ids=[h.id for h in result.hits],
        today=today,
        accredited_only=query.accredited_only,
    )
    return SearchOutcome(result=result, providers=visible)
