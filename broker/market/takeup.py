"""`dpTakeUp`: ASCOF 3D2a month by month, and the council's target with its arithmetic and projection.

A month's snapshot is its last day: people with a DP in force that day (started on or before it,
not ended before it; an end date is the DP's last day). The rate uses the council's own DP count
where one is recorded for the month (the official figure), else the count here; both are returned.
Percentages come from exact integer counts, rounded half up to one decimal place.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.errors import ErrorCode, InvalidInput, PermissionDenied, Problems
from broker.hygiene import date_problem
from broker.market import access, rules
from broker.market.models import AgeBand, CouncilFigures, DirectPayment, TakeUpTarget
from broker.market.privacy import is_small, shown


def percent(numerator: int | Fraction | None, denominator: int | None) -> float | None:
    """numerator / denominator as a percentage, rounded half up to one decimal; None without both."""
    if numerator is None or not denominator:
        return None
    scale = 10**rules.PERCENT_DECIMALS
    exact = Fraction(numerator) * 100 * scale / denominator
    return math.floor(exact + Fraction(1, 2)) / scale


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return next_month(day) - timedelta(days=1)


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from `first`'s to `last`'s, inclusive."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


@dataclass
class TakeUpMonth:
    month: date
    people_on_long_term_community_support: int | None
    people_on_long_term_community_support_18_to_64: int | None
    people_on_long_term_community_support_65_plus: int | None
    council_people_on_direct_payments: int | None
    here: dict[AgeBand, int]
    new: dict[AgeBand, int]
    ended: dict[AgeBand, int]

    @property
    def people_on_direct_payments_here(self) -> int:
        return sum(self.here.values())

    @property
    def people_on_direct_payments(self) -> int:
        """The official figure: the council's own count where recorded, else ours."""
        own = self.council_people_on_direct_payments
        return own if own is not None else self.people_on_direct_payments_here


@dataclass(frozen=True)
class TargetPosition:
    target: TakeUpTarget
    latest_month: date | None
    rate_percent: float
    net_new_needed: int | None
    new_per_month: int
    implied_ended_per_year: int | None
    projected_rate_percent: float | None
    on_track: bool | None
    observed_new_last_year: int | None
    observed_ended_last_year: int | None


@dataclass(frozen=True)
class TakeUp:
    council_id: int
    months: list[TakeUpMonth]
    target: TargetPosition | None


async def _direct_payment_counts(
    session: AsyncSession, council_id: int, first: date, last: date
) -> tuple[
    dict[AgeBand, int], dict[AgeBand, int], dict[date, dict[AgeBand, int]], dict[date, dict[AgeBand, int]]
]:
    """Aggregated in SQL: DPs started and ended before `first` by band, and per day within the range."""
    council = col(DirectPayment.council_id) == council_id
    started_before = await session.execute(
        select(col(DirectPayment.age_band), func.count())
        .where(council, col(DirectPayment.start_date) < first)
        .group_by(col(DirectPayment.age_band))
    )
    ended_before = await session.execute(
        select(col(DirectPayment.age_band), func.count())
        .where(council, col(DirectPayment.end_date) < first)
        .group_by(col(DirectPayment.age_band))
    )
    starts = await session.execute(
        select(col(DirectPayment.start_date), col(DirectPayment.age_band), func.count())
        .where(council, col(DirectPayment.start_date).between(first, last))
        .group_by(col(DirectPayment.start_date), col(DirectPayment.age_band))
    )
    ends = await session.execute(
        select(col(DirectPayment.end_date), col(DirectPayment.age_band), func.count())
        .where(council, col(DirectPayment.end_date).between(first, last))
        .group_by(col(DirectPayment.end_date), col(DirectPayment.age_band))
    )
    by_day_start: dict[date, dict[AgeBand, int]] = defaultdict(lambda: defaultdict(int))
    by_day_end: dict[date, dict[AgeBand, int]] = defaultdict(lambda: defaultdict(int))
    for day, band, n in starts:
        by_day_start[day][AgeBand(band)] += n
    for day, band, n in ends:  # type: ignore[assignment]  # `between` leaves no NULL end date
        by_day_end[day][AgeBand(band)] += n
    return (
        {AgeBand(b): n for b, n in started_before},
        {AgeBand(b): n for b, n in ended_before},
        by_day_start,
        by_day_end,
    )


def _check_range(start: date, end: date) -> list[date]:
    problems = Problems()
    for field, value in (("from", start), ("to", end)):
        if (problem := date_problem(value)) is not None:
            problems.add(field, problem, ErrorCode.OUT_OF_RANGE)
    problems.raise_if_any()
    if start > end:
        raise InvalidInput("`from` must not be after `to`.", field="from", code=ErrorCode.OUT_OF_RANGE)
    if (end.year - start.year) * 12 + end.month - start.month >= rules.MAX_MONTHS:
        raise InvalidInput(
            f"At most {rules.MAX_MONTHS} months at a time.", field="from", code=ErrorCode.OUT_OF_RANGE
        )
    return months_between(start, end)


