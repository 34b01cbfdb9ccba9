"""Budget arithmetic on its own (no database): weekly shares, committed pence over a period, DP years."""

from __future__ import annotations

from datetime import date

import pytest

from broker.agreements.models import Agreement, AgreementStatus
from broker.errors import Conflict, ErrorCode
from broker.payments.budget import Forecast, committed_pence, days, dp_year, weekly_share


def agreement(
    hours: float = 10,
    rate: int = 1450,
    start: date = date(2026, 4, 6),
    end: date | None = None,
    status: AgreementStatus = AgreementStatus.ACTIVE,
) -> Agreement:
    return Agreement(
        id=1,
        council_id=1,
        holder_id=1,
        plan_id=1,
        provider_id=1,
        status=status,
        hours_per_week=hours,
        hourly_rate_pence=rate,
        start_date=start,
        end_date=end,
        created_by_id=1,
    )


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 4, 1), (date(2026, 4, 1), date(2027, 3, 31))),
        (date(2026, 12, 31), (date(2026, 4, 1), date(2027, 3, 31))),
        (date(2027, 3, 31), (date(2026, 4, 1), date(2027, 3, 31))),
        (date(2027, 1, 1), (date(2026, 4, 1), date(2027, 3, 31))),
        (date(2024, 2, 29), (date(2023, 4, 1), date(2024, 3, 31))),
    ],
)
def test_the_dp_year_runs_from_1_april_to_31_march(day, year):
    assert dp_year(day) == year


def test_days_count_both_ends_and_an_empty_range_is_none():
    assert days(date(2026, 11, 2), date(2026, 11, 8)) == 7
    assert days(date(2026, 11, 2), date(2026, 11, 2)) == 1
    assert days(date(2026, 11, 3), date(2026, 11, 2)) == 0
    assert days(date(2026, 11, 30), date(2026, 11, 2)) == 0


def test_a_weekly_share_is_the_weekly_amount_for_the_days_rounded_to_the_penny():
    week = (date(2026, 11, 2), date(2026, 11, 8))
    assert weekly_share(30_000, *week) == 30_000
    assert weekly_share(30_000, date(2026, 11, 2), date(2026, 11, 29)) == 120_000
    assert weekly_share(30_000, date(2026, 11, 2), date(2026, 11, 2)) == round(30_000 / 7)
    assert weekly_share(100, date(2026, 11, 2), date(2026, 11, 4)) == 43  # 300 / 7 = 42.86
    assert weekly_share(30_000, date(2026, 11, 3), date(2026, 11, 2)) == 0
    # A DP year of 365 days is 52 1/7 weeks.
    assert weekly_share(30_000, *dp_year(date(2026, 6, 1))) == round(30_000 * 365 / 7)


def test_committed_pence_counts_each_agreement_for_the_days_it_runs_in_the_period():
    november = (date(2026, 11, 2), date(2026, 11, 29))
    jo = agreement(hours=10, rate=1450)  # £145 a week
    assert committed_pence([jo], *november) == 4 * 14_500
    late = agreement(hours=10, rate=1450, start=date(2026, 11, 16))
    assert committed_pence([late], *november) == 2 * 14_500
    ended = agreement(hours=10, rate=1450, end=date(2026, 11, 8), status=AgreementStatus.ENDED)
    assert committed_pence([ended], *november) == 14_500
    assert committed_pence([jo, late, ended], *november) == 7 * 14_500


def test_an_agreement_outside_the_period_commits_nothing():
    november = (date(2026, 11, 2), date(2026, 11, 29))
    assert committed_pence([agreement(start=date(2026, 12, 1))], *november) == 0
    assert committed_pence([agreement(end=date(2026, 10, 1))], *november) == 0
    assert committed_pence([], *november) == 0


def test_an_agreement_that_cannot_be_costed_is_named_not_overflowed():
    broken = agreement(hours=float("inf"))
    with pytest.raises(Conflict) as refused:
        committed_pence([broken], date(2026, 11, 2), date(2026, 11, 8))
    assert refused.value.errors[0].code is ErrorCode.INVALID_STATE
    assert "Agreement 1" in refused.value.errors[0].message


def test_the_forecast_adds_spent_and_still_committed_against_the_allocation():
    forecast = Forecast(
        year_start=date(2026, 4, 1),
        year_end=date(2027, 3, 31),
        allocated_pence=1_000_000,
        spent_to_date_pence=600_000,
        still_committed_pence=500_000,
    )
    assert forecast.projected_spend_pence == 1_100_000
    assert forecast.projected_unspent_pence == -100_000
