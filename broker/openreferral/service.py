"""Which listings the Open Referral feed publishes, and the feed's filters, read from the database.

The feed is open to anyone, so it shows exactly what an anonymous search shows: PUBLISHED listings
whose checks are all current today (London date). A lapsed DBS drops a listing on its expiry date.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.errors import ErrorCode, InvalidInput
from broker.geography.models import PostcodeDistrict
from broker.geography.postcodes import distance_km
from broker.geography.service import resolve_postcode
from broker.openreferral.feed import Listing, ordered_codes
from broker.openreferral.paging import PageRequest
from broker.providers.access import listed_clause
from broker.providers.accreditation import accredited_until
from broker.providers.models import (
    Accreditation,
    AvailabilitySlot,
    Provider,
    ProviderService,
)
from broker.providers.rules import MAX_TRAVEL_RADIUS_KM

MAX_PROXIMITY_METRES = 200_000
MAX_SEARCH = 200
_NUMBER = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,6})?$")
_KM_PER_DEGREE_LATITUDE = 111.2


@dataclass(frozen=True)
class Near:
    """Around a postcode: the listing's area must cover it, and (with `proximity`) be that close."""

    district: PostcodeDistrict
    proximity_km: float | None = None


@dataclass(frozen=True)
class FeedFilter:
    search: str | None = None
    service_codes: frozenset[str] | None = None  # None: any service; empty: nothing matches
    near: Near | None = None
    located_only: bool = False  # service_at_locations needs a district to place the listing


def _proximity_km(text: str | None) -> float | None:
    if text is None:
        return None
    message = f"proximity must be a distance in metres, more than 0 and at most {MAX_PROXIMITY_METRES}."
    if not _NUMBER.match(text.strip()):
        raise InvalidInput(message, field="proximity")
    if not 0 < float(text) <= MAX_PROXIMITY_METRES:
        raise InvalidInput(message, field="proximity", code=ErrorCode.OUT_OF_RANGE)
    return float(text) / 1000


async def near_filter(session: AsyncSession, params: Mapping[str, str]) -> Near | None:
    """`postcode` (full or district) and optional `proximity` in metres, as the profile defines them."""
    postcode = params.get("postcode")
    proximity_km = _proximity_km(params.get("proximity"))
    if postcode is None or not postcode.strip():
        if proximity_km is not None:
            raise InvalidInput("proximity needs a postcode to measure from.", field="proximity")
        return None
    _, district = await resolve_postcode(session, postcode, field="postcode")
    return Near(district=district, proximity_km=proximity_km)


def search_text(params: Mapping[str, str]) -> str | None:
    text = " ".join(params.get("search", "").split())
    if len(text) > MAX_SEARCH:
        raise InvalidInput(f"search must be at most {MAX_SEARCH} characters.", field="search")
    return text or None


def _listed(today: date, filters: FeedFilter, *columns: Any) -> Select:
    """Listings in the feed today that pass `filters`, as `columns` (default: listing and district)."""
    query = (
        select(*(columns or (Provider, PostcodeDistrict)))
        .select_from(Provider)
        .outerjoin(PostcodeDistrict, col(PostcodeDistrict.code) == col(Provider.postcode_district))
        .where(listed_clause(today))
    )
    if filters.search is not None:
        term = filters.search.lower()
        query = query.where(
            or_(
                func.lower(Provider.name).contains(term, autoescape=True),
                func.lower(Provider.bio).contains(term, autoescape=True),
            )
        )
    if filters.located_only:
        query = query.where(col(PostcodeDistrict.code).is_not(None))
    if filters.service_codes is not None:
        offers = select(col(ProviderService.provider_id)).where(
            col(ProviderService.provider_id) == col(Provider.id),
            col(ProviderService.service_code).in_(sorted(filters.service_codes)),
        )
        query = query.where(offers.exists())
    return query


def _within_box(query: Select, near: Near) -> Select:
    """A cheap SQL pre-filter on the district centroid; the exact distance is checked in Python.

    No listing travels further than MAX_TRAVEL_RADIUS_KM, so nothing outside that box can qualify.
    """
    reach = min(near.proximity_km or MAX_TRAVEL_RADIUS_KM, MAX_TRAVEL_RADIUS_KM)
    lat, lng = near.district.latitude, near.district.longitude
    dlat = reach / _KM_PER_DEGREE_LATITUDE
    dlng = reach / (_KM_PER_DEGREE_LATITUDE * max(math.cos(math.radians(lat)), 0.01))
    return query.where(
        col(PostcodeDistrict.latitude).between(lat - dlat, lat + dlat),
        col(PostcodeDistrict.longitude).between(lng - dlng, lng + dlng),
    )


