"""`marketGaps`: where demand outruns what is agreed, by district, service and time band, in SQL.

Demand is the weekly hours of the needs of the council's ACTIVE and MATCHED plans; agreed hours are
those of these plans' agreements holding capacity at some point of the period (ACTIVE or ENDED,
started by its last day and not ended before its first: `Agreement.holds_capacity_on`). A need's (or
an agreement's) hours are split across time bands in proportion to its slot minutes in each
(`bands.py`); hours without slots have no band. Unmet hours are counted per plan and cell, so one
person's agreement never hides another's wait (`gap_counts.py`). Everything is aggregated in the
database (GROUP BY); Python only turns rate histograms into quartiles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    SQLColumnExpression,
    Subquery,
    and_,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.api.clock import LONDON
from broker.errors import ErrorCode, InvalidInput, PermissionDenied, Problems
from broker.hygiene import date_problem
from broker.market import access, ledger, prepared
from broker.market import demand as demand_rows
from broker.market import gap_counts as counts
from broker.market.gap_counts import GroupBy
from broker.market.models import SupplyCell, UnmetNeed
from broker.market.privacy import is_small, shown
from broker.market.sql import percentiles_by, room_to_sort
from broker.market.stats import quartiles
from broker.market.supply import supply
from broker.plans.models import SupportPlan

DEMAND_STATUSES = demand_rows.DEMAND_STATUSES
TOP_REASONS = 3
MAX_PERIOD_DAYS = 3660


@dataclass(frozen=True)
class Reason:
    constraint: str
    times: int
    hours: float


@dataclass
class GapRow:
    """One cell. `gap_ratio` is unmet hours ÷ reachable supply hours: above 1, even every free hour
    within reach would not cover the shortfall; None without supply or when unmet is withheld."""

    district: str | None
    service_code: str | None
    time_band: str | None
    people: int | None
    people_waiting: int | None
    demand_hours: float | None
    agreed_hours: float | None
    unmet_hours: float | None
    budgeted_rate_quartiles: tuple[float, float, float] | None
    median_days_to_first_agreement: float | None
    reachable_supply_hours: float | None
    asked_rate_quartiles: tuple[float, float, float] | None
    top_unmet_reasons: list[Reason] | None
    suppressed: bool = False
    waiting_plan_ids: list[int] | None = field(default=None)
    """The plans with hours unmet here: the drill-down for the council's brokers and admins only."""

    @property
    def gap_ratio(self) -> float | None:
        if self.unmet_hours is None or not self.reachable_supply_hours:
            return None
        return round(self.unmet_hours / self.reachable_supply_hours, 2)


def check_period(start: date, end: date) -> None:
    problems = Problems()
    for name, value in (("from", start), ("to", end)):
        if (problem := date_problem(value)) is not None:
            problems.add(name, problem, ErrorCode.OUT_OF_RANGE)
    problems.raise_if_any()
    if start > end:
        raise InvalidInput("`from` must not be after `to`.", field="from", code=ErrorCode.OUT_OF_RANGE)
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput("At most ten years at a time.", field="from", code=ErrorCode.OUT_OF_RANGE)


async def market_gaps(
    session: AsyncSession,
    *,
    actor: Actor | None,
    council_id: int,
    group_by: list[GroupBy],
    start: date,
    end: date,
    now: datetime,
    waiting_plans: bool = True,
) -> list[GapRow]:
    """One row per cell of the chosen dimensions, with small counts of people withheld. The waiting
    plans (the drill-down, for those allowed it) are read only with `waiting_plans`: for a large
    council they are most of the work, so a caller that shows none says so."""
    if not access.sees_figures(actor, council_id):
        raise PermissionDenied("You can only see your own council's figures.", field="council_id")
    check_period(start, end)
    await ledger.record_expired_requests(session, council_id, now)
    today = now.astimezone(LONDON).date()
    drill_down = waiting_plans and access.may_drill_down(actor, council_id)
    rows = await gap_rows(
        session,
        council_id=council_id,
        group_by=group_by,
        start=start,
        end=end,
        today=today,
        drill_down=drill_down,
    )
    return rows if drill_down else without_drill_down(rows)


