"""Recording the take-up inputs: each holder's direct payment, the council's monthly figures, the target.

The numerator of ASCOF 3D2a (people on a DP) is counted here from `DirectPayment`; the denominator
(people aged 18+ on long-term community support) comes from the council's case system, so its
commissioners and admins record it a month at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Council
from broker.api.clock import london_date
from broker.errors import ErrorCode, NotFound, PermissionDenied, Problems
from broker.holders.models import DPHolder
from broker.hygiene import date_problem, text_problem
from broker.market import access, rules
from broker.market.models import AgeBand, CouncilFigures, DirectPayment, TakeUpTarget


@dataclass(frozen=True)
class DirectPaymentCommand:
    holder_id: int
    start_date: date
    age_band: AgeBand
    end_date: date | None = None
    end_reason: str = ""


@dataclass(frozen=True)
class CouncilFiguresCommand:
    council_id: int
    month: date
    people_on_long_term_community_support: int
    people_on_long_term_community_support_18_to_64: int | None = None
    people_on_long_term_community_support_65_plus: int | None = None
    people_on_direct_payments: int | None = None


@dataclass(frozen=True)
class TakeUpTargetCommand:
    council_id: int
    target_rate_percent: float
    by_date: date
    planned_new_per_year: int


def _check_date(problems: Problems, field: str, value: date, today: date, *, future_years: int) -> None:
    problem = date_problem(value)
    if problem is None and not date(rules.EARLIEST_MONTH_YEAR, 1, 1) <= value:
        problem = f"Direct payments began in {rules.EARLIEST_MONTH_YEAR}; give a later date."
    if problem is None and value.year > today.year + future_years:
        problem = f"Give a date at most {future_years} years ahead."
    if problem:
        problems.add(field, problem, ErrorCode.OUT_OF_RANGE)


def _check_count(problems: Problems, field: str, value: int | None) -> None:
    if value is not None and not 0 <= value <= rules.MAX_PEOPLE:
        problems.add(field, f"A count of people from 0 to {rules.MAX_PEOPLE:,}.", ErrorCode.OUT_OF_RANGE)


async def _council(session: AsyncSession, council_id: int) -> Council:
    council = await session.get(Council, council_id)
    if council is None:
        raise NotFound("No council with this ID.", field="council_id")
    return council


async def record_direct_payment(
    session: AsyncSession, *, actor: Actor | None, command: DirectPaymentCommand, now: datetime
) -> DirectPayment:
    """Sets a holder's direct payment: from when, until when and why it ended, and their age band.
    Recording it again replaces it (one DP a holder; a restarted DP is a new start date)."""
    holder = await session.get(DPHolder, command.holder_id)
    if holder is None or not access.may_record_direct_payment(actor, holder.council_id):
        raise NotFound("No DP holder with this ID that you may change.", field="holder_id")
    today = london_date(now)
    problems = Problems()
    _check_date(problems, "start_date", command.start_date, today, future_years=1)
    reason = command.end_reason.strip()
    if command.end_date is not None:
        _check_date(problems, "end_date", command.end_date, today, future_years=1)
        if command.end_date < command.start_date:
            problems.add("end_date", "A DP cannot end before it starts.", ErrorCode.OUT_OF_RANGE)
        if not reason:
            problems.add("end_reason", "Say why the direct payment ended.", ErrorCode.REQUIRED)
    elif reason:
        problems.add("end_reason", "Give the end date with the reason.", ErrorCode.INVALID)
    if len(reason) > rules.END_REASON_MAX:
        problems.add("end_reason", f"At most {rules.END_REASON_MAX} characters.", ErrorCode.TOO_LONG)
    elif (problem := text_problem(reason)) is not None:
        problems.add("end_reason", problem)
    problems.raise_if_any()
    found = await session.execute(select(DirectPayment).where(col(DirectPayment.holder_id) == holder.id))
    assert holder.id is not None
    row = found.scalar_one_or_none() or DirectPayment(
        holder_id=holder.id,
        council_id=holder.council_id,
        start_date=command.start_date,
        age_band=command.age_band,
    )
    row.council_id = holder.council_id
    row.start_date = command.start_date
    row.end_date = command.end_date
    row.end_reason = reason
    row.age_band = command.age_band
    row.recorded_by_id = (actor.user_id or None) if actor else None
    row.recorded_at = now
    session.add(row)
    await session.flush()
    return row


async def record_council_figures(
    session: AsyncSession, *, actor: Actor | None, command: CouncilFiguresCommand, now: datetime
) -> CouncilFigures:
    """Records (or corrects) a council's figures for one month, `month` being its first day."""
    await _council(session, command.council_id)
    if not access.may_record_figures(actor, command.council_id):
        raise PermissionDenied(
            "Only the council's commissioners and admins record its figures.", field="council_id"
        )
    today = london_date(now)
    problems = Problems()
    if command.month.day != 1:
        problems.add("month", "Give the first day of the month, e.g. 2026-04-01.", ErrorCode.INVALID)
    else:
        _check_date(problems, "month", command.month, today, future_years=1)
        if not problems and command.month > today:
            problems.add("month", "Figures are for months that have begun.", ErrorCode.OUT_OF_RANGE)
    total = command.people_on_long_term_community_support
    younger = command.people_on_long_term_community_support_18_to_64
    older = command.people_on_long_term_community_support_65_plus
    own = command.people_on_direct_payments
    _check_count(problems, "people_on_long_term_community_support", total)
    _check_count(problems, "people_on_long_term_community_support_18_to_64", younger)
    _check_count(problems, "people_on_long_term_community_support_65_plus", older)
    _check_count(problems, "people_on_direct_payments", own)
    if not problems:
        if younger is not None and older is not None and younger + older != total:
            problems.add(
                "people_on_long_term_community_support",
                "The 18-64 and 65+ counts must add up to the total.",
                ErrorCode.INVALID,
            )
        for field, part in (
            ("people_on_long_term_community_support_18_to_64", younger),
            ("people_on_long_term_community_support_65_plus", older),
            ("people_on_direct_payments", own),
        ):
            if part is not None and part > total:
                problems.add(
                    field, "Cannot be more than the people on long-term support.", ErrorCode.OUT_OF_RANGE
                )
    problems.raise_if_any()
    found = await session.execute(
        select(CouncilFigures).where(
            col(CouncilFigures.council_id) == command.council_id, col(CouncilFigures.month) == command.month
        )
    )
    row = found.scalar_one_or_none() or CouncilFigures(
        council_id=command.council_id, month=command.month, people_on_long_term_community_support=total
    )
    row.people_on_long_term_community_support = total
    row.people_on_long_term_community_support_18_to_64 = younger
    row.people_on_long_term_community_support_65_plus = older
    row.people_on_direct_payments = own
    row.recorded_by_id = (actor.user_id or None) if actor else None
    row.recorded_at = now
    session.add(row)
    await session.flush()
    return row