async def dp_take_up(
    session: AsyncSession, *, actor: Actor | None, council_id: int, start: date, end: date
) -> TakeUp:
    """The council's take-up each month from `start`'s month to `end`'s, and its target position."""
    if not access.sees_figures(actor, council_id):
        raise PermissionDenied("You can only see your own council's figures.", field="council_id")
    months = _check_range(start, end)
    trend_first = add_months(months[-1], 1 - rules.TREND_MONTHS)  # the 12 months ending with the last
    first = min(months[0], trend_first)
    last = month_end(months[-1])
    started_before, ended_before, starts, ends = await _direct_payment_counts(
        session, council_id, first, last
    )
    figures = {
        f.month: f
        for f in (
            await session.execute(
                select(CouncilFigures).where(
                    col(CouncilFigures.council_id) == council_id,
                    col(CouncilFigures.month).between(months[0], months[-1]),
                )
            )
        ).scalars()
    }
    new_by_month: dict[date, dict[AgeBand, int]] = defaultdict(lambda: defaultdict(int))
    ended_by_month: dict[date, dict[AgeBand, int]] = defaultdict(lambda: defaultdict(int))
    for day, bands in starts.items():
        for band, n in bands.items():
            new_by_month[month_start(day)][band] += n
    for day, bands in ends.items():
        for band, n in bands.items():
            ended_by_month[month_start(day)][band] += n
    started_by = defaultdict(int, started_before)  # started on or before the snapshot
    ended_by = defaultdict(int, ended_before)  # ended on or before the snapshot
    all_months: list[TakeUpMonth] = []
    for month in months_between(first, last):
        new, ended, snapshot = new_by_month[month], ended_by_month[month], month_end(month)
        for band in AgeBand:
            started_by[band] += new.get(band, 0)
            ended_by[band] += ended.get(band, 0)
        # In force on the snapshot: started by then, not ended before it (an end date is a DP's last day).
        here = {b: started_by[b] - ended_by[b] + ends.get(snapshot, {}).get(b, 0) for b in AgeBand}
        f = figures.get(month)
        all_months.append(
            TakeUpMonth(
                month=month,
                people_on_long_term_community_support=f.people_on_long_term_community_support if f else None,
                people_on_long_term_community_support_18_to_64=(
                    f.people_on_long_term_community_support_18_to_64 if f else None
                ),
                people_on_long_term_community_support_65_plus=(
                    f.people_on_long_term_community_support_65_plus if f else None
                ),
                council_people_on_direct_payments=f.people_on_direct_payments if f else None,
                here=here,
                new=dict(new),
                ended=dict(ended),
            )
        )
    shown_months = [m for m in all_months if m.month >= months[0]]
    trend = [m for m in all_months if m.month >= trend_first]
    target = (
        await session.execute(select(TakeUpTarget).where(col(TakeUpTarget.council_id) == council_id))
    ).scalar_one_or_none()
    return TakeUp(
        council_id=council_id,
        months=shown_months,
        target=None if target is None else _position(target, shown_months, trend),
    )


def _position(target: TakeUpTarget, months: list[TakeUpMonth], trend: list[TakeUpMonth]) -> TargetPosition:
    """netNewNeeded: the rise in people on DPs that reaches the target rate at the latest
    denominator. newPerMonth: the planned new DPs a year over 12, rounded up (Leeds: 255 → 22).
    impliedEndedPerYear: planned new a year less the net rise needed a year until `byDate` (rounded
    down; negative when even no endings would fall short). The projection carries the last 12
    months' observed new less ended DPs a month forward to `byDate`, over the latest denominator."""
    new_last_year = sum(sum(m.new.values()) for m in trend)
    ended_last_year = sum(sum(m.ended.values()) for m in trend)
    rate = target.target_basis_points / 100
    latest = next((m for m in reversed(months) if m.people_on_long_term_community_support), None)
    new_per_month = math.ceil(target.planned_new_per_year / 12)
    if latest is None:
        return TargetPosition(
            target, None, rate, None, new_per_month, None, None, None, new_last_year, ended_last_year
        )
    denominator = latest.people_on_long_term_community_support
    assert denominator is not None
    now_count = latest.people_on_direct_payments
    needed_count = math.ceil(Fraction(target.target_basis_points * denominator, 10_000))
    net_new = max(0, needed_count - now_count)
    horizon = (target.by_date.year - latest.month.year) * 12 + target.by_date.month - latest.month.month
    implied: int | None = None
    projected_count: Fraction = Fraction(now_count)
    if horizon > 0:
        implied = math.floor(target.planned_new_per_year - Fraction(net_new * 12, horizon))
        projected_count += Fraction((new_last_year - ended_last_year) * horizon, len(trend) or 1)
    projected_count = max(projected_count, Fraction(0))
    on_track = projected_count * 10_000 >= target.target_basis_points * denominator
    withheld = is_small(denominator) or is_small(now_count)  # derived from a withheld count: withheld too
    return TargetPosition(
        target=target,
        latest_month=latest.month,
        rate_percent=rate,
        net_new_needed=None if withheld else net_new,
        new_per_month=new_per_month,
        implied_ended_per_year=None if withheld else implied,
        projected_rate_percent=None if withheld else percent(projected_count, denominator),
        on_track=None if withheld else on_track,
        observed_new_last_year=shown(new_last_year),
        observed_ended_last_year=shown(ended_last_year),
    )


