"""The counts of `marketGaps` per cell: people, people waiting, demand, agreed and unmet hours,
and the plans waiting in each.

`per_plan` is the straightforward evaluation for any grouping: every plan's demand and agreed hours
grouped per cell, then per cell. `set_against_agreements` gives the same for the full grouping
(district, service and band) from the prepared cells (`plan_cells.py`), touching only the
agreements the period leaves out: a few percent of them for a year's period, so a council's request
costs what those rows cost, not what all its plans do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    distinct,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.models import Agreement
from broker.market import plan_cells
from broker.market.models import DemandAgreementCell, DemandCell, DemandPlanCell

NEEDED = plan_cells.NEEDED


class GroupBy(StrEnum):
    DISTRICT = "DISTRICT"
    SERVICE = "SERVICE"
    TIME_BAND = "TIME_BAND"


def _agreed_rows(plans: ColumnElement[bool], start: date, end: date) -> Select[Any]:
    """The hours of the plans' agreements holding capacity at some point of the period
    (`Agreement.holds_capacity_on`), with the union columns of the per-plan grouping."""
    agreed = plan_cells.agreement_rows(
        plans, _counted(col(Agreement.start_date), col(Agreement.end_date), start, end)
    ).subquery("agreed_row")
    return select(
        agreed.c.plan_id,
        agreed.c.holder_id,
        agreed.c.postcode_district.label("district"),
        agreed.c.service_code.label("service"),
        agreed.c.band,
        literal(0.0).label("demand"),
        agreed.c.hours.label("agreed"),
    )


def _counted(starts: Any, ends: Any, start: date, end: date) -> ColumnElement[bool]:
    """A started agreement (its start and end date columns) counts for the period when it started
    by its last day and did not end before its first."""
    return and_(starts <= end, or_(ends.is_(None), ends >= start))


async def per_plan(
    session: AsyncSession,
    dims: list[GroupBy],
    need_rows: Subquery,
    plans: ColumnElement[bool],
    start: date,
    end: date,
    *,
    drill_down: bool,
) -> tuple[Sequence[Any], dict[tuple, list[int]]]:
    """People, waiting people, demand, agreed and unmet hours per cell of `dims`, and the plans
    waiting in each (with `drill_down`): every plan's demand and agreed hours grouped per cell first,
    so one person's agreement never hides another's wait."""
    demand = select(
        need_rows.c.plan_id,
        need_rows.c.holder_id,
        need_rows.c.postcode_district.label("district"),
        need_rows.c.service_code.label("service"),
        need_rows.c.band,
        need_rows.c.hours.label("demand"),
        literal(0.0).label("agreed"),
    )
    cells = union_all(demand, _agreed_rows(plans, start, end)).subquery("cell")
    columns = {
        GroupBy.DISTRICT: cells.c.district,
        GroupBy.SERVICE: cells.c.service,
        GroupBy.TIME_BAND: cells.c.band,
    }
    chosen = [columns[d].label(d.value.lower()) for d in dims]
    per_plan = (
        select(
            cells.c.plan_id,
            cells.c.holder_id,
            *chosen,
            func.sum(cells.c.demand).label("demand"),
            func.sum(cells.c.agreed).label("agreed"),
        )
        .group_by(cells.c.plan_id, cells.c.holder_id, *[columns[d] for d in dims])
        .subquery("per_plan")
    )
    short = per_plan.c.demand - per_plan.c.agreed
    unmet = case((short > NEEDED, short), else_=literal(0.0))
    outer_dims = [per_plan.c[d.value.lower()] for d in dims]
    rows = await session.execute(
        select(
            *outer_dims,
            func.count(distinct(case((per_plan.c.demand > 0, per_plan.c.holder_id), else_=null()))),
            func.count(distinct(case((short > NEEDED, per_plan.c.holder_id), else_=null()))),
            func.sum(per_plan.c.demand),
            func.sum(per_plan.c.agreed),
            func.sum(unmet),
        )
        .group_by(*outer_dims)
        .order_by(*outer_dims)
    )
    waiting_plans: dict[tuple, list[int]] = defaultdict(list)
    waiting_query = select(*outer_dims, per_plan.c.plan_id).where(short > NEEDED).order_by(per_plan.c.plan_id)
    for row in await session.execute(waiting_query) if drill_down else ():
        waiting_plans[tuple(row[: len(dims)])].append(row[len(dims)])
    return rows.all(), waiting_plans


async def set_against_agreements(
    session: AsyncSession,
    dims: list[GroupBy],
    council_id: int,
    start: date,
    end: date,
    *,
    drill_down: bool,
) -> tuple[Sequence[Any], dict[tuple, list[int]]]:
    """What `per_plan` gives for the full grouping, without grouping every plan: each prepared cell
    holds its figures with every started agreement counted (`DemandCell`), and the agreements the
    period does not count are taken out of the plan-cells they touch (`DemandPlanCell`): their
    hours come off what is agreed there, and what that leaves short becomes unmet; a holder who
    was not waiting in a cell is waiting once one of their plan-cells there falls short."""
    cell = DemandAgreementCell.__table__  # type: ignore[attr-defined]
    counted = and_(cell.c.start_date <= end, or_(cell.c.end_date.is_(None), cell.c.end_date >= start))
    plan_cell = [
        cell.c.plan_id,
        cell.c.holder_id,
        cell.c.postcode_district,
        cell.c.service_code,
        cell.c.band_key,
    ]
    left_out = (
        select(
            *plan_cell,
            func.sum(cell.c.hours).label("hours"),
            func.count().label("rows"),
            func.max(cell.c.plan_demand_hours).label("demand"),
            func.max(cell.c.plan_agreed_hours).label("agreed"),
            func.max(case((cell.c.holder_waiting, 1), else_=0)).label("holder_waiting"),
        )
        .where(cell.c.council_id == council_id, not_(counted))
        .group_by(*plan_cell)
        .subquery("left_out")
    )
    short_before = left_out.c.demand - left_out.c.agreed
    short_after = short_before + left_out.c.hours
    unmet_before = case((short_before > NEEDED, short_before), else_=literal(0.0))
    unmet_after = case((short_after > NEEDED, short_after), else_=literal(0.0))
    cell_of = (left_out.c.postcode_district, left_out.c.service_code, left_out.c.band_key)
    per_holder = (
        select(
            *cell_of,
            func.sum(left_out.c.hours).label("hours"),
            func.sum(unmet_after - unmet_before).label("more_unmet"),
            func.sum(left_out.c.rows).label("rows"),
            case(
                (
                    and_(
                        func.max(left_out.c.holder_waiting) == 0,
                        func.max(case((short_after > NEEDED, 1), else_=0)) == 1,
                    ),
                    1,
                ),
                else_=0,
            ).label("starts_waiting"),
        )
        .group_by(left_out.c.holder_id, *cell_of)
        .subquery("per_holder")
    )
    started: Any = select(
        col(DemandCell.postcode_district).label("district"),
        col(DemandCell.service_code).label("service"),
        col(DemandCell.band).label("band"),
        col(DemandCell.people).label("people"),
        col(DemandCell.people_waiting).label("waiting"),
        col(DemandCell.demand_hours).label("demand"),
        col(DemandCell.agreed_hours).label("agreed"),
        col(DemandCell.unmet_hours).label("unmet"),
        col(DemandCell.sources).label("sources"),
    ).where(col(DemandCell.council_id) == council_id)
    per_cell = (per_holder.c.postcode_district, per_holder.c.service_code, per_holder.c.band_key)
    taken_out = select(  # summed per cell first: fewer rows to sort with the cells'
        *per_cell[:2],
        func.nullif(per_holder.c.band_key, literal("")),
        literal(0),
        func.sum(per_holder.c.starts_waiting),
        literal(0.0),
        -func.sum(per_holder.c.hours),
        func.sum(per_holder.c.more_unmet),
        -func.sum(per_holder.c.rows),
    ).group_by(*per_cell)
    figures = union_all(started, taken_out).subquery("figure")
    by_dim = {
        GroupBy.DISTRICT: figures.c.district,
        GroupBy.SERVICE: figures.c.service,
        GroupBy.TIME_BAND: figures.c.band,
    }
    keys = [by_dim[d] for d in dims]
    rows = await session.execute(
        select(
            *keys,
            func.sum(figures.c.people),
            func.sum(figures.c.waiting),
            func.sum(figures.c.demand),
            func.sum(figures.c.agreed),
            func.sum(figures.c.unmet),
        )
        .group_by(*keys)
        .having(func.sum(figures.c.sources) > 0)
        .order_by(*keys)
    )
    waiting_plans: dict[tuple, list[int]] = defaultdict(list)
    if drill_down:
        plans_cell = DemandPlanCell.__table__  # type: ignore[attr-defined]
        same_cell = and_(
            plans_cell.c.plan_id == left_out.c.plan_id,
            plans_cell.c.postcode_district == left_out.c.postcode_district,
            plans_cell.c.service_code == left_out.c.service_code,
            plans_cell.c.band_key == left_out.c.band_key,
        )
        short = plans_cell.c.demand_hours - plans_cell.c.agreed_hours + func.coalesce(left_out.c.hours, 0.0)
        waiting_query = (
            select(
                plans_cell.c.postcode_district,
                plans_cell.c.service_code,
                plans_cell.c.band_key,
                plans_cell.c.plan_id,
            )
            .select_from(plans_cell.outerjoin(left_out, same_cell))
            .where(plans_cell.c.council_id == council_id, short > NEEDED)
            .order_by(plans_cell.c.plan_id)
        )
        for district, service, band_key, plan_id in await session.execute(waiting_query):
            cell = {GroupBy.DISTRICT: district, GroupBy.SERVICE: service, GroupBy.TIME_BAND: band_key or None}
            waiting_plans[tuple(cell[d] for d in dims)].append(plan_id)
    return rows.all(), waiting_plans
