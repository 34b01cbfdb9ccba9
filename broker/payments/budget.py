"""A DP holder's budget statement for a period: allocated, committed, spent, unspent, and a forecast
to the end of the DP year.

- allocated: the weekly personal budget x the weeks in the period (days / 7);
- committed: each started agreement's (`Agreement.is_started`) hours x rate a week, for the days it
  runs in the period;
- spent: payments that left the account (succeeded, less refunds), by the start of their period;
- unspent: allocated - spent;
- forecast: spent so far in the DP year (1 April to 31 March, as councils account for DPs) plus what
  the ACTIVE agreements will cost to the year's end, against the year's allocation.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.agreements.models import STARTED, Agreement, AgreementStatus
from broker.errors import Conflict, ErrorCode, NotFound, Problems
from broker.holders import service as holders
from broker.holders.models import DPHolder
from broker.payments import rules
from broker.payments.models import Payment


@dataclass(frozen=True)
class Forecast:
    year_start: date
    year_end: date
    allocated_pence: int
    spent_to_date_pence: int
    still_committed_pence: int

    @property
    def projected_spend_pence(self) -> int:
        return self.spent_to_date_pence + self.still_committed_pence

    @property
    def projected_unspent_pence(self) -> int:
        return self.allocated_pence - self.projected_spend_pence


@dataclass(frozen=True)
class BudgetStatement:
    holder: DPHolder
    period_from: date
    period_to: date
    allocated_pence: int
    committed_pence: int
    spent_pence: int
    in_flight_pence: int
    forecast: Forecast

    @property
    def unspent_pence(self) -> int:
        return self.allocated_pence - self.spent_pence


def dp_year(day: date) -> tuple[date, date]:
    """The DP year (1 April to 31 March) that `day` falls in."""
    start_year = day.year if day.month >= 4 else day.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def days(start: date, end: date) -> int:
    """Days from `start` to `end`, both included (0 when the range is empty)."""
    return max(0, (end - start).days + 1)


def weekly_share(weekly_pence: float, start: date, end: date) -> int:
    """A weekly amount for the days from `start` to `end` (both included), to the nearest penny."""
    return round(weekly_pence * days(start, end) / 7)


def committed_pence(agreements: Sequence[Agreement], start: date, end: date) -> int:
    """What the agreements cost for the days each runs within [start, end].

    An agreement whose weekly hours are not a finite number (a row no rule let in) has no cost to
    add up: the statement says so rather than failing with an overflow.
    """
    total = 0
    for agreement in agreements:
        weekly = agreement.hours_per_week * agreement.hourly_rate_pence
        if not math.isfinite(weekly):
            raise Conflict(
                f"Agreement {agreement.id} has {agreement.hours_per_week:g} hours a week, which cannot be "
                "costed; correct the agreement.",
                code=ErrorCode.INVALID_STATE,
            )
        first = max(start, agreement.start_date)
        last = min(end, agreement.end_date) if agreement.end_date else end
        total += weekly_share(weekly, first, last)
    return total


async def spent_pence(session: AsyncSession, holder_id: int, start: date, end: date) -> tuple[int, int]:
    """(spent, in flight) in pence for payments whose period starts within [start, end]."""
    return (await spent_pence_in_periods(session, [(holder_id, start, end)]))[(holder_id, start, end)]


async def spent_pence_in_periods(
    session: AsyncSession, periods: Sequence[tuple[int, date, date]]
) -> dict[tuple[int, date, date], tuple[int, int]]:
    """(spent, in flight) in pence for each (holder, start, end): payments whose period starts
    within [start, end], in one statement for all of them (a page of account statements).

    Added up in Python, whose integers do not overflow: SQLite's SUM fails past 2^63 and one bad row
    must not stop a statement. (A holder has a few hundred payments in five years.)
    """
    totals = {period: (0, 0) for period in periods}
    if not periods:
        return totals
    by_holder: dict[int, list[tuple[int, date, date]]] = defaultdict(list)
    for period in totals:
        by_holder[period[0]].append(period)
    rows = await session.execute(
        select(
            col(Payment.holder_id),
            col(Payment.period_start),
            col(Payment.status),
            col(Payment.amount_pence),
            col(Payment.refunded_pence),
        ).where(
            col(Payment.holder_id).in_(list(by_holder)),
            col(Payment.period_start) >= min(p[1] for p in totals),
            col(Payment.period_start) <= max(p[2] for p in totals),
            col(Payment.status).in_(rules.SPENT_STATUSES + rules.IN_FLIGHT_STATUSES),
        )
    )
    for holder_id, period_start, status, amount, refunded in rows:
        for period in by_holder[holder_id]:
            if period[1] <= period_start <= period[2]:
                spent, flight = totals[period]
                if status in rules.SPENT_STATUSES:
                    totals[period] = (spent + amount - refunded, flight)
                else:
                    totals[period] = (spent, flight + amount - refunded)
    return totals


async def budget_statement(
    session: AsyncSession, *, actor: Actor | None, holder_id: int, period_from: date, period_to: date
) -> BudgetStatement:
    """The statement for `holder_id` over [period_from, period_to]: the holder, their representatives
    and their council's staff may read it; nobody else learns the holder exists."""
    holder = await holders.get_dp_holder(session, actor=actor, holder_id=holder_id)
    if holder is None:
        raise NotFound("No DP holder with this ID.", field="holder_id")
    problems = Problems()
    if period_to < period_from:
        problems.add("to", "The period cannot end before it starts.", ErrorCode.OUT_OF_RANGE)
    elif days(period_from, period_to) > rules.MAX_STATEMENT_DAYS:
        problems.add("to", "A statement covers at most five years.", ErrorCode.OUT_OF_RANGE)
    problems.raise_if_any()
    started = list(
        (
            await session.execute(
                select(Agreement).where(
                    col(Agreement.holder_id) == holder_id, col(Agreement.status).in_(STARTED)
                )
            )
        ).scalars()
    )
    spent, flight = await spent_pence(session, holder_id, period_from, period_to)
    year_start, year_end = dp_year(period_to)
    spent_in_year, _ = await spent_pence(session, holder_id, year_start, period_to)
    active = [a for a in started if a.status is AgreementStatus.ACTIVE]
    forecast = Forecast(
        year_start=year_start,
        year_end=year_end,
        allocated_pence=weekly_share(holder.weekly_budget_pence, year_start, year_end),
        spent_to_date_pence=spent_in_year,
        still_committed_pence=committed_pence(active, period_to + timedelta(days=1), year_end),
    )
    return BudgetStatement(
        holder=holder,
        period_from=period_from,
        period_to=period_to,
        allocated_pence=weekly_share(holder.weekly_budget_pence, period_from, period_to),
        committed_pence=committed_pence(started, period_from, period_to),
        spent_pence=spent,
        in_flight_pence=flight,
        forecast=forecast,
    )
