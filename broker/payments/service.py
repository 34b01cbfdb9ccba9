"""Use cases for payments, by entity: `reading` (list, get), `recording` (record one), `refunds`,
`validation` (the commands and what they must say), with who may do what in `access`.

Kept so callers that import `broker.payments.service` keep working; new code imports the module it
needs.
"""

from __future__ import annotations

from broker.payments.access import visible_clause
from broker.payments.reading import PaymentFilter, get_payment, list_payments, visible_payments
from broker.payments.recording import record_payment
from broker.payments.refunds import refund_payment
from broker.payments.validation import PaymentFields, RefundFields, validate_payment

__all__ = [
    "PaymentFields",
    "PaymentFilter",
    "RefundFields",
    "get_payment",
    "list_payments",
    "record_payment",
    "refund_payment",
    "validate_payment",
    "visible_clause",
    "visible_payments",
]
