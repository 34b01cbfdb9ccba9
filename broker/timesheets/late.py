"""The council's chasing list: weeks whose timesheet was not submitted, or not approved, in time.

A week is due from the provider `submit_within_days` after it ends, and due from the holder's side
`approve_within_days` after it was submitted (London day; the council's deadlines, `deadlines`). A
queried week is back with the provider, so it is late as not submitted. Weeks never submitted are
looked for over the whole life of each started care agreement, from its first week to its end or the
last week now overdue (DP support agreements such as payroll have no timesheets).

All of it is one SQL statement per page, its total included, whatever the agreements' ages: the
agreements' weeks are made by a recursive query in the database, joined to the timesheets on their
(agreement, week) key; nothing walks weeks in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import String, and_, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.agreements.models import STARTED, Agreement
from broker.errors import PermissionDenied
from broker.sql_dates import days_after, london_day
from broker.timesheets import access
from broker.timesheets.deadlines import Deadlines, deadlines
from broker.timesheets.models import Timesheet, TimesheetStatus


class Lateness(StrEnum):
    NOT_SUBMITTED = "NOT_SUBMITTED"
    NOT_APPROVED = "NOT_APPROVED"


@dataclass(frozen=True)
class LateTimesheet:
    lateness: Lateness
    agreement_id: int
    week_start: date
    due_on: date
    days_late: int
    timesheet_id: int | None

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


@dataclass(frozen=True)
class LateList:
    deadlines: Deadlines
    late: list[LateTimesheet]
    total: int


def _late_query(council_id: int, limits: Deadlines, today: date) -> Any:
    """SQL: every late week of the council's started care agreements (lateness, agreement_id,
    week_start, due_on, timesheet_id)."""
    care = and_(
        col(Agreement.council_id) == council_id,
        col(Agreement.status).in_(STARTED),
        col(Agreement.lead_contract_id).is_(None),
    )
    overdue_after = 6 + limits.submit_within_days  # days from a week's first day to its last due day
    first_weeks: Any = select(
        col(Agreement.id).label("agreement_id"),
        col(Agreement.start_date).label("week_start"),
        col(Agreement.end_date).label("end_date"),
    ).where(
        care,
        days_after(col(Agreement.start_date), overdue_after) < today,
        or_(col(Agreement.end_date).is_(None), col(Agreement.start_date) <= col(Agreement.end_date)),
    )
    weeks = first_weeks.cte("agreement_week", recursive=True)
    following = days_after(weeks.c.week_start, 7)
    weeks = weeks.union_all(
        select(weeks.c.agreement_id, following, weeks.c.end_date).where(
            days_after(weeks.c.week_start, 7 + overdue_after) < today,
            or_(weeks.c.end_date.is_(None), following <= weeks.c.end_date),
        )
    )
    not_submitted = (
        select(
            literal(Lateness.NOT_SUBMITTED.value, String).label("lateness"),
            weeks.c.agreement_id,
            weeks.c.week_start,
            days_after(weeks.c.week_start, overdue_after).label("due_on"),
            col(Timesheet.id).label("timesheet_id"),
        )
        .select_from(weeks)
        .outerjoin(
            Timesheet,
            and_(
                col(Timesheet.agreement_id) == weeks.c.agreement_id,
                col(Timesheet.week_start) == weeks.c.week_start,
            ),
        )
        .where(or_(col(Timesheet.id).is_(None), col(Timesheet.status) == TimesheetStatus.QUERIED))
    )
    decision_due = days_after(london_day(col(Timesheet.submitted_at)), limits.approve_within_days)
    not_approved = (
        select(
            literal(Lateness.NOT_APPROVED.value, String).label("lateness"),
            col(Timesheet.agreement_id),
            col(Timesheet.week_start),
            decision_due.label("due_on"),
            col(Timesheet.id).label("timesheet_id"),
        )
        .join(Agreement, col(Agreement.id) == col(Timesheet.agreement_id))
        .where(
            col(Timesheet.council_id) == council_id,
            col(Timesheet.status) == TimesheetStatus.SUBMITTED,
            care,
            decision_due < today,
        )
    )
    return union_all(not_submitted, not_approved).subquery("late_week")


async def late_weeks(
    session: AsyncSession, *, actor: Actor, council_id: int, today: date, limit: int, offset: int
) -> tuple[list[LateTimesheet], int]:
    """One page of the council's late weeks, the longest overdue first (then by agreement and week),
    and how many there are."""
    if not access.may_list_late(actor, council_id):
        raise PermissionDenied("Late timesheets are listed for the council's brokers.", field="council_id")
    limits = await deadlines(session, council_id)
    late = _late_query(council_id, limits, today)
    # The weeks are made once for the page and its total (a window count), not once for each.
    rows = (
        await session.execute(
            select(late, func.count().over().label("total"))
            .order_by(late.c.due_on, late.c.agreement_id, late.c.week_start)
            .limit(max(limit, 1))
            .offset(offset)
        )
    ).all()
    if rows:
        total = rows[0].total
    else:  # a page past the end: only the count
        total = (await session.execute(select(func.count()).select_from(late))).scalar_one()
    return [
        LateTimesheet(Lateness(lateness), agreement_id, week, due, (today - due).days, timesheet_id)
        for lateness, agreement_id, week, due, timesheet_id, _ in rows[:limit]
    ], total


async def late_timesheets(
    session: AsyncSession, *, actor: Actor, council_id: int, today: date, first: int
) -> LateList:
    """The council's deadlines, its first `first` late weeks and how many there are in all."""
    found, total = await late_weeks(
        session, actor=actor, council_id=council_id, today=today, limit=first, offset=0
    )
    return LateList(await deadlines(session, council_id), found, total)