async def set_take_up_target(
    session: AsyncSession, *, actor: Actor | None, command: TakeUpTargetCommand, now: datetime
) -> TakeUpTarget:
    """Sets the council's target: a rate, to at most two decimal places, by a date, and the new DPs a
    year it plans (Leeds: 16.6% with 255 new a year)."""
    await _council(session, command.council_id)
    if not access.may_record_figures(actor, command.council_id):
        raise PermissionDenied(
            "Only the council's commissioners and admins set its target.", field="council_id"
        )
    today = london_date(now)
    problems = Problems()
    percent = command.target_rate_percent
    basis_points = 0
    if not (percent == percent and 0 < percent <= 100):  # NaN fails every comparison
        problems.add("target_rate_percent", "A rate above 0 and at most 100.", ErrorCode.OUT_OF_RANGE)
    else:
        basis_points = round(percent * 100)
        if abs(percent * 100 - basis_points) > 1e-6 or basis_points == 0:
            problems.add("target_rate_percent", "At most two decimal places, e.g. 16.6.", ErrorCode.INVALID)
    _check_date(problems, "by_date", command.by_date, today, future_years=rules.TARGET_HORIZON_YEARS)
    if not problems and command.by_date <= today:
        problems.add("by_date", "A target date lies in the future.", ErrorCode.OUT_OF_RANGE)
    if not 0 <= command.planned_new_per_year <= rules.MAX_PLANNED_NEW_PER_YEAR:
        problems.add(
            "planned_new_per_year",
            f"From 0 to {rules.MAX_PLANNED_NEW_PER_YEAR:,} new DPs a year.",
            ErrorCode.OUT_OF_RANGE,
        )
    problems.raise_if_any()
    found = await session.execute(
        select(TakeUpTarget).where(col(TakeUpTarget.council_id) == command.council_id)
    )
    row = found.scalar_one_or_none() or TakeUpTarget(
        council_id=command.council_id,
        target_basis_points=basis_points,
        by_date=command.by_date,
        planned_new_per_year=command.planned_new_per_year,
    )
    row.target_basis_points = basis_points
    row.by_date = command.by_date
    row.planned_new_per_year = command.planned_new_per_year
    row.set_by_id = (actor.user_id or None) if actor else None
    row.set_at = now
    session.add(row)
    await session.flush()
    return row
