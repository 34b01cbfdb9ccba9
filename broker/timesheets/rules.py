"""Limits and arithmetic of timesheets, with the reasons behind the numbers."""

from __future__ import annotations

import math
from datetime import date, timedelta

MINUTES_PER_DAY = 24 * 60
# Eight shifts a day, every day: more than any week of care, few enough to check in one request.
MAX_SHIFTS = 56
NOTE_MAX = 500
REASON_MAX = 500
# A week may hold the agreement's weekly hours plus 10% for shifts that ran over: the same allowance a
# payment for the week has (`broker.payments.rules.AGREED_HOURS_SHARE`), so an approved week is payable.
AGREED_HOURS_SHARE = 1.10
# Councils commonly ask for timesheets within a week of the week's end and approval within a week of
# submission (PPL's Virtual Wallet reminds employers after seven days); each council sets its own.
DEFAULT_SUBMIT_WITHIN_DAYS = 7
DEFAULT_APPROVE_WITHIN_DAYS = 7
MAX_WITHIN_DAYS = 90


def amount_due_pence(minutes: int, hourly_rate_pence: int) -> int:
    """Minutes x the hourly rate, in whole pence: worked out once for the week's total (not shift by
    shift, so rounding never adds up), exactly in integers, a half penny rounding up."""
    return (minutes * hourly_rate_pence * 2 + 60) // 120


def most_minutes(hours_per_week: float) -> int:
    """The most minutes a week of an agreement for `hours_per_week` may hold (whole minutes, down)."""
    return math.floor(hours_per_week * 60 * AGREED_HOURS_SHARE + 1e-9)


def is_week_start(agreement_start: date, day: date) -> bool:
    """An agreement's weeks start on the weekday it started, counted from its first day: the pay week
    the holder and the provider agreed to."""
    return day >= agreement_start and (day - agreement_start).days % 7 == 0


def week_starting_on_or_before(agreement_start: date, day: date) -> date:
    """The agreement's week that `day` falls in (its first week for days before it started)."""
    if day <= agreement_start:
        return agreement_start
    return day - timedelta(days=(day - agreement_start).days % 7)
