"""The council's chasing list: weeks whose timesheet was not submitted, or not approved, in time.

A week is due from the provider `submit_within_days` after it ends, and due from the holder's side
`approve_within_days` after it was submitted (the council's deadlines, `deadlines`). A queried week
is back with the provider, so it is late as not submitted. Weeks never submitted are looked for in
the last `rules.LATE_LOOKBACK_WEEKS` weeks of started care agreements (DP support agreements such as
payroll have no timesheets).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.agreements.models import STARTED, Agreement
from broker.api.clock import london_date
from broker.errors import PermissionDenied
from broker.timesheets import access, rules
from broker.timesheets.deadlines import Deadlines, deadlines
from broker.timesheets.models import Timesheet, TimesheetStatus


class Lateness(StrEnum):
    NOT_SUBMITTED = "NOT_SUBMITTED"
    NOT_APPROVED = "NOT_APPROVED"


@dataclass(frozen=True)
class LateTimesheet:
    lateness: Lateness
    agreement: Agreement
    week_start: date
    due_on: date
    days_late: int
    timesheet: Timesheet | None

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


@dataclass(frozen=True)
class LateList:
    deadlines: Deadlines
    late: list[LateTimesheet]


async def late_timesheets(session: AsyncSession, *, actor: Actor, council_id: int, today: date) -> LateList:
    """Every late week of the council's care agreements, the longest overdue first."""
    if not access.may_list_late(actor, council_id):
        raise PermissionDenied("Late timesheets are listed for the council's brokers.", field="council_id")
    limits = await deadlines(session, council_id)
    earliest = today - timedelta(weeks=rules.LATE_LOOKBACK_WEEKS)
    care = (
        (
            await session.execute(
                select(Agreement).where(
                    col(Agreement.council_id) == council_id,
                    col(Agreement.status).in_(STARTED),
                    col(Agreement.lead_contract_id).is_(None),
                )
            )
        )
        .scalars()
        .all()
    )
    sheets = (
        (
            await session.execute(
                select(Timesheet).where(
                    col(Timesheet.council_id) == council_id,
                    (col(Timesheet.week_start) >= earliest - timedelta(days=6))
                    | (col(Timesheet.status) == TimesheetStatus.SUBMITTED),
                )
            )
        )
        .scalars()
        .all()
    )
    by_week = {(t.agreement_id, t.week_start): t for t in sheets}
    care_by_id = {a.id: a for a in care}
    late: list[LateTimesheet] = []
    for sheet in sheets:
        if sheet.status is TimesheetStatus.SUBMITTED:
            due = london_date(sheet.submitted_at) + timedelta(days=limits.approve_within_days)
            if due < today:
                agreement = care_by_id.get(sheet.agreement_id)
                if agreement is not None:
                    late.append(
                        LateTimesheet(
                            Lateness.NOT_APPROVED, agreement, sheet.week_start, due, (today - due).days, sheet
                        )
                    )
    for agreement in care:
        week = rules.week_starting_on_or_before(agreement.start_date, max(agreement.start_date, earliest))
        if week < earliest:
            week += timedelta(days=7)
        while True:
            due = week + timedelta(days=6 + limits.submit_within_days)
            if due >= today or (agreement.end_date is not None and week > agreement.end_date):
                break
            waiting = by_week.get((agreement.id, week))  # type: ignore[arg-type]
            if waiting is None or waiting.status is TimesheetStatus.QUERIED:
                late.append(
                    LateTimesheet(Lateness.NOT_SUBMITTED, agreement, week, due, (today - due).days, waiting)
                )
            week += timedelta(days=7)
    late.sort(key=lambda t: (t.due_on, t.agreement.id or 0, t.week_start))
    return LateList(limits, late)
