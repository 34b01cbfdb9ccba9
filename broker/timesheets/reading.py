"""Reading timesheets: a page, several by ID, and their shifts; only those the actor may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts.actor import Actor
from broker.timesheets.access import visible_clause
from broker.timesheets.models import Timesheet, TimesheetShift, TimesheetStatus


@dataclass
class TimesheetFilter:
    agreement_id: int | None = None
    holder_id: int | None = None
    provider_id: int | None = None
    status: TimesheetStatus | None = None
    week_from: date | None = None
    week_to: date | None = None


async def list_timesheets(
    session: AsyncSession, *, actor: Actor | None, filters: TimesheetFilter, limit: int, offset: int
) -> tuple[list[Timesheet], int]:
    """One page of the timesheets the actor may see, latest week first, and how many there are."""
    query = queries.where_given(
        select(Timesheet).where(visible_clause(actor)),
        (Timesheet.agreement_id, filters.agreement_id),
        (Timesheet.holder_id, filters.holder_id),
        (Timesheet.provider_id, filters.provider_id),
        (Timesheet.status, filters.status),
    )
    if filters.week_from is not None:
        query = query.where(col(Timesheet.week_start) >= filters.week_from)
    if filters.week_to is not None:
        query = query.where(col(Timesheet.week_start) <= filters.week_to)
    order = [col(Timesheet.week_start).desc(), col(Timesheet.id).desc()]
    return await queries.page(session, query, order, limit, offset)


async def visible_timesheets(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, Timesheet]:
    return await queries.by_id(session, Timesheet, visible_clause(actor), ids)


async def shifts_by_timesheet(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[TimesheetShift]]:
    """The shifts of these timesheets, in the order the provider gave them."""
    rows = await session.execute(
        select(TimesheetShift)
        .where(col(TimesheetShift.timesheet_id).in_(ids))
        .order_by(col(TimesheetShift.timesheet_id), col(TimesheetShift.position))
    )
    grouped: dict[int, list[TimesheetShift]] = defaultdict(list)
    for shift in rows.scalars():
        grouped[shift.timesheet_id].append(shift)
    return grouped
