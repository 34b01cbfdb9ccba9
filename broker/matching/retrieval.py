"""Finding candidates in the database: a pre-filter that never drops a provider `evaluate` would keep.

The SQL narrows to published, accredited listings offering the services, within the budgeted rate,
whose travel-radius box contains the person's home; exact distances and everything else are decided
in Python by `scoring.evaluate`.

For one home the box test reads a spatial index of every published listing's reach (migration 0018):
an R*Tree kept by triggers on SQLite, a GiST index on the box expression on PostgreSQL. Both live in
the database beside the listing, written in the same transaction, so a listing that moves, changes
its radius or is unpublished is found (or not) from the next statement on. Batches of homes
(allocation) read one bounding box around them all instead.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import cast

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join
from sqlmodel import col

from broker.agreements.capacity import free_availability, free_hours, reservations
from broker.geography.postcodes import EARTH_RADIUS_KM, distance_km
from broker.matching import rules
from broker.matching.scoring import PlanSpec, PreferenceSpec, ProviderFacts
from broker.plans.models import PreferenceKind, Strength
from broker.providers.access import listed_clause
from broker.providers.accreditation import accredited_until, is_accredited
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

# The R*Tree of published listings' reach boxes on SQLite (migration 0018; not in the models'
# metadata: Alembic does not create virtual tables).
PROVIDER_REACH = Table(
    "provider_reach",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("south", Float),
    Column("north", Float),
    Column("west", Float),
    Column("east", Float),
)


class _CrossJoin(Join):
    """An inner join SQLite may not reorder (its CROSS JOIN keeps the left table outermost)."""

    inherit_cache = True


@compiles(_CrossJoin, "sqlite")
def _cross_join(element: _CrossJoin, compiler: SQLCompiler, **kw: object) -> str:
    return compiler.visit_join(element, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


# The indexed expression of `ix_provider_reach` on PostgreSQL, word for word as migration 0018 wrote
# it (the planner matches expressions, so any difference would quietly fall back to a scan); the
# same box as `bounding_box(latitude, longitude, travel_radius_km)`.
_DLAT = "provider.travel_radius_km / 111.19"
_DLNG = (
    "least(180.0, provider.travel_radius_km / (111.19 * cos(radians(least(89.0, abs(provider.latitude) "
    "+ provider.travel_radius_km / 111.19)))) * 1.05)"
)
REACH_BOX_POSTGRESQL = (
    f"box(point(provider.latitude - {_DLAT}, provider.longitude - {_DLNG}), "
    f"point(provider.latitude + {_DLAT}, provider.longitude + {_DLNG}))"
)


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) enclosing every point within `radius_km`, with a margin."""
    dlat = radius_km / KM_PER_DEGREE
    widest = min(89.0, abs(latitude) + dlat)
    dlng = min(180.0, radius_km / (KM_PER_DEGREE * math.cos(math.radians(widest))) * 1.05)
    return latitude - dlat, latitude + dlat, longitude - dlng, longitude + dlng


def _required(preferences: Iterable[PreferenceSpec], kind: PreferenceKind) -> list[str]:
    return [p.value for p in preferences if p.kind is kind and p.strength is Strength.REQUIRED]


