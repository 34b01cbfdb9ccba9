"""Limits on payments, with the reasons behind the numbers."""

from __future__ import annotations

import math

from broker.payments.models import PaymentStatus

IDEMPOTENCY_KEY_MAX = 100
REASON_MAX = 500
# A payment covers at most five weeks: weekly, fortnightly, four-weekly and calendar-monthly pay runs.
MAX_PERIOD_DAYS = 35
# The amount may differ from hours x rate by rounding (pay runs round each shift) but not by more than
# £1 or 1%, whichever is larger; beyond that it is a different payment and should say so in its hours.
TOLERANCE_PENCE = 100
TOLERANCE_SHARE = 0.01
# Statements cover at most five years: the DP audit looks back one, the benchmark three.
MAX_STATEMENT_DAYS = 5 * 366

# Money that has left the DP account (less what came back) counts as spent.
SPENT_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
IN_FLIGHT_STATUSES = (PaymentStatus.PENDING, PaymentStatus.PROCESSING)

# How far each status is along the payment's life. Webhooks may arrive late or out of order; a payment
# never moves back to an earlier rank (a late `processing` never undoes `succeeded`).
RANK: dict[PaymentStatus, int] = {
    PaymentStatus.PENDING: 0,
    PaymentStatus.PROCESSING: 1,
    PaymentStatus.FAILED: 2,
    PaymentStatus.SUCCEEDED: 3,
    PaymentStatus.PARTIALLY_REFUNDED: 4,
    PaymentStatus.REFUNDED: 5,
}


# Hours paid for: at least a quarter of an hour (the shortest visit councils commission), at most every
# hour of every day of the period, and at most the agreement's weekly hours for each week or part-week
# the period touches, plus 10% for shifts that ran over. More than that is a different agreement, or a
# supplementary payment that says why.
MIN_HOURS = 0.25
HOURS_A_DAY = 24
AGREED_HOURS_SHARE = 1.10
# A payment for days already paid under the same agreement is refused unless it is supplementary;
# payments that came to nothing (declined, or refunded in full) do not count as paid.
NOT_PAID_STATUSES = (PaymentStatus.FAILED, PaymentStatus.REFUNDED)


def tolerance_pence(expected_pence: float) -> float:
    """How far an amount may be from hours x rate (finite for any finite, bounded expectation)."""
    return max(TOLERANCE_PENCE, TOLERANCE_SHARE * expected_pence)


def period_hours(days: int) -> float:
    """Every hour of `days` days: no period holds more care than that."""
    return float(HOURS_A_DAY * days)


def agreed_hours(hours_per_week: float, days: int) -> float:
    """The most hours an agreement of `hours_per_week` pays for in a period of `days` days."""
    return hours_per_week * math.ceil(days / 7) * AGREED_HOURS_SHARE


def scoped_key(holder_id: int, key: str) -> str:
    """The key passed on to a gateway: ours are unique per DP holder, a gateway's per account."""
    return f"dp-holder-{holder_id}/{key}"
