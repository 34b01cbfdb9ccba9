"""Prepared demand: each need of an ACTIVE or MATCHED plan split across time bands, with its
budgeted rate and its plan's days to a first agreement, kept as rows (`models.DemandRow`) so
`marketGaps` reads one table instead of joining plans, needs, their bands, activations and every
agreement on each request.

`source_rows` is the one definition of those rows, from the tables they come from. Whatever changes
an input rewrites the plan's rows in the same transaction (`refresh_plans`), told by events:
a plan saved (its needs, district or status: `PLAN_SAVED`), an agreement proposed or cancelled
(its first agreement: `AGREEMENT_PROPOSED`, `AGREEMENT_CANCELLED`). Nothing in the rows depends on
the date. `rebuild` (`broker prepare-market`) derives every row again, for bulk loads or a repair;
it writes what the incremental updates write, because both run `source_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.models import Agreement, AgreementStatus
from broker.db import serialize
from broker.market import plan_cells
from broker.market.models import DemandAgreementCell, DemandCell, DemandPlanCell, DemandRow, PlanActivation
from broker.market.sql import band_share, percentiles_by, whole_days_between
from broker.plans.models import NeedBand, PlanNeed, SupportPlan

DEMAND_STATUSES = plan_cells.DEMAND_STATUSES
COLUMNS = (
    "plan_id",
    "council_id",
    "holder_id",
    "postcode_district",
    "service_code",
    "band",
    "hours",
    "budgeted_rate_pence",
    "waited_days",
)
CELL_KEYS = ("postcode_district", "service_code", "band")
_CHUNK = 500


def source_rows(*, plan_ids: list[int] | None = None, council_id: int | None = None) -> Select[Any]:
    """The rows of `DemandRow` (in `COLUMNS` order) worked out from plans, needs, need bands,
    activations and agreements, for these plans or this council's (None: every plan)."""
    plans: list[ColumnElement[bool]] = [col(SupportPlan.status).in_(DEMAND_STATUSES)]
    if plan_ids is not None:
        plans.append(col(SupportPlan.id).in_(plan_ids))
    if council_id is not None:
        plans.append(col(SupportPlan.council_id) == council_id)
    first_query = select(col(Agreement.plan_id), func.min(col(Agreement.created_at)).label("at")).where(
        col(Agreement.status) != AgreementStatus.CANCELLED
    )
    if plan_ids is not None:
        first_query = first_query.where(col(Agreement.plan_id).in_(plan_ids))
    if council_id is not None:
        first_query = first_query.where(col(Agreement.council_id) == council_id)
    first = first_query.group_by(col(Agreement.plan_id)).subquery("first_agreement")
    share = band_share(col(NeedBand.minutes), col(NeedBand.total_minutes))
    days = whole_days_between(func.coalesce(PlanActivation.activated_at, SupportPlan.created_at), first.c.at)
    waited = case((first.c.at.is_(None), None), (days < 0, 0), else_=days)
    return (
        select(
            *plan_cells.plan_place(),
            col(PlanNeed.service_code).label("service_code"),
            col(NeedBand.band).label("band"),
            (PlanNeed.hours_per_week * share).label("hours"),
            col(PlanNeed.budgeted_rate_pence).label("budgeted_rate_pence"),
            waited.label("waited_days"),
        )
        .select_from(SupportPlan)
        .join(PlanNeed, col(PlanNeed.plan_id) == col(SupportPlan.id))
        .outerjoin(NeedBand, col(NeedBand.need_id) == col(PlanNeed.id))
        .outerjoin(PlanActivation, col(PlanActivation.plan_id) == col(SupportPlan.id))
        .outerjoin(first, first.c.plan_id == SupportPlan.id)
        .where(*plans)
    )


def _insert(query: Select[Any]) -> Any:
    table = DemandRow.__table__  # type: ignore[attr-defined]
    return insert(DemandRow).from_select([table.c[name] for name in COLUMNS], query)


async def refresh_plans(session: AsyncSession, plan_ids: Iterable[int | None]) -> None:
    """Rewrites these plans' rows from their sources (a plan no longer ACTIVE or MATCHED keeps none),
    then the cells of every district those rows were or now are in."""
    ids = sorted({i for i in plan_ids if i is not None})
    await session.flush()
    places: set[tuple[int, str]] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        places |= await _places(session, col(DemandRow.plan_id).in_(chunk))
        await session.execute(delete(DemandRow).where(col(DemandRow.plan_id).in_(chunk)))
        await session.execute(_insert(source_rows(plan_ids=chunk)))
        places |= await _places(session, col(DemandRow.plan_id).in_(chunk))
    await refresh_cells(session, places)


async def _places(session: AsyncSession, *where: ColumnElement[bool]) -> set[tuple[int, str]]:
    """The (council, district) pairs of the rows that `where` picks."""
    rows = await session.execute(
        select(col(DemandRow.council_id), col(DemandRow.postcode_district)).where(*where).distinct()
    )
    return {(council, district) for council, district in rows}