@dataclass(frozen=True)
class TakeUpRow:
    """A month as reported: every count of 1 to 4 people withheld (None), and a rate whose numerator
    or denominator is withheld withheld too; `suppressed` says something was."""

    month: date
    rate_percent: float | None
    people_on_direct_payments: int | None
    people_on_direct_payments_here: int | None
    council_people_on_direct_payments: int | None
    difference: int | None
    people_on_long_term_community_support: int | None
    new_direct_payments: int | None
    ended_direct_payments: int | None
    rate_percent_18_to_64: float | None
    people_on_direct_payments_here_18_to_64: int | None
    people_on_long_term_community_support_18_to_64: int | None
    new_direct_payments_18_to_64: int | None
    ended_direct_payments_18_to_64: int | None
    rate_percent_65_plus: float | None
    people_on_direct_payments_here_65_plus: int | None
    people_on_long_term_community_support_65_plus: int | None
    new_direct_payments_65_plus: int | None
    ended_direct_payments_65_plus: int | None
    suppressed: bool


def _rate(numerator: int | None, denominator: int | None) -> float | None:
    if is_small(numerator) or is_small(denominator):
        return None
    return percent(numerator, denominator)


def report_row(m: TakeUpMonth) -> TakeUpRow:
    """The month with small counts withheld (`privacy`)."""
    young, old = AgeBand.AGED_18_TO_64, AgeBand.AGED_65_PLUS
    counts = [
        m.people_on_direct_payments, m.people_on_direct_payments_here, m.council_people_on_direct_payments,
        m.people_on_long_term_community_support, sum(m.new.values()), sum(m.ended.values()),
        m.here[young], m.here[old], m.new.get(young, 0), m.new.get(old, 0), m.ended.get(young, 0),
        m.ended.get(old, 0), m.people_on_long_term_community_support_18_to_64,
        m.people_on_long_term_community_support_65_plus,
    ]  # fmt: skip
    own = m.council_people_on_direct_payments
    difference = None
    if own is not None and not is_small(own) and not is_small(m.people_on_direct_payments_here):
        difference = own - m.people_on_direct_payments_here
    return TakeUpRow(
        month=m.month,
        rate_percent=_rate(m.people_on_direct_payments, m.people_on_long_term_community_support),
        people_on_direct_payments=shown(m.people_on_direct_payments),
        people_on_direct_payments_here=shown(m.people_on_direct_payments_here),
        council_people_on_direct_payments=shown(own),
        difference=difference,
        people_on_long_term_community_support=shown(m.people_on_long_term_community_support),
        new_direct_payments=shown(sum(m.new.values())),
        ended_direct_payments=shown(sum(m.ended.values())),
        rate_percent_18_to_64=_rate(m.here[young], m.people_on_long_term_community_support_18_to_64),
        people_on_direct_payments_here_18_to_64=shown(m.here[young]),
        people_on_long_term_community_support_18_to_64=shown(
            m.people_on_long_term_community_support_18_to_64
        ),
        new_direct_payments_18_to_64=shown(m.new.get(young, 0)),
        ended_direct_payments_18_to_64=shown(m.ended.get(young, 0)),
        rate_percent_65_plus=_rate(m.here[old], m.people_on_long_term_community_support_65_plus),
        people_on_direct_payments_here_65_plus=shown(m.here[old]),
        people_on_long_term_community_support_65_plus=shown(m.people_on_long_term_community_support_65_plus),
        new_direct_payments_65_plus=shown(m.new.get(old, 0)),
        ended_direct_payments_65_plus=shown(m.ended.get(old, 0)),
        suppressed=any(is_small(c) for c in counts),
    )
