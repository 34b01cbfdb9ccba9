"""Each council's deadlines for timesheets (days to submit after a week ends, days to approve after
submission), kept as the market settings are: one row per council, defaults until it sets its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.actor import Actor
from broker.accounts.models import Council
from broker.errors import ErrorCode, NotFound, PermissionDenied, Problems
from broker.timesheets import access, rules
from broker.timesheets.models import CouncilTimesheetSettings


@dataclass(frozen=True)
class Deadlines:
    council_id: int
    submit_within_days: int
    approve_within_days: int


@dataclass(frozen=True)
class DeadlinesCommand:
    council_id: int
    submit_within_days: int | None = None
    approve_within_days: int | None = None


async def deadlines(session: AsyncSession, council_id: int) -> Deadlines:
    """The council's deadlines, or the defaults (`rules.DEFAULT_*_WITHIN_DAYS`) it has not changed."""
    row = await session.get(CouncilTimesheetSettings, council_id)
    if row is None:
        return Deadlines(council_id, rules.DEFAULT_SUBMIT_WITHIN_DAYS, rules.DEFAULT_APPROVE_WITHIN_DAYS)
    return Deadlines(council_id, row.submit_within_days, row.approve_within_days)


async def council_deadlines(session: AsyncSession, *, actor: Actor, council_id: int) -> Deadlines:
    """The council's deadlines, for the staff who chase late weeks (`access.may_list_late`)."""
    if not access.may_list_late(actor, council_id):
        raise PermissionDenied("A council's timesheet deadlines are for its staff.", field="council_id")
    return await deadlines(session, council_id)


async def set_timesheet_deadlines(
    session: AsyncSession, *, actor: Actor, command: DeadlinesCommand, now: datetime
) -> Deadlines:
    """Sets how long the council's providers have to submit a week and its holders to approve one;
    a deadline not given is kept."""
    if not 0 < command.council_id < 2**31 or await session.get(Council, command.council_id) is None:
        raise NotFound("No council with this ID.", field="council_id")
    if not access.may_set_deadlines(actor, command.council_id):
        raise PermissionDenied(
            "Only the council's brokers and admins set its timesheet deadlines.", field="council_id"
        )
    problems = Problems()
    for name in ("submit_within_days", "approve_within_days"):
        days = getattr(command, name)
        if days is not None and not 1 <= days <= rules.MAX_WITHIN_DAYS:
            problems.add(name, f"From 1 to {rules.MAX_WITHIN_DAYS} days.", ErrorCode.OUT_OF_RANGE)
    problems.raise_if_any()
    current = await deadlines(session, command.council_id)
    row = await session.get(CouncilTimesheetSettings, command.council_id) or CouncilTimesheetSettings(
        council_id=command.council_id,
        submit_within_days=current.submit_within_days,
        approve_within_days=current.approve_within_days,
    )
    if command.submit_within_days is not None:
        row.submit_within_days = command.submit_within_days
    if command.approve_within_days is not None:
        row.approve_within_days = command.approve_within_days
    row.set_by_id, row.set_at = actor.user_id or None, now
    session.add(row)
    await session.flush()
    return await deadlines(session, command.council_id)