async def refresh_cells(session: AsyncSession, places: Iterable[tuple[int, str]]) -> None:
    """Works out again the cells (`DemandCell`) of these (council, district) pairs from their rows.

    A council's cells are written by one transaction at a time (on PostgreSQL an advisory lock until
    commit; SQLite has one writer), so two plans saved at once in one district cannot each write
    cells that miss the other's rows."""
    by_council: dict[int, set[str]] = {}
    for council_id, district in places:
        by_council.setdefault(council_id, set()).add(district)
    for council_id in sorted(by_council):
        await serialize(session, f"market-demand-cells:{council_id}")
        districts = sorted(by_council[council_id])
        for table in (DemandCell, DemandPlanCell, DemandAgreementCell):
            await session.execute(delete(table).where(*plan_cells.in_places(table, council_id, districts)))
        await _write_cells(session, council_id, districts)


async def _write_cells(session: AsyncSession, council_id: int | None, districts: list[str] | None) -> None:
    """Inserts the cells and plan-cells of these districts of this council (None: every council,
    every district)."""
    where = plan_cells.in_places(DemandRow, council_id, districts)
    figures = await plan_cells.write(session, council_id, districts)
    table = DemandRow.__table__  # type: ignore[attr-defined]
    rows = select(*[table.c[name] for name in COLUMNS]).where(*where).subquery("need_row")
    keys = ["council_id", *CELL_KEYS]
    rates = await percentiles_by(session, rows, keys, "budgeted_rate_pence")
    waited = (
        select(rows.c.plan_id, *[rows.c[k] for k in keys], rows.c.waited_days)
        .where(rows.c.waited_days.is_not(None))
        .distinct()
        .subquery("waited")
    )
    days = await percentiles_by(session, waited, keys, "waited_days", (0.5,))
    none: tuple[float | None, ...] = (None, None, None)
    cells = [
        {
            "council_id": key[0],
            "postcode_district": key[1],
            "service_code": key[2],
            "band": key[3],
            "rate_lower_quartile": rates.get(key, none)[0],
            "rate_median": rates.get(key, none)[1],
            "rate_upper_quartile": rates.get(key, none)[2],
            "median_waited_days": days[key][0] if key in days else None,
            **figures.get(key, {}),
        }
        for key in rates.keys() | figures.keys()
    ]
    for start in range(0, len(cells), _CHUNK):
        await session.execute(insert(DemandCell), cells[start : start + _CHUNK])


class RankedFigures(NamedTuple):
    """A cell's figures that come from ranking its rows."""

    budgeted_rate_quartiles: tuple[float, float, float] | None
    median_waited_days: float | None


async def cells_of(session: AsyncSession, council_id: int) -> dict[tuple, RankedFigures]:
    """The council's cells by (district, service, band); worked out first when the council has demand
    rows but no cells yet (after the migration that added them, or a bulk load)."""
    query = select(
        col(DemandCell.postcode_district),
        col(DemandCell.service_code),
        col(DemandCell.band),
        col(DemandCell.rate_lower_quartile),
        col(DemandCell.rate_median),
        col(DemandCell.rate_upper_quartile),
        col(DemandCell.median_waited_days),
    ).where(col(DemandCell.council_id) == council_id)
    found = {
        (district, service, band): RankedFigures(
            (lower, median, upper)
            if lower is not None and median is not None and upper is not None
            else None,
            days,
        )
        for district, service, band, lower, median, upper, days in await session.execute(query)
    }
    if found:
        return found
    places = await _places(session, col(DemandRow.council_id) == council_id)
    if not places:
        return {}
    await refresh_cells(session, places)
    return await cells_of(session, council_id)


async def rebuild(session: AsyncSession) -> None:
    """Derives every plan's rows from the sources, and every cell from the rows, replacing what was
    there."""
    await session.execute(delete(DemandRow))
    await session.execute(_insert(source_rows()))
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE market_demand"))
    for table in (DemandCell, DemandPlanCell, DemandAgreementCell):
        await session.execute(delete(table))
    await _write_cells(session, None, None)
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE market_demand_plan_cell"))
        await session.execute(text("ANALYZE market_demand_agreement_cell"))


async def on_plan_saved(session: AsyncSession, plan: SupportPlan, now: datetime) -> None:
    await refresh_plans(session, [plan.id])


async def on_agreement(session: AsyncSession, agreement: Agreement, now: datetime) -> None:
    await refresh_plans(session, [agreement.plan_id])


def prepared_rows(council_id: int) -> Select[Any]:
    """The council's prepared rows, with the columns of `source_rows`."""
    return select(*[DemandRow.__table__.c[name] for name in COLUMNS]).where(  # type: ignore[attr-defined]
        col(DemandRow.council_id) == council_id
    )
