"""Prepared supply: reachable free hours and asking rates per (district, service, band), kept ready
so `marketGaps` reads one row per cell instead of joining every listed provider to every district,
service and band it covers (3.2 million rows for a large council) on each request.

Three derived tables (`models.ListingReach`, `ListingOffer`, `SupplyCell`) hold, for one London
date (`SupplyState.as_of`), what `supply.supply` would compute for that day: the districts each listed
provider reaches, its free hours and rate per service offered and band available, and per cell the
sum of free hours, the providers and their rate quartiles. They follow the listings three ways:

- every listing event (the calls that feed the search outbox also write `supply_outbox`) re-derives
  that provider's rows and recomputes the cells it was or is in;
- a new day re-derives the providers whose held hours or accreditation change with the date alone
  (`capacity.providers_changing`, checks expiring);
- `rebuild` (`broker prepare-market`, or whenever no date is prepared or the date goes back)
  derives everything from the listings, the source of truth.

`ensure_current` runs at the start of each read, so a read never sees a listing older than its own
transaction; a background pass (`run_supply_pass`) does the same work ahead of callers. Writers lock
the one `SupplyState` row first, so two refreshes never interleave on either database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.capacity import providers_changing, still_holding
from broker.agreements.models import Agreement, AgreementBand, AgreementSlot
from broker.api.clock import london_date
from broker.db import Database, utcnow
from broker.geography.models import PostcodeDistrict
from broker.market.models import ListingOffer, ListingReach, SupplyCell, SupplyState
from broker.market.sql import band_minutes, band_parts
from broker.market.stats import quartiles
from broker.market.supply import reaches
from broker.plans.models import NeedBand, NeedSlot, PlanNeed
from broker.providers.access import listed_clause
from broker.providers.models import Accreditation, AvailabilitySlot, Provider, ProviderService
from search.outbox import SupplyOutbox

logger = logging.getLogger("broker.market.prepared")
MICRO = 1_000_000
# More changed listings than this at once are cheaper to rebuild whole than one by one.
REBUILD_ABOVE = 2_000
CHECK_EVERY_SECONDS = 60
Cell = tuple[str, str, str]  # (district, service, band)


def _listed(today: date, provider_ids: list[int] | None) -> list[ColumnElement[bool]]:
    conditions = [
        listed_clause(today),
        col(Provider.travel_radius_km).is_not(None),
        col(Provider.latitude).is_not(None),
    ]
    if provider_ids is not None:
        conditions.append(col(Provider.id).in_(provider_ids))
    return conditions


def _reach_rows(today: date, provider_ids: list[int] | None) -> Any:
    north = (col(Provider.latitude) - col(PostcodeDistrict.latitude)) * 111.195
    radius = col(Provider.travel_radius_km)
    return (
        select(col(Provider.id), col(PostcodeDistrict.code))
        .join(
            PostcodeDistrict,
            # The box test is implied by the distance test; it only spares the arithmetic.
            and_(north <= radius, north >= -radius, reaches(Provider, PostcodeDistrict)),
        )
        .where(*_listed(today, provider_ids))
    )


def _offer_rows(today: date, provider_ids: list[int] | None) -> Any:
    held_query = select(
        col(Agreement.provider_id), func.sum(col(Agreement.hours_per_week)).label("hours")
    ).where(still_holding(today, today))
    if provider_ids is not None:
        held_query = held_query.where(col(Agreement.provider_id).in_(provider_ids))
    held = held_query.group_by(col(Agreement.provider_id)).subquery("held")
    left = func.coalesce(Provider.weekly_capacity_hours, 0.0) - func.coalesce(held.c.hours, 0.0)
    free = case((left > 0, left), else_=literal(0.0))
    part = band_parts("offer_part")
    return (
        select(
            col(Provider.id),
            col(ProviderService.service_code),
            part.c.band,
            cast(func.round(free * MICRO), BigInteger),
            col(Provider.hourly_rate_pence),
        )
        .join(ProviderService, col(ProviderService.provider_id) == col(Provider.id))
        .join(AvailabilitySlot, col(AvailabilitySlot.provider_id) == col(Provider.id))
        .join(
            part,
            and_(
                col(AvailabilitySlot.day).between(part.c.first_day, part.c.last_day),
                col(AvailabilitySlot.start_minute) < part.c.end_minute,
                col(AvailabilitySlot.end_minute) > part.c.start_minute,
            ),
        )
        .outerjoin(held, held.c.provider_id == Provider.id)
        .where(*_listed(today, provider_ids))
        .distinct()
    )


async def _derive_listings(session: AsyncSession, today: date, provider_ids: list[int] | None) -> None:
    reach_columns = [ListingReach.__table__.c.provider_id, ListingReach.__table__.c.district]  # type: ignore[attr-defined]
    offer_table = ListingOffer.__table__  # type: ignore[attr-defined]
    offer_columns = [
        offer_table.c.provider_id,
        offer_table.c.service_code,
        offer_table.c.band,
        offer_table.c.free_microhours,
        offer_table.c.rate_pence,
    ]
    await session.execute(insert(ListingReach).from_select(reach_columns, _reach_rows(today, provider_ids)))
    await session.execute(insert(ListingOffer).from_select(offer_columns, _offer_rows(today, provider_ids)))


async def _recompute_cells(
    session: AsyncSession,
    districts: set[str] | None = None,
    services: set[str] | None = None,
    bands: set[str] | None = None,
    *,
    only: set[Cell] | None = None,
) -> None:
    """Recomputes every cell in districts x services x bands (None: all), or of those the cells
    `only`, from the listing tables."""
    reach, offer = ListingReach, ListingOffer
    where: list[ColumnElement[bool]] = []
    cell_where: list[ColumnElement[bool]] = []
    for values, column, cell_column in (
        (districts, col(reach.district), col(SupplyCell.district)),
        (services, col(offer.service_code), col(SupplyCell.service_code)),
        (bands, col(offer.band), col(SupplyCell.band)),
    ):
        if values is not None:
            if not values:
                return
            where.append(column.in_(sorted(values)))
            cell_where.append(cell_column.in_(sorted(values)))
    if only is not None:
        for cell in sorted(only):
            await session.execute(delete(SupplyCell).where(_key(cell)))
    else:
        await session.execute(delete(SupplyCell).where(*cell_where))
    query = (
        select(
            col(reach.district),
            col(offer.service_code),
            col(offer.band),
            col(offer.rate_pence),
            func.count(),
            func.sum(col(offer.free_microhours)),
        )
        .join(offer, col(offer.provider_id) == col(reach.provider_id))
        .where(*where)
        .group_by(col(reach.district), col(offer.service_code), col(offer.band), col(offer.rate_pence))
    )
    providers: dict[tuple, int] = defaultdict(int)
    free: dict[tuple, int] = defaultdict(int)
    rates: dict[tuple, dict[float, int]] = defaultdict(dict)
    for district, service, band, rate, count, micro in await session.execute(query):
        key = (district, service, band)
        if only is not None and key not in only:
            continue
        providers[key] += count
        free[key] += int(micro or 0)
        if rate is not None:
            rates[key][float(rate)] = count
    rows = []
    for key, count in providers.items():
        q = quartiles(rates.get(key, {}))
        rows.append(
            {
                "district": key[0],
                "service_code": key[1],
                "band": key[2],
                "providers": count,
                "free_microhours": free[key],
                "rate_lower_quartile": q[0] if q else None,
                "rate_median": q[1] if q else None,
                "rate_upper_quartile": q[2] if q else None,
            }
        )
    for start in range(0, len(rows), 5_000):
        await session.execute(insert(SupplyCell), rows[start : start + 5_000])


async def _contributions(
    session: AsyncSession, provider_ids: list[int]
) -> dict[Cell, tuple[int, int, Counter]]:
    """What these providers add to each cell now: (providers, free microhours, their rates)."""
    districts: dict[int, list[str]] = defaultdict(list)
    for provider_id, district in await session.execute(
        select(col(ListingReach.provider_id), col(ListingReach.district)).where(
            col(ListingReach.provider_id).in_(provider_ids)
        )
    ):
        districts[provider_id].append(district)
    cells: dict[Cell, tuple[int, int, Counter]] = {}
    for provider_id, service, band, micro, rate in await session.execute(
        select(
            col(ListingOffer.provider_id),
            col(ListingOffer.service_code),
            col(ListingOffer.band),
            col(ListingOffer.free_microhours),
            col(ListingOffer.rate_pence),
        ).where(col(ListingOffer.provider_id).in_(provider_ids))
    ):
        for district in districts.get(provider_id, ()):
            count, free, rates = cells.get((district, service, band), (0, 0, Counter()))
            if rate is not None:
                rates[rate] += 1
            cells[(district, service, band)] = (count + 1, free + micro, rates)
    return cells


def _key(cell: Cell) -> ColumnElement[bool]:
    return and_(
        col(SupplyCell.district) == cell[0],
        col(SupplyCell.service_code) == cell[1],
        col(SupplyCell.band) == cell[2],
    )


async def _shift_cells(
    session: AsyncSession,
    old: dict[Cell, tuple[int, int, Counter]],
    new: dict[Cell, tuple[int, int, Counter]],
) -> None:
    """Cells whose members' rates are unchanged only move by the providers' and hours' difference
    (exact: integers); the others are recomputed from the listing tables for their quartiles."""
    empty: tuple[int, int, Counter] = (0, 0, Counter())
    recompute: set[Cell] = set()
    shifts: dict[Cell, tuple[int, int]] = {}
    for cell in old.keys() | new.keys():
        before, after = old.get(cell, empty), new.get(cell, empty)
        if before[2] != after[2]:
            recompute.add(cell)
        elif (before[0], before[1]) != (after[0], after[1]):
            shifts[cell] = (after[0] - before[0], after[1] - before[1])
    for cell, (providers, micro) in sorted(shifts.items()):
        found = await session.get(SupplyCell, cell, populate_existing=True)
        if found is None:  # only providers without a rate were here, and none before
            session.add(
                SupplyCell(
                    district=cell[0],
                    service_code=cell[1],
                    band=cell[2],
                    providers=providers,
                    free_microhours=micro,
                )
            )
        elif found.providers + providers <= 0:
            await session.delete(found)
        else:
            found.providers += providers
            found.free_microhours += micro
    await session.flush()
    if recompute:
        await _recompute_cells(
            session,
            {c[0] for c in recompute},
            {c[1] for c in recompute},
            {c[2] for c in recompute},
            only=recompute,
        )


async def refresh_listings(session: AsyncSession, provider_ids: Iterable[int], today: date) -> None:
    """Re-derives these providers' rows for `today` and brings every cell they were or are in up to
    date. The caller holds the state lock (`_lock_state`)."""
    ids = sorted(set(provider_ids))
    if not ids:
        return
    old = await _contributions(session, ids)
    await session.execute(delete(ListingReach).where(col(ListingReach.provider_id).in_(ids)))
    await session.execute(delete(ListingOffer).where(col(ListingOffer.provider_id).in_(ids)))
    await _derive_listings(session, today, ids)
    await _shift_cells(session, old, await _contributions(session, ids))


async def _lock_state(session: AsyncSession) -> SupplyState:
    dialect = session.get_bind().dialect.name
    make_insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(make_insert(SupplyState).values(id=1).on_conflict_do_nothing())
    state = (
        await session.execute(
            select(SupplyState)
            .where(col(SupplyState.id) == 1)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    return state


async def _pending(session: AsyncSession) -> tuple[int | None, list[int]]:
    rows = (await session.execute(select(col(SupplyOutbox.id), col(SupplyOutbox.provider_id)))).all()
    last = max((r[0] for r in rows if r[0] is not None), default=None)
    return last, sorted({r[1] for r in rows})


async def rebuild(session: AsyncSession, today: date) -> None:
    """Derives the prepared supply for `today` from the listings alone, replacing what was there."""
    state = await _lock_state(session)
    last, _ = await _pending(session)
    await session.execute(delete(SupplyCell))
    await session.execute(delete(ListingReach))
    await session.execute(delete(ListingOffer))
    await _derive_listings(session, today, None)
    await _recompute_cells(session)
    if last is not None:
        await session.execute(delete(SupplyOutbox).where(col(SupplyOutbox.id) <= last))
    state.as_of = today
    state.prepared_at = utcnow()
    await session.flush()
    await _analyze(session, "market_listing_reach", "market_listing_offer", "market_supply_cell")


async def _analyze(session: AsyncSession, *tables: str) -> None:
    """Fresh planner statistics for tables just refilled whole (autovacuum may come much later), so
    the plans that read them are made for their size; SQLite plans without them."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"ANALYZE {', '.join(tables)}"))


