"""Finding candidates in the database: a pre-filter that never drops a provider `evaluate` would keep.

The SQL narrows to published, accredited listings offering the services, within the budgeted rate,
inside a bounding box around the person's home (plus a per-row latitude test against the provider's
own radius); exact distances and everything else are decided in Python by `scoring.evaluate`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import cast

from sqlalchemy import Select, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.capacity import free_availability, free_hours, reservations
from broker.geography.postcodes import EARTH_RADIUS_KM, distance_km
from broker.matching import rules
from broker.matching.scoring import PlanSpec, PreferenceSpec, ProviderFacts
from broker.plans.models import PreferenceKind, Strength
from broker.providers.access import listed_clause
from broker.providers.models import (
    Accreditation,
    AvailabilitySlot,
    Provider,
    ProviderService,
    ProviderStatus,
)
from broker.reviews.scores import scores_for

# Kilometres per degree of latitude, rounded down so the tests below stay on the safe side.
KM_PER_DEGREE = math.floor(EARTH_RADIUS_KM * math.pi / 180 * 100) / 100
CHUNK = 5_000


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) enclosing every point within `radius_km`, with a margin."""
    dlat = radius_km / KM_PER_DEGREE
    widest = min(89.0, abs(latitude) + dlat)
    dlng = min(180.0, radius_km / (KM_PER_DEGREE * math.cos(math.radians(widest))) * 1.05)
    return latitude - dlat, latitude + dlat, longitude - dlng, longitude + dlng


def _required(preferences: Iterable[PreferenceSpec], kind: PreferenceKind) -> list[str]:
    return [p.value for p in preferences if p.kind is kind and p.strength is Strength.REQUIRED]


def candidate_query(
    *,
    homes: Sequence[tuple[float, float]],
    all_of_services: Sequence[str] = (),
    any_of_services: Sequence[str] = (),
    max_rate_pence: int,
    preferences: Sequence[PreferenceSpec] = (),
    today: date,
    search_radius_km: float = rules.SEARCH_RADIUS_KM,
    windows: Sequence[tuple[int, int, int]] = (),
) -> Select:
    """Providers worth evaluating for people living at `homes` (one plan, or a batch of plans), as
    rows of (id, latitude, longitude, travel radius)."""
    south = min(lat for lat, _ in homes)
    north = max(lat for lat, _ in homes)
    boxes = [bounding_box(lat, lng, search_radius_km) for lat, lng in homes]
    query = select(
        col(Provider.id), col(Provider.latitude), col(Provider.longitude), col(Provider.travel_radius_km)
    ).where(
        listed_clause(today),
        col(Provider.latitude).between(min(b[0] for b in boxes), max(b[1] for b in boxes)),
        col(Provider.longitude).between(min(b[2] for b in boxes), max(b[3] for b in boxes)),
        col(Provider.hourly_rate_pence) <= max_rate_pence,
        col(Provider.travel_radius_km).is_not(None),
    )
    if len(homes) == 1:
        # The great-circle distance is never less than the north-south one, so a provider whose
        # latitude alone puts the home beyond their radius cannot be within it.
        latitude, longitude = homes[0]
        # Likewise east-west, measured where a degree of longitude is shortest within the box, so
        # the test can only keep too many, never drop one: it leaves each provider's own square.
        km_per_degree_east = KM_PER_DEGREE * math.cos(
            math.radians(min(89.0, abs(latitude) + rules.SEARCH_RADIUS_KM / KM_PER_DEGREE))
        )
        query = query.where(
            func.abs(col(Provider.latitude) - latitude) * KM_PER_DEGREE <= col(Provider.travel_radius_km),
            func.abs(col(Provider.longitude) - longitude) * km_per_degree_east
            <= col(Provider.travel_radius_km),
        )
    else:
        query = query.where(
            col(Provider.latitude) + col(Provider.travel_radius_km) / KM_PER_DEGREE >= south,
            col(Provider.latitude) - col(Provider.travel_radius_km) / KM_PER_DEGREE <= north,
        )
    for code in all_of_services:
        query = query.where(
            select(col(ProviderService.provider_id))
            .where(
                col(ProviderService.provider_id) == col(Provider.id),
                col(ProviderService.service_code) == code,
            )
            .exists()
        )
    if any_of_services:
        query = query.where(
            select(col(ProviderService.provider_id))
            .where(
                col(ProviderService.provider_id) == col(Provider.id),
                col(ProviderService.service_code).in_(sorted(set(any_of_services))),
            )
            .exists()
        )
    if windows:
        # Available for some scheduled minute: without it the SCHEDULE constraint fails anyway.
        query = query.where(
            select(col(AvailabilitySlot.provider_id))
            .where(
                col(AvailabilitySlot.provider_id) == col(Provider.id),
                or_(
                    *(
                        and_(
                            col(AvailabilitySlot.day) == day,
                            col(AvailabilitySlot.start_minute) < end,
                            col(AvailabilitySlot.end_minute) > start,
                        )
                        for day, start, end in windows
                    )
                ),
            )
            .exists()
        )
    for value in _required(preferences, PreferenceKind.GENDER):
        query = query.where(col(Provider.gender) == value)
    for value in _required(preferences, PreferenceKind.PROVIDER_KIND):
        query = query.where(col(Provider.kind) == value)
    return query