async def gap_rows(
    session: AsyncSession,
    *,
    council_id: int,
    group_by: list[GroupBy],
    start: date,
    end: date,
    today: date,
    drill_down: bool = True,
    demand_only: bool = False,
    from_sources: bool = False,
) -> list[GapRow]:
    """The rows of `market_gaps`, small counts withheld, for a caller already admitted (or the
    open demand feed, which shows anyone the same suppressed aggregates). Without `drill_down` the
    waiting plans are not read (`waiting_plan_ids` is None); with `demand_only` only people, demand,
    agreed and unmet hours are (what the open feed publishes), the other figures left empty.

    Demand, budgeted rates and days to a first agreement are read from the prepared rows
    (`demand.py`); `from_sources` works the same rows out from plans, needs and agreements instead
    (the straightforward evaluation the prepared rows must equal)."""
    dims = list(dict.fromkeys(group_by))
    await room_to_sort(session)
    plans = and_(col(SupportPlan.council_id) == council_id, col(SupportPlan.status).in_(DEMAND_STATUSES))
    full = len(dims) == len(GroupBy) and not from_sources
    if full:
        prepared_cells = await demand_rows.cells_of(session, council_id)
        rows, waiting_plans = await counts.set_against_agreements(
            session, dims, council_id, start, end, drill_down=drill_down
        )
    else:
        need_rows = (
            demand_rows.source_rows(council_id=council_id)
            if from_sources
            else demand_rows.prepared_rows(council_id)
        ).subquery("need_row")
        rows, waiting_plans = await counts.per_plan(
            session, dims, need_rows, plans, start, end, drill_down=drill_down
        )
    found: dict[tuple, GapRow] = {}
    for row in rows:
        key = tuple(row[: len(dims)])
        values = dict(zip(dims, key, strict=True))
        people, waiting, demand_hours, agreed_hours, unmet_hours = row[len(dims) :]
        found[key] = GapRow(
            district=values.get(GroupBy.DISTRICT),
            service_code=values.get(GroupBy.SERVICE),
            time_band=values.get(GroupBy.TIME_BAND),
            people=None if people is None else int(people),  # PostgreSQL sums bigints as numeric
            people_waiting=None if waiting is None else int(waiting),
            demand_hours=round(float(demand_hours or 0), 2),
            agreed_hours=max(round(float(agreed_hours or 0), 2), 0.0),
            unmet_hours=max(round(float(unmet_hours or 0), 2), 0.0),
            budgeted_rate_quartiles=None,
            median_days_to_first_agreement=None,
            reachable_supply_hours=0.0,
            asked_rate_quartiles=None,
            top_unmet_reasons=[],
            waiting_plan_ids=waiting_plans.get(key, []) if drill_down else None,
        )
    if demand_only:
        return [_suppress(r) for r in found.values()]
    if full:
        _prepared_cell_figures(found, dims, prepared_cells)
    else:
        await _budgeted_rates(session, found, dims, need_rows)
        await _days_to_first_agreement(session, found, dims, need_rows)
    await _reasons(session, found, dims, council_id, start, end)
    if len(dims) == len(GroupBy):
        await _prepared_supply(session, found, dims, today)
    else:
        names = {GroupBy.DISTRICT: "district", GroupBy.SERVICE: "service", GroupBy.TIME_BAND: "band"}
        hours, rates = await supply(session, dims=[names[d] for d in dims], plans=plans, today=today)
        for key, gap in found.items():
            gap.reachable_supply_hours = hours.get(key, 0.0)
            gap.asked_rate_quartiles = quartiles(rates.get(key, {}))
    return [_suppress(r) for r in found.values()]


async def _prepared_supply(
    session: AsyncSession,
    found: dict[tuple, GapRow],
    dims: list[GroupBy],
    today: date,
) -> None:
    """Supply for the full grouping from the prepared cells (`prepared.py`): each cell is then one
    (district, service, band) row, so nothing is summed per request. A coarser grouping counts each
    provider once across the cells it merges, which those rows cannot tell, so it runs `supply`.
    Only the districts of the rows found are read."""
    await prepared.ensure_current(session, today)
    rows = list(_cells(found, dims))
    districts = col(SupplyCell.district).in_(sorted({cell[0] for cell, _ in rows if cell[0] is not None}))
    cells = await prepared.supply_cells(session, districts=districts)
    for cell, gap in rows:
        gap.reachable_supply_hours, gap.asked_rate_quartiles = cells.get(cell, (0.0, None))


def _cells(found: dict[tuple, GapRow], dims: list[GroupBy]) -> Iterator[tuple[tuple, GapRow]]:
    """Each row with its key of the full grouping in the prepared tables' (district, service, band)
    order."""
    position = {d: i for i, d in enumerate(dims)}
    order = [position[d] for d in (GroupBy.DISTRICT, GroupBy.SERVICE, GroupBy.TIME_BAND)]
    if order == [0, 1, 2]:
        yield from found.items()
        return
    for key, gap in found.items():
        yield tuple(key[i] for i in order), gap