async def _changed_with_the_date(session: AsyncSession, after: date, through: date) -> list[int]:
    expiring = select(col(Accreditation.provider_id)).where(
        col(Accreditation.expires_on) > after, col(Accreditation.expires_on) <= through
    )
    return sorted(
        set(await providers_changing(session, after, through))
        | set((await session.execute(expiring)).scalars())
    )


async def ensure_current(session: AsyncSession, today: date) -> None:
    """Brings the prepared supply to `today` and every listing event so far; cheap when nothing is
    pending (two primary-key reads), so every read of it starts here."""
    state = await session.get(SupplyState, 1)
    waiting = (await session.execute(select(col(SupplyOutbox.id)).limit(1))).first()
    if state is not None and state.as_of == today and waiting is None:
        return
    state = await _lock_state(session)
    if state.as_of is None or state.as_of > today:
        await rebuild(session, today)
        return
    last, ids = await _pending(session)
    if state.as_of < today:
        ids = sorted(set(ids) | set(await _changed_with_the_date(session, state.as_of, today)))
    if len(ids) > REBUILD_ABOVE:
        await rebuild(session, today)
        return
    await refresh_listings(session, ids, today)
    if last is not None:
        await session.execute(delete(SupplyOutbox).where(col(SupplyOutbox.id) <= last))
    state.as_of = today
    state.prepared_at = utcnow()
    await session.flush()