async def longest_travel_radius_km(session: AsyncSession) -> float:
    """How far the furthest-travelling published provider goes (0 when there are none)."""
    query = select(func.max(Provider.travel_radius_km)).where(
        col(Provider.status) == ProviderStatus.PUBLISHED
    )
    longest = (await session.execute(query)).scalar_one_or_none()
    return min(rules.SEARCH_RADIUS_KM, longest or 0.0)


async def plan_candidate_ids(
    session: AsyncSession, plan: PlanSpec, *, need_ids: Sequence[int] | None, all_services: bool, today: date
) -> list[int]:
    """Candidates for the plan's needs (all of them, or `need_ids`): offering every service when
    `all_services`, else any of them (for teams, where each member takes the needs they offer).
    Exact distances against each provider's own radius are checked here, before anything is loaded."""
    needs = [n for n in plan.needs if need_ids is None or n.id in need_ids]
    codes = [n.service_code for n in needs]
    rates = [n.rate_pence for n in needs]
    query = candidate_query(
        homes=[(plan.latitude, plan.longitude)],
        all_of_services=codes if all_services else (),
        any_of_services=() if all_services else codes,
        max_rate_pence=min(rates) if all_services else max(rates),
        preferences=plan.preferences,
        today=today,
        search_radius_km=await longest_travel_radius_km(session),
        windows=sorted({w for n in needs for w in n.windows}),
    )
    rows = (await session.execute(query)).all()
    return [
        provider_id
        for provider_id, latitude, longitude, radius in rows
        if distance_km(plan.latitude, plan.longitude, latitude, longitude) <= radius
    ]


async def load_facts(
    session: AsyncSession,
    provider_ids: Sequence[int],
    *,
    today: date,
    services_of_interest: Sequence[str] | None = None,
) -> dict[int, ProviderFacts]:
    """Listings with their services, availability, checks and the capacity left on `today`, a few
    statements per 5,000 (review scores among them).

    `services_of_interest` loads only those of a listing's services (all the rules ask about), which
    in a dense area saves reading every service of hundreds of candidates.
    """
    facts: dict[int, ProviderFacts] = {}
    ids = list(dict.fromkeys(provider_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        # Plain rows, not ORM objects: in a dense area hundreds of candidates are scored per call,
        # and building identity-mapped objects for them cost more than the scoring itself.
        providers = cast(
            list[Provider],  # plain rows with a listing's columns, read as a listing is
            list(
                (
                    await session.execute(
                        select(Provider.__table__).where(Provider.__table__.c.id.in_(chunk))  # type: ignore[attr-defined]
                    )
                ).all()
            ),
        )
        services: dict[int, set[str]] = defaultdict(set)
        for provider_id, code in await session.execute(
            select(col(ProviderService.provider_id), col(ProviderService.service_code)).where(
                col(ProviderService.provider_id).in_(chunk),
                col(ProviderService.service_code).in_(sorted(set(services_of_interest)))
                if services_of_interest is not None
                else true(),
            )
        ):
            services[provider_id].add(code)
        slots: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for provider_id, day, start_minute, end_minute in await session.execute(
            select(
                col(AvailabilitySlot.provider_id),
                col(AvailabilitySlot.day),
                col(AvailabilitySlot.start_minute),
                col(AvailabilitySlot.end_minute),
            ).where(col(AvailabilitySlot.provider_id).in_(chunk))
        ):
            slots[provider_id].append((int(day), start_minute, end_minute))
        checks: dict[int, list[Accreditation]] = defaultdict(list)
        checks_table = Accreditation.__table__  # type: ignore[attr-defined]
        for check in await session.execute(select(checks_table).where(checks_table.c.provider_id.in_(chunk))):
            checks[check.provider_id].append(check)  # type: ignore[arg-type]  # a plain row, read as a check is
        held = await reservations(session, chunk, on=today)
        scores = await scores_for(session, chunk, today=today)
        for provider in providers:
            assert provider.id is not None
            score = scores[provider.id]
            facts[provider.id] = ProviderFacts(
                provider=provider,
                services=frozenset(services[provider.id]),
                availability=tuple(free_availability(provider, slots[provider.id], held[provider.id])),
                checks=tuple(checks[provider.id]),
                capacity_left_hours=free_hours(provider, held[provider.id].hours),
                review_score=score.score,
                reviews=score.reviews,
            )
    return facts
