"""Submitting a week's timesheet: the provider's account of the shifts worked under an agreement.

The week's shifts are checked all at once (`shifts`), then against the provider's other timesheets:
a PA is one person and cannot work two places at once, so a shift overlapping one on any of their
timesheets is refused. An agency sends different workers, so its shifts are not compared. The
provider's row is locked while this is checked and written, so two submissions of one PA are
checked one after the other (on SQLite the write transaction already holds the database's lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import events
from broker.accounts.actor import Actor
from broker.agreements import service as agreements
from broker.agreements.models import AgreementSlot
from broker.api.clock import london_date
from broker.errors import Conflict, ErrorCode, NotFound, PermissionDenied, Problems
from broker.providers.models import Provider, ProviderKind
from broker.timesheets.access import may_submit_for
from broker.timesheets.models import Timesheet, TimesheetShift, TimesheetStatus
from broker.timesheets.shifts import Shift, ShiftFields, check_shifts, check_total, check_week, said


@dataclass(frozen=True)
class TimesheetSubmission:
    """The command to submit (or, for a week not yet approved, submit again) one agreement's week."""

    agreement_id: int
    week_start: date
    shifts: list[ShiftFields]


async def submit_timesheet(
    session: AsyncSession, *, actor: Actor, command: TimesheetSubmission, now: datetime
) -> Timesheet:
    """Records the provider's shifts for one week of an agreement that has started.

    Shifts outside the agreement's weekly slots are accepted and flagged (the employer sees them
    before approving); shifts outside the week or the agreement's dates, in the future, overlapping,
    or adding up to more than the agreement's weekly hours (plus 10%) are refused with the shift named.
    """
    agreement = await agreements.get_agreement(session, actor=actor, agreement_id=command.agreement_id)
    if agreement is None or agreement.id is None:
        raise NotFound("No agreement with this ID.", field="agreement_id")
    provider = await _lock_provider(session, agreement.provider_id)
    if not may_submit_for(actor, provider):
        raise PermissionDenied(
            "Only the provider who worked the shifts submits their timesheet.", field="agreement_id"
        )
    if not agreement.is_started:
        raise Conflict(
            f"This agreement is {agreement.status.value}; timesheets are for agreements that have started.",
            field="agreement_id",
        )
    problems = Problems()
    if not check_week(agreement, command.week_start, london_date(now), problems):
        problems.raise_if_any()
    slots = await _slots(session, agreement.id)
    shifts = check_shifts(
        command.shifts,
        agreement=agreement,
        week_start=command.week_start,
        slots=slots,
        now=now,
        problems=problems,
    )
    problems.raise_if_any()
    minutes = check_total(shifts, agreement, problems)
    problems.raise_if_any()
    existing = await _existing(session, agreement.id, command.week_start)
    if existing is not None and existing.status is TimesheetStatus.APPROVED:
        raise Conflict(
            "This week's timesheet is already approved; a correction is paid as a supplementary payment.",
            field="week_start",
        )
    if provider.kind is ProviderKind.PA:
        await _refuse_overlaps(session, provider, shifts, existing.id if existing else None)
    timesheet = existing or Timesheet(
        agreement_id=agreement.id,
        council_id=agreement.council_id,
        holder_id=agreement.holder_id,
        provider_id=agreement.provider_id,
        week_start=command.week_start,
        minutes=0,
        hourly_rate_pence=agreement.hourly_rate_pence,
        submitted_by_id=actor.user_id,
        submitted_at=now,
        revision=0,
    )
    timesheet.status = TimesheetStatus.SUBMITTED
    timesheet.minutes = minutes
    timesheet.hourly_rate_pence = agreement.hourly_rate_pence
    timesheet.flagged_shifts = sum(1 for s in shifts if s.minutes_outside_slots)
    timesheet.revision += 1
    timesheet.submitted_by_id, timesheet.submitted_at = actor.user_id, now
    timesheet.decided_by_id, timesheet.decided_at = None, None
    timesheet.query_reason = ""
    session.add(timesheet)
    await session.flush()
    assert timesheet.id is not None
    if existing is not None:
        await session.execute(delete(TimesheetShift).where(col(TimesheetShift.timesheet_id) == timesheet.id))
    session.add_all(
        TimesheetShift(
            timesheet_id=timesheet.id,
            provider_id=agreement.provider_id,
            position=s.position,
            worked_on=s.worked_on,
            start_minute=s.start_minute,
            end_minute=s.end_minute,
            note=s.note,
            minutes_outside_slots=s.minutes_outside_slots,
        )
        for s in shifts
    )
    await session.flush()
    await events.publish(events.Event.TIMESHEET_SUBMITTED, session, timesheet, now)
    return timesheet


async def _lock_provider(session: AsyncSession, provider_id: int) -> Provider:
    query = (
        select(Provider)
        .where(col(Provider.id) == provider_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one()


async def _slots(session: AsyncSession, agreement_id: int) -> list[tuple[int, int, int]]:
    rows = await session.execute(
        select(col(AgreementSlot.day), col(AgreementSlot.start_minute), col(AgreementSlot.end_minute)).where(
            col(AgreementSlot.agreement_id) == agreement_id
        )
    )
    return [(d, s, e) for d, s, e in rows]


async def _existing(session: AsyncSession, agreement_id: int, week_start: date) -> Timesheet | None:
    query = (
        select(Timesheet)
        .where(col(Timesheet.agreement_id) == agreement_id, col(Timesheet.week_start) == week_start)
        .with_for_update()
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _refuse_overlaps(
    session: AsyncSession, provider: Provider, shifts: list[Shift], replacing: int | None
) -> None:
    """Refuses any shift that overlaps one on another of this PA's timesheets (any agreement, any
    status: a queried week still says the PA was there). Another holder is never named."""
    days = {s.worked_on for s in shifts}
    query = select(
        col(TimesheetShift.worked_on), col(TimesheetShift.start_minute), col(TimesheetShift.end_minute)
    ).where(col(TimesheetShift.provider_id) == provider.id, col(TimesheetShift.worked_on).in_(days))
    if replacing is not None:
        query = query.where(col(TimesheetShift.timesheet_id) != replacing)
    taken = list(await session.execute(query))
    problems = Problems()
    for shift in shifts:
        for day, start, end in taken:
            if day == shift.worked_on and start < shift.end_minute and shift.start_minute < end:
                problems.add(
                    f"shifts.{shift.position}",
                    "This shift overlaps one already on another of your timesheets "
                    f"({said(day, start, end)}).",
                    ErrorCode.OVERLAPPING,
                )
                break
    problems.raise_if_any()
