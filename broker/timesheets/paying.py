"""What a payment recorded against a timesheet must agree with: the timesheet's own rules, asked by
`broker.payments` (which owns payments and what has been paid) when `recordPayment` names one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound
from broker.timesheets.models import Timesheet, TimesheetShift, TimesheetStatus


async def timesheet_to_pay(
    session: AsyncSession, *, timesheet_id: int, agreement_id: int, period_start: date, period_end: date
) -> Timesheet:
    """The approved timesheet of `agreement_id` a payment for this period pays.

    The payment's period lies within the timesheet's week and covers every day worked on it, so the
    ledger's periods still say which days were paid. A timesheet not yet approved is not payable.
    """
    timesheet = (
        await session.execute(select(Timesheet).where(col(Timesheet.id) == timesheet_id))
    ).scalar_one_or_none()
    if timesheet is None or timesheet.agreement_id != agreement_id:
        raise NotFound("No timesheet with this ID under this agreement.", field="timesheet_id")
    if timesheet.status is not TimesheetStatus.APPROVED or timesheet.amount_due_pence is None:
        raise Conflict(
            f"This timesheet is {timesheet.status.value}; payments are for approved timesheets.",
            field="timesheet_id",
        )
    days = await session.execute(
        select(col(TimesheetShift.worked_on)).where(col(TimesheetShift.timesheet_id) == timesheet_id)
    )
    worked = sorted(set(days.scalars()))
    first, last = (worked[0], worked[-1]) if worked else (timesheet.week_start, timesheet.week_start)
    if not (timesheet.week_start <= period_start <= first and last <= period_end <= timesheet.week_end):
        raise InvalidInput(
            f"A payment for this timesheet covers the days worked ({first:%-d %B} to {last:%-d %B %Y}) "
            f"within its week ({timesheet.week_start:%-d %B} to {timesheet.week_end:%-d %B %Y}).",
            field="period_start",
            code=ErrorCode.OUT_OF_RANGE,
        )
    return timesheet