def _reaches(radius_km: float | None, latitude: float, longitude: float, near: Near) -> float | None:
    """The distance to a listing's district, or None when the listing does not serve that postcode."""
    km = distance_km(near.district.latitude, near.district.longitude, latitude, longitude)
    if radius_km is None or km > min(radius_km, MAX_TRAVEL_RADIUS_KM):
        return None
    if near.proximity_km is not None and km > near.proximity_km:
        return None
    return km


async def _nearest_ids(session: AsyncSession, today: date, filters: FeedFilter, near: Near) -> list[int]:
    """Ids of the listings serving `near`, nearest first; reads only the columns the test needs."""
    columns = (
        Provider.id,
        Provider.name,
        Provider.travel_radius_km,
        PostcodeDistrict.latitude,
        PostcodeDistrict.longitude,
    )
    query = _within_box(_listed(today, filters, *columns), near)
    found = []
    for provider_id, name, radius_km, latitude, longitude in (await session.execute(query)).all():
        if (km := _reaches(radius_km, latitude, longitude, near)) is not None:
            found.append((km, name, provider_id))
    return [provider_id for *_, provider_id in sorted(found)]


async def _page(
    session: AsyncSession, today: date, filters: FeedFilter, page: PageRequest
) -> tuple[list[tuple[Provider, PostcodeDistrict | None]], int]:
    query = _listed(today, filters)
    if filters.near is None:
        total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        rows = await session.execute(
            query.order_by(col(Provider.name), col(Provider.id)).limit(page.per_page).offset(page.offset)
        )
        return [(p, d) for p, d in rows.all()], total
    ids = await _nearest_ids(session, today, filters, filters.near)
    chosen = ids[page.offset : page.offset + page.per_page]
    found = {
        p.id: (p, d) for p, d in (await session.execute(query.where(col(Provider.id).in_(chosen)))).all()
    }
    return [found[i] for i in chosen if i in found], len(ids)


async def _listings(
    session: AsyncSession, today: date, rows: Sequence[tuple[Provider, PostcodeDistrict | None]]
) -> list[Listing]:
    ids = [p.id for p, _ in rows]
    codes: dict[int, list[str]] = defaultdict(list)
    for provider_id, code in await session.execute(
        select(col(ProviderService.provider_id), col(ProviderService.service_code)).where(
            col(ProviderService.provider_id).in_(ids)
        )
    ):
        codes[provider_id].append(code)
    slots: dict[int, list[AvailabilitySlot]] = defaultdict(list)
    for slot in (
        await session.execute(select(AvailabilitySlot).where(col(AvailabilitySlot.provider_id).in_(ids)))
    ).scalars():
        slots[slot.provider_id].append(slot)
    checks: dict[int, list[Accreditation]] = defaultdict(list)
    for check in (
        await session.execute(select(Accreditation).where(col(Accreditation.provider_id).in_(ids)))
    ).scalars():
        checks[check.provider_id].append(check)
    return [
        Listing(
            provider=provider,
            district=district,
            service_codes=ordered_codes(codes[provider.id]),  # type: ignore[index]
            slots=tuple(sorted(slots[provider.id], key=lambda s: (s.day, s.start_minute))),  # type: ignore[index]
            accredited_until=accredited_until(provider.kind, checks[provider.id], today),  # type: ignore[index]
        )
        for provider, district in rows
    ]


async def published_listings(
    session: AsyncSession, *, today: date, filters: FeedFilter, page: PageRequest
) -> tuple[list[Listing], int]:
    """One page of the feed (name order, or nearest first around a postcode) and the total."""
    rows, total = await _page(session, today, filters, page)
    return await _listings(session, today, rows), total


async def published_listing(session: AsyncSession, *, today: date, provider_id: int) -> Listing | None:
    """One listing, or None if it does not exist or is not in the feed today."""
    query = _listed(today, FeedFilter()).where(col(Provider.id) == provider_id)
    row = (await session.execute(query)).first()
    return None if row is None else (await _listings(session, today, [(row[0], row[1])]))[0]
