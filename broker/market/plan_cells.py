"""Each plan's demand and started agreements per `marketGaps` cell (`DemandPlanCell`), and each
cell's figures with every started agreement counted (columns of `DemandCell`).

A period's figures differ from these only through the agreements it does not count (started after
it or ended before it): usually a few percent of them, so `gaps.py` takes those out of the
plan-cells they touch instead of grouping every plan of the council on each request. Written with
their district's cells (`demand.refresh_cells`), from the prepared demand rows and the agreements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.models import STARTED, Agreement, AgreementBand, AgreementNeed
from broker.market.models import DemandAgreementCell, DemandPlanCell, DemandRow
from broker.market.sql import band_share
from broker.plans.models import PlanStatus, SupportPlan

DEMAND_STATUSES = (PlanStatus.ACTIVE, PlanStatus.MATCHED)
NEEDED = 0.0001
"""Hours above this count as needed (and, short of what is agreed, as unmet): less is a rounding
error of the band shares."""
_PLACE = ("plan_id", "council_id", "holder_id", "postcode_district", "service_code")


def in_places(model: Any, council_id: int | None, districts: list[str] | None) -> list[ColumnElement[bool]]:
    """The rows of `model` (any table with `council_id` and `postcode_district`) in these districts
    of this council (None: every council, every district): what a refresh of a district's cells
    rewrites."""
    where: list[ColumnElement[bool]] = []
    if council_id is not None:
        where.append(col(model.council_id) == council_id)
    if districts is not None:
        where.append(col(model.postcode_district).in_(districts))
    return where


def plan_place() -> list[Any]:
    """The plan's columns every demand and agreement row carries, labelled as the rows name them."""
    return [
        col(SupportPlan.id).label("plan_id"),
        col(SupportPlan.council_id).label("council_id"),
        col(SupportPlan.holder_id).label("holder_id"),
        col(SupportPlan.postcode_district).label("postcode_district"),
    ]


def agreement_rows(*where: ColumnElement[bool]) -> Select[Any]:
    """The weekly hours of the started (ACTIVE or ENDED) agreements of ACTIVE and MATCHED plans, per
    agreement need and time band (shared by the band's minutes), that `where` picks; columns
    plan_id, council_id, holder_id, postcode_district, service_code, band, hours, agreement_id,
    start_date, end_date."""
    agreement_band = select(
        col(AgreementBand.agreement_id).label("owner"),
        col(AgreementBand.band),
        col(AgreementBand.minutes),
        col(AgreementBand.total_minutes),
    ).subquery("agreement_band")
    share = band_share(agreement_band.c.minutes, agreement_band.c.total_minutes)
    return (
        select(
            *plan_place(),
            col(AgreementNeed.service_code).label("service_code"),
            agreement_band.c.band.label("band"),
            (AgreementNeed.hours_per_week * share).label("hours"),
            col(Agreement.id).label("agreement_id"),
            col(Agreement.start_date).label("start_date"),
            col(Agreement.end_date).label("end_date"),
        )
        .select_from(Agreement)
        .join(SupportPlan, col(SupportPlan.id) == col(Agreement.plan_id))
        .join(AgreementNeed, col(AgreementNeed.agreement_id) == col(Agreement.id))
        .outerjoin(agreement_band, agreement_band.c.owner == Agreement.id)
        .where(col(SupportPlan.status).in_(DEMAND_STATUSES), col(Agreement.status).in_(STARTED), *where)
    )


def _plan_cells(council_id: int | None, districts: list[str] | None) -> Select[Any]:
    """The `DemandPlanCell` rows of these districts of this council (None: all), named as its columns."""
    demand_where = in_places(DemandRow, council_id, districts)
    plan_where = in_places(SupportPlan, council_id, districts)
    demand: Any = select(
        col(DemandRow.plan_id),
        col(DemandRow.council_id),
        col(DemandRow.holder_id),
        col(DemandRow.postcode_district),
        col(DemandRow.service_code),
        col(DemandRow.band),
        col(DemandRow.hours).label("demand"),
        literal(0.0).label("agreed"),
    ).where(*demand_where)
    agreed = agreement_rows(*plan_where).subquery("agreed")
    started = select(
        *[agreed.c[name] for name in _PLACE],
        agreed.c.band,
        literal(0.0).label("demand"),
        agreed.c.hours.label("agreed"),
    )
    rows = union_all(demand, started).subquery("row")
    band_key = func.coalesce(rows.c.band, literal(""))
    place = [rows.c[name] for name in _PLACE]
    per_plan = (
        select(
            *place,
            band_key.label("band_key"),
            func.sum(rows.c.demand).label("demand_hours"),
            func.sum(rows.c.agreed).label("agreed_hours"),
            func.count().label("sources"),
        )
        .group_by(*place, band_key)
        .subquery("per_plan")
    )
    short = case((per_plan.c.demand_hours - per_plan.c.agreed_hours > NEEDED, 1), else_=0)
    holder_cell = [
        per_plan.c.council_id,
        per_plan.c.holder_id,
        per_plan.c.postcode_district,
        per_plan.c.service_code,
        per_plan.c.band_key,
    ]
    return select(*per_plan.c, (func.max(short).over(partition_by=holder_cell) == 1).label("holder_waiting"))


