"""`recordPayment` and `refundPayment`: each takes one input, makes one service call, returns a payload."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated
from broker.payments import recording, refunds
from broker.payments.graphql.types import PaymentNode
from broker.payments.validation import PaymentFields, RefundFields


@strawberry.input(description="A payment to the provider of an agreement, for one period of care.")
class RecordPaymentInput(DecodesIds):
    agreement_id: relay.GlobalID
    period_start: date
    period_end: date = strawberry.field(description="Inclusive; at most 35 days after the start.")
    hours: float = strawberry.field(
        description="Hours of care paid for: at least 0.25, at most 24 a day of the period and at most the "
        "agreement's weekly hours for each week or part-week of the period, plus 10%."
    )
    amount_pence: int = strawberry.field(
        description="Must match hours x the agreed rate within £1 or 1% (so it stays far below 2^31 pence)."
    )
    method: str = strawberry.field(
        description="CARD, BANK_TRANSFER, PAYROLL or PREPAID_CARD (see the PaymentMethod enum)."
    )
    idempotency_key: str = strawberry.field(
        description="Your unique key for this payment, among the DP holder's payments (keys are the payer's "
        "own): sending it again returns the first payment."
    )
    card_payment_method_id: str | None = strawberry.field(
        default=None, description="CARD only: the Stripe payment method (pm_...) from Stripe.js."
    )
    supplementary: bool = strawberry.field(
        default=False,
        description="Pays days already paid under this agreement (extra hours, a correction); needs "
        "`supplementaryReason`. Without it such a payment is refused as OVERLAPPING.",
    )
    supplementary_reason: str | None = strawberry.field(
        default=None, description="Why these days are paid again (up to 500 characters)."
    )
    timesheet_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The APPROVED timesheet of this agreement the payment pays: the period lies within its "
        "week and covers the days worked, and payments against it add up to at most its `amountDue`.",
    )

    def to_command(self) -> dict[str, PaymentFields]:
        return {
            "fields": PaymentFields(
                agreement_id=self.key("agreement_id", "Agreement"),
                period_start=self.period_start,
                period_end=self.period_end,
                hours=self.hours,
                amount_pence=self.amount_pence,
                method=self.method,
                idempotency_key=self.idempotency_key,
                card_payment_method_id=self.card_payment_method_id,
                supplementary=self.supplementary,
                supplementary_reason=self.supplementary_reason,
                timesheet_id=self.optional_key("timesheet_id", "Timesheet"),
            )
        }


@strawberry.input(description="Return some or all of a payment.")
class RefundPaymentInput(DecodesIds):
    payment_id: relay.GlobalID
    amount_pence: int | None = strawberry.field(default=None, description="Default: all that is left.")
    reason: str
    idempotency_key: str = strawberry.field(
        description="Your unique key for this refund, among the DP holder's refunds: sending it again "
        "returns the payment as the first refund left it."
    )

    def to_command(self) -> dict[str, RefundFields]:
        return {
            "fields": RefundFields(
                payment_id=self.key("payment_id", "Payment"),
                amount_pence=self.amount_pence,
                reason=self.reason,
                idempotency_key=self.idempotency_key,
            )
        }


@strawberry.type
class RecordPaymentPayload(MutationPayload):
    payment: PaymentNode | None = strawberry.field(
        default=None,
        description="The payment; a declined card comes back FAILED with its reason, and is kept.",
    )


@strawberry.type
class RefundPaymentPayload(MutationPayload):
    payment: PaymentNode | None = None


@strawberry.type
class PaymentMutations:
    record_payment = use_case(
        RecordPaymentInput,
        recording.record_payment,
        RecordPaymentPayload,
        IsAuthenticated,
        "The holder, a representative or a broker records (for CARD: makes) a payment.",
    )
    refund_payment = use_case(
        RefundPaymentInput,
        refunds.refund_payment,
        RefundPaymentPayload,
        IsAuthenticated,
        "Refund part or all of a payment.",
    )