def _padded(windows: Sequence[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """`windows` and windows no slot overlaps (day -1), up to the next power of two.

    SQLAlchemy caches a compiled statement by its shape, and one OR term per window made nearly
    every plan's query a new shape: compiling it cost more than running it (37 of the benchmark's
    first 100 plans compiled one, about 20 ms each for 21 windows on an idle 2-core machine; padded,
    11 did). The terms that never match cost a comparison each per slot row."""
    size = 1 << max(0, len(windows) - 1).bit_length()
    return [*windows, *[(-1, 0, 0)] * (size - len(windows))]


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
    dialect: str | None = None,
) -> Select:
    """Providers worth evaluating for people living at `homes` (one plan, or a batch of plans), as
    rows of (id, latitude, longitude, travel radius).

    With one home and the database's `dialect` ("sqlite", "postgresql") the reach index answers
    which listings' boxes contain the home; without a dialect, per-row tests inside a bounding box
    do (the same providers, found by a scan)."""
    south = min(lat for lat, _ in homes)
    north = max(lat for lat, _ in homes)
    boxes = [bounding_box(lat, lng, search_radius_km) for lat, lng in homes]
    query = select(
        col(Provider.id), col(Provider.latitude), col(Provider.longitude), col(Provider.travel_radius_km)
    ).where(
        col(Provider.status) == ProviderStatus.PUBLISHED,
        col(Provider.latitude).between(min(b[0] for b in boxes), max(b[1] for b in boxes)),
        col(Provider.longitude).between(min(b[2] for b in boxes), max(b[3] for b in boxes)),
        col(Provider.hourly_rate_pence) <= max_rate_pence,
        col(Provider.travel_radius_km).is_not(None),
    )
    if len(homes) == 1 and dialect in ("sqlite", "postgresql"):
        latitude, longitude = homes[0]
        if dialect == "sqlite":
            reach = PROVIDER_REACH.c
            # Joined from the R*Tree, whose answer is a few hundred IDs read back by rowid. CROSS
            # JOIN fixes that order in SQLite: left to itself the planner walks the latitude band
            # through an index and probes the R*Tree per row (6x slower in London).
            listings = Provider.__table__  # type: ignore[attr-defined]
            query = query.select_from(_CrossJoin(PROVIDER_REACH, listings, reach.id == listings.c.id)).where(
                reach.south <= latitude,
                reach.north >= latitude,
                reach.west <= longitude,
                reach.east >= longitude,
            )
        else:
            point = func.point(
                bindparam("home_latitude", latitude, type_=Float),
                bindparam("home_longitude", longitude, type_=Float),
            )
            # GiST's box operators compare boxes: the home is the box of one point.
            query = query.where(literal_column(REACH_BOX_POSTGRESQL).op("@>")(func.box(point, point)))
    elif len(homes) == 1:
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
    if all_of_services:
        # Counted, not one EXISTS per service, so every plan's query has one shape (see `_padded`).
        wanted = sorted(set(all_of_services))
        offered = (
            select(func.count())
            .where(
                col(ProviderService.provider_id) == col(Provider.id),
                col(ProviderService.service_code).in_(wanted),
            )
            .scalar_subquery()
        )
        query = query.where(offered == len(wanted))
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
                        for day, start, end in _padded(windows)
                    )
                ),
            )
            .exists()
        )
    for value in _required(preferences, PreferenceKind.GENDER):
        query = query.where(col(Provider.gender) == value)
    for value in _required(preferences, PreferenceKind.PROVIDER_KIND):
        query = query.where(col(Provider.kind) == value)
    # Last: SQLite tests the terms in the order written, and the accreditation rule is correlated
    # subqueries per row, so the cheap column and EXISTS tests thin the rows first (in London, 28 ms
    # down to 17 ms for the same 478 rows).
    return query.where(listed_clause(today))


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
    # The reach index finds only providers whose own radius could reach the home, so the home's
    # bounding box need reach no further than the listing limit (no query for the longest radius).
    query = candidate_query(
        homes=[(plan.latitude, plan.longitude)],
        all_of_services=codes if all_services else (),
        any_of_services=() if all_services else codes,
        max_rate_pence=min(rates) if all_services else max(rates),
        preferences=plan.preferences,
        today=today,
        windows=sorted({w for n in needs for w in n.windows}),
        dialect=session.get_bind().dialect.name,
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
            held_checks = tuple(checks[provider.id])
            facts[provider.id] = ProviderFacts(
                provider=provider,
                services=frozenset(services[provider.id]),
                availability=tuple(free_availability(provider, slots[provider.id], held[provider.id])),
                checks=held_checks,
                capacity_left_hours=free_hours(provider, held[provider.id].hours),
                review_score=score.score,
                reviews=score.reviews,
                accredited_on=today,
                accredited=is_accredited(provider.kind, held_checks, today),
                accredited_until=accredited_until(provider.kind, held_checks, today),
            )
    return facts