def _prepared_cell_figures(
    found: dict[tuple, GapRow], dims: list[GroupBy], cells: dict[tuple, demand_rows.RankedFigures]
) -> None:
    """Budgeted-rate quartiles and median days for the full grouping from the prepared cells
    (`demand.cells_of`): no period changes them, so nothing is ranked per request. A coarser grouping
    merges cells, whose quartiles cannot be merged, so it works them out from the rows."""
    for cell, gap in _cells(found, dims):
        if (figures := cells.get(cell)) is not None:
            gap.budgeted_rate_quartiles, gap.median_days_to_first_agreement = figures


def without_drill_down(rows: list[GapRow]) -> list[GapRow]:
    for row in rows:
        row.waiting_plan_ids = None
    return rows


_ROW_COLUMNS = {
    GroupBy.DISTRICT: "postcode_district",
    GroupBy.SERVICE: "service_code",
    GroupBy.TIME_BAND: "band",
}


async def _budgeted_rates(
    session: AsyncSession, found: dict[tuple, GapRow], dims: list[GroupBy], need_rows: Subquery
) -> None:
    """Quartiles of the budgeted rates of the needs in each cell (a need counted once per band it
    falls in), worked out in the database."""
    keys = [_ROW_COLUMNS[d] for d in dims]
    for key, (lower, median, upper) in (
        await percentiles_by(session, need_rows, keys, "budgeted_rate_pence")
    ).items():
        if key in found:
            found[key].budgeted_rate_quartiles = (lower, median, upper)


async def _reasons(
    session: AsyncSession,
    found: dict[tuple, GapRow],
    dims: list[GroupBy],
    council_id: int,
    start: date,
    end: date,
) -> None:
    columns: dict[GroupBy, SQLColumnExpression[Any]] = {
        GroupBy.DISTRICT: col(UnmetNeed.postcode_district),
        GroupBy.SERVICE: col(UnmetNeed.service_code),
        GroupBy.TIME_BAND: col(UnmetNeed.time_band),
    }
    chosen = [columns[d] for d in dims]
    first = datetime.combine(start, time.min, LONDON)
    last = datetime.combine(end + timedelta(days=1), time.min, LONDON)
    query = (
        select(
            *chosen, col(UnmetNeed.failed_constraint), func.count(), func.sum(col(UnmetNeed.hours_per_week))
        )
        .where(
            col(UnmetNeed.council_id) == council_id,
            col(UnmetNeed.recorded_at) >= first,
            col(UnmetNeed.recorded_at) < last,
        )
        .group_by(*chosen, UnmetNeed.failed_constraint)
    )
    by_cell: dict[tuple, list[Reason]] = defaultdict(list)
    for row in await session.execute(query):
        key = tuple(row[: len(dims)])
        constraint, times, hours = row[len(dims) :]
        by_cell[key].append(Reason(str(constraint), times, round(float(hours or 0), 2)))
    for key, reasons in by_cell.items():
        if key in found:
            reasons.sort(key=lambda r: (-r.hours, -r.times, r.constraint))
            found[key].top_unmet_reasons = reasons[:TOP_REASONS]


async def _days_to_first_agreement(
    session: AsyncSession, found: dict[tuple, GapRow], dims: list[GroupBy], need_rows: Subquery
) -> None:
    """Median whole days from a plan becoming ACTIVE (its creation, for plans older than the record)
    to its first agreement that was not cancelled, over the plans with needs in each cell (each plan
    once a cell; the days are kept with the prepared rows, `demand.py`)."""
    keys = [_ROW_COLUMNS[d] for d in dims]
    per_plan = (
        select(need_rows.c.plan_id, *[need_rows.c[k] for k in keys], need_rows.c.waited_days)
        .where(need_rows.c.waited_days.is_not(None))
        .distinct()
        .subquery("waited")
    )
    for key, (median,) in (await percentiles_by(session, per_plan, keys, "waited_days", (0.5,))).items():
        if key in found:
            found[key].median_days_to_first_agreement = median


def _suppress(row: GapRow) -> GapRow:
    """People counts of 1 to 4 are withheld; a row whose people are withheld loses every figure
    derived from them, and one whose waiting people are withheld loses its unmet hours and reasons."""
    if is_small(row.people):
        row.people = row.people_waiting = None
        row.demand_hours = row.agreed_hours = row.unmet_hours = None
        row.budgeted_rate_quartiles = None
        row.median_days_to_first_agreement = None
        row.top_unmet_reasons = None
        row.suppressed = True
    elif is_small(row.people_waiting):
        row.people_waiting = shown(row.people_waiting)
        row.unmet_hours = None
        row.top_unmet_reasons = None
        row.suppressed = True
    return row
