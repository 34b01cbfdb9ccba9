"""The arithmetic of timesheets: exact pence, the agreed weeks, the weekly allowance."""

from __future__ import annotations

from datetime import date

import pytest

from broker.timesheets.rules import amount_due_pence, is_week_start, most_minutes, week_starting_on_or_before


@pytest.mark.parametrize(
    ("minutes", "rate", "pence"),
    [
        (600, 1450, 14_500),  # ten hours at £14.50
        (590, 1450, 14_258),  # 14,258.33: down
        (1, 1450, 24),  # 24.17: down
        (1, 1230, 21),  # 20.5: a half penny rounds up
        (3, 1010, 51),  # 50.5: up
        (0, 1450, 0),
        (56 * 24 * 60, 50_000, 56 * 24 * 50_000),  # no float anywhere: exact at any size
    ],
)
def test_the_amount_due_is_exact_pence_a_half_penny_rounding_up(minutes, rate, pence):
    assert amount_due_pence(minutes, rate) == pence


def test_an_agreements_weeks_start_on_the_weekday_it_started():
    started = date(2026, 4, 8)  # a Wednesday

    assert is_week_start(started, date(2026, 11, 25))
    assert not is_week_start(started, date(2026, 11, 23))
    assert not is_week_start(started, date(2026, 4, 1))
    assert week_starting_on_or_before(started, date(2026, 11, 24)) == date(2026, 11, 18)
    assert week_starting_on_or_before(started, date(2026, 3, 1)) == started


def test_a_week_holds_the_agreed_hours_and_ten_percent_in_whole_minutes():
    assert most_minutes(10.0) == 660
    assert most_minutes(7.5) == 495
    assert most_minutes(0.25) == 16