async def rebuild_band_splits(session: AsyncSession) -> None:
    """Derives every need's and agreement's split across bands from its slots (`NeedBand`,
    `AgreementBand`, written with the slots), for rows written some other way: bulk loads, or a repair."""
    for model, name, slot_table, owner, key in (
        (NeedBand, "need_id", NeedSlot, NeedSlot.need_id, col(PlanNeed.id)),
        (AgreementBand, "agreement_id", AgreementSlot, AgreementSlot.agreement_id, col(Agreement.id)),
    ):
        by_band, total = band_minutes(slot_table, owner, select(key))
        table = model.__table__  # type: ignore[union-attr]
        await session.execute(delete(model))
        await session.execute(
            insert(model).from_select(
                [table.c[name], table.c.band, table.c.minutes, table.c.total_minutes],
                select(by_band.c.owner, by_band.c.band, by_band.c.minutes, total.c.minutes).join(
                    total, total.c.owner == by_band.c.owner
                ),
            )
        )
    await _analyze(session, "need_band", "agreement_band")


async def supply_cells(
    session: AsyncSession, *, districts: ColumnElement[bool] | None = None
) -> dict[tuple[str, str, str], tuple[float, tuple[float, float, float] | None]]:
    """(district, service, band) → (free hours, asking-rate quartiles), for the districts selected."""
    query = select(
        col(SupplyCell.district),
        col(SupplyCell.service_code),
        col(SupplyCell.band),
        col(SupplyCell.free_microhours),
        col(SupplyCell.rate_lower_quartile),
        col(SupplyCell.rate_median),
        col(SupplyCell.rate_upper_quartile),
    )
    if districts is not None:
        query = query.where(districts)
    found: dict[tuple[str, str, str], tuple[float, tuple[float, float, float] | None]] = {}
    for district, service, band, micro, lower, median, upper in await session.execute(query):
        rates = (
            (lower, median, upper) if lower is not None and median is not None and upper is not None else None
        )
        found[(district, service, band)] = (round(micro / MICRO, 2), rates)
    return found


async def run_supply_pass(database: Database, now: Callable[[], datetime], stop: asyncio.Event) -> None:
    """Keeps the prepared supply current in the background, so readers rarely find work to do."""
    while not stop.is_set():
        try:
            async with database.transaction() as session:
                await ensure_current(session, london_date(now()))
        except Exception as error:  # the database may be down: try again at the next check
            logger.warning("prepared supply pass failed", extra={"error": type(error).__name__})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=CHECK_EVERY_SECONDS)