async def _write_agreement_cells(
    session: AsyncSession, council_id: int | None, districts: list[str] | None
) -> None:
    """Inserts the agreement-cells of these districts, with the copies of their plan-cells just
    written."""
    plan_where = in_places(SupportPlan, council_id, districts)
    rows = agreement_rows(*plan_where).subquery("agreed")
    band_key = func.coalesce(rows.c.band, literal(""))
    keys = [
        rows.c.agreement_id,
        rows.c.start_date,
        rows.c.end_date,
        *[rows.c[name] for name in _PLACE],
        band_key,
    ]
    per_agreement = (
        select(*keys[:-1], band_key.label("band_key"), func.sum(rows.c.hours).label("hours"))
        .group_by(*keys)
        .subquery("per_agreement")
    )
    plan_cell = (
        select(
            col(DemandPlanCell.plan_id),
            col(DemandPlanCell.postcode_district),
            col(DemandPlanCell.service_code),
            col(DemandPlanCell.band_key),
            col(DemandPlanCell.demand_hours),
            col(DemandPlanCell.agreed_hours),
            col(DemandPlanCell.holder_waiting),
        )
        .where(*in_places(DemandPlanCell, council_id, districts))
        .subquery("plan_cell")
    )
    same_cell = and_(
        plan_cell.c.plan_id == per_agreement.c.plan_id,
        plan_cell.c.postcode_district == per_agreement.c.postcode_district,
        plan_cell.c.service_code == per_agreement.c.service_code,
        plan_cell.c.band_key == per_agreement.c.band_key,
    )
    copied = select(
        *per_agreement.c,
        plan_cell.c.demand_hours.label("plan_demand_hours"),
        plan_cell.c.agreed_hours.label("plan_agreed_hours"),
        plan_cell.c.holder_waiting,
    ).select_from(per_agreement.join(plan_cell, same_cell))
    await _insert_as_named(DemandAgreementCell, session, copied)


async def _insert_as_named(model: Any, session: AsyncSession, rows: Select[Any]) -> None:
    """Inserts `rows` into `model`'s table, each selected column into the column of its name."""
    table = model.__table__
    await session.execute(insert(model).from_select([table.c[c.name] for c in rows.selected_columns], rows))


async def write(
    session: AsyncSession, council_id: int | None, districts: list[str] | None
) -> dict[tuple, dict]:
    """Inserts the plan-cells of these districts of this council (None: all; their old ones already
    deleted) and returns each cell's figures, by (council, district, service, band)."""
    await _insert_as_named(DemandPlanCell, session, _plan_cells(council_id, districts))
    await _write_agreement_cells(session, council_id, districts)
    where = in_places(DemandPlanCell, council_id, districts)
    demand, agreed = col(DemandPlanCell.demand_hours), col(DemandPlanCell.agreed_hours)
    holder = col(DemandPlanCell.holder_id)
    short = demand - agreed
    keys = [
        col(DemandPlanCell.council_id),
        col(DemandPlanCell.postcode_district),
        col(DemandPlanCell.service_code),
        col(DemandPlanCell.band_key),
    ]
    query = (
        select(
            *keys,
            func.count(distinct(case((demand > 0, holder), else_=None))),
            func.count(distinct(case((short > NEEDED, holder), else_=None))),
            func.sum(demand),
            func.sum(agreed),
            func.sum(case((short > NEEDED, short), else_=0.0)),
            func.sum(col(DemandPlanCell.sources)),
        )
        .where(*where)
        .group_by(*keys)
    )
    rows: Any = await session.execute(query)
    return {
        (row[0], row[1], row[2], row[3] or None): {
            "people": row[4],
            "people_waiting": row[5],
            "demand_hours": float(row[6] or 0),
            "agreed_hours": float(row[7] or 0),
            "unmet_hours": float(row[8] or 0),
            "sources": int(row[9] or 0),
        }
        for row in rows
    }
