"""Limits on payments, with the reasons behind the numbers."""

from __future__ import annotations

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


def tolerance_pence(expected_pence: float) -> float:
    return max(TOLERANCE_PENCE, TOLERANCE_SHARE * expected_pence)
