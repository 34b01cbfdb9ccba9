"""The employer's decision on a submitted week: approve it (it becomes payable) or query it with a
reason (it goes back to the provider to correct and submit again).

The holder employs the PA, so the holder or a representative decides; council staff decide only for a
holder who has asked the council to manage their timesheets (`access.may_decide`), and such an
approval says so (`Timesheet.approved_by_council`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied
from broker.holders.models import DPHolder
from broker.hygiene import text_problem
from broker.timesheets import access, rules
from broker.timesheets.models import Timesheet, TimesheetStatus


async def approve_timesheet(
    session: AsyncSession, *, actor: Actor, timesheet_id: int, now: datetime
) -> Timesheet:
    """Approves a submitted week: its amount due is fixed (`rules.amount_due_pence`) and payments
    may now be recorded against it."""
    timesheet, by_holder_side = await _decidable(session, actor, timesheet_id)
    timesheet.status = TimesheetStatus.APPROVED
    timesheet.amount_due_pence = rules.amount_due_pence(timesheet.minutes, timesheet.hourly_rate_pence)
    timesheet.query_reason = ""
    timesheet.approved_by_council = not by_holder_side
    timesheet.decided_by_id, timesheet.decided_at = actor.user_id, now
    await session.flush()
    return timesheet


async def query_timesheet(
    session: AsyncSession, *, actor: Actor, timesheet_id: int, reason: str, now: datetime
) -> Timesheet:
    """Sends a submitted week back to the provider, saying why (they see the reason and submit again)."""
    text = reason.strip()
    if not text:
        raise InvalidInput("Say what is wrong with the timesheet.", field="reason", code=ErrorCode.REQUIRED)
    if (problem := text_problem(text)) is not None:
        raise InvalidInput(problem, field="reason")
    if len(text) > rules.REASON_MAX:
        raise InvalidInput(f"At most {rules.REASON_MAX} characters.", field="reason", code=ErrorCode.TOO_LONG)
    timesheet, _ = await _decidable(session, actor, timesheet_id)
    timesheet.status = TimesheetStatus.QUERIED
    timesheet.query_reason = text
    timesheet.decided_by_id, timesheet.decided_at = actor.user_id, now
    await session.flush()
    return timesheet


async def _decidable(session: AsyncSession, actor: Actor, timesheet_id: int) -> tuple[Timesheet, bool]:
    """The timesheet under a row lock, if `actor` may decide it and it waits for a decision; and
    whether `actor` decides as the holder's side (rather than for the council)."""
    query = (
        select(Timesheet)
        .where(col(Timesheet.id) == timesheet_id, access.visible_clause(actor))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    timesheet = (await session.execute(query)).scalar_one_or_none()
    if timesheet is None:
        raise NotFound("No timesheet with this ID.", field="timesheet_id")
    holder = await session.get(DPHolder, timesheet.holder_id)
    assert holder is not None
    representatives = await access.representatives_of(session, timesheet.holder_id)
    if not access.may_decide(actor, holder, representatives):
        raise PermissionDenied(_who_decides(actor), field="timesheet_id")
    if timesheet.status is not TimesheetStatus.SUBMITTED:
        raise Conflict(
            f"This timesheet is {timesheet.status.value}; only a submitted timesheet is approved or queried.",
            field="timesheet_id",
        )
    return timesheet, access.is_holder_side(actor, holder, representatives)


def _who_decides(actor: Actor) -> str:
    if actor.role is Role.PROVIDER:
        return "The person who employs you (or their representative) approves your timesheet."
    return (
        "This person approves their own timesheets; the council approves them only for people who "
        "have asked it to."
    )
