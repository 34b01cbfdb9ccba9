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
_PLAN_CELL_COLUMNS = (
    "plan_id",
    "council_id",
    "holder_id",
    "postcode_district",
    "service_code",
    "band_key",
    "demand_hours",
    "agreed_hours",
    "sources",
    "holder_waiting",
)


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
    """The `DemandPlanCell` rows of these districts of this council (None: all), in column order."""
    demand_where: list[ColumnElement[bool]] = []
    plan_where: list[ColumnElement[bool]] = []
    if council_id is not None:
        demand_where.append(col(DemandRow.council_id) == council_id)
        plan_where.append(col(SupportPlan.council_id) == council_id)
    if districts is not None:
        demand_where.append(col(DemandRow.postcode_district).in_(districts))
        plan_where.append(col(SupportPlan.postcode_district).in_(districts))
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
        *[
            agreed.c[name]
            for name in ("plan_id", "council_id", "holder_id", "postcode_district", "service_code")
        ],
        agreed.c.band,
        literal(0.0).label("demand"),
        agreed.c.hours.label("agreed"),
    )
    rows = union_all(demand, started).subquery("row")
    band_key = func.coalesce(rows.c.band, literal(""))
    place = [
        rows.c.plan_id,
        rows.c.council_id,
        rows.c.holder_id,
        rows.c.postcode_district,
        rows.c.service_code,
    ]
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
    session: AsyncSession,
    council_id: int | None,
    districts: list[str] | None,
    plan_cell_where: list[ColumnElement[bool]],
) -> None:
    """Inserts the agreement-cells of these districts, with the copies of their plan-cells just
    written."""
    plan_where: list[ColumnElement[bool]] = []
    if council_id is not None:
        plan_where.append(col(SupportPlan.council_id) == council_id)
    if districts is not None:
        plan_where.append(col(SupportPlan.postcode_district).in_(districts))
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
        .where(*plan_cell_where)
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
    table = DemandAgreementCell.__table__  # type: ignore[attr-defined]
    names = [c.name for c in copied.selected_columns]
    await session.execute(insert(DemandAgreementCell).from_select([table.c[n] for n in names], copied))


async def write(
    session: AsyncSession, council_id: int | None, districts: list[str] | None
) -> dict[tuple, dict]:
    """Inserts the plan-cells of these districts of this council (None: all; their old ones already
    deleted) and returns each cell's figures, by (council, district, service, band)."""
    table = DemandPlanCell.__table__  # type: ignore[attr-defined]
    await session.execute(
        insert(DemandPlanCell).from_select(
            [table.c[name] for name in _PLAN_CELL_COLUMNS], _plan_cells(council_id, districts)
        )
    )
    where: list[ColumnElement[bool]] = []
    if council_id is not None:
        where.append(col(DemandPlanCell.council_id) == council_id)
    if districts is not None:
        where.append(col(DemandPlanCell.postcode_district).in_(districts))
    await _write_agreement_cells(session, council_id, districts, where)
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
