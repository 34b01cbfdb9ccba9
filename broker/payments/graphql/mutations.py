"""`recordPayment` and `refundPayment`: each takes one input, makes one service call, returns a payload."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.errors import UserError
from broker.api.mutations import in_transaction
from broker.api.permissions import IsAuthenticated
from broker.api.relay import decode_id
from broker.payments import service
from broker.payments.graphql.types import PaymentNode


@strawberry.input(description="A payment to the provider of an agreement, for one period of care.")
class RecordPaymentInput:
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


@strawberry.input(description="Return some or all of a payment.")
class RefundPaymentInput:
    payment_id: relay.GlobalID
    amount_pence: int | None = strawberry.field(default=None, description="Default: all that is left.")
    reason: str
    idempotency_key: str = strawberry.field(
        description="Your unique key for this refund, among the DP holder's refunds: sending it again "
        "returns the payment as the first refund left it."
    )


@strawberry.type
class RecordPaymentPayload:
    payment: PaymentNode | None = strawberry.field(
        description="The payment; a declined card comes back FAILED with its reason, and is kept."
    )
    user_errors: list[UserError]


@strawberry.type
class RefundPaymentPayload:
    payment: PaymentNode | None
    user_errors: list[UserError]


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="The holder, a representative or a broker records (for CARD: makes) a payment.",
    )
    async def record_payment(self, info: Info, input: RecordPaymentInput) -> RecordPaymentPayload:
        ctx = info.context

        async def action(session):
            fields = service.PaymentFields(
                agreement_id=decode_id(input.agreement_id, "Agreement", field="input.agreementId"),
                period_start=input.period_start,
                period_end=input.period_end,
                hours=input.hours,
                amount_pence=input.amount_pence,
                method=input.method,
                idempotency_key=input.idempotency_key,
                card_payment_method_id=input.card_payment_method_id,
                supplementary=input.supplementary,
                supplementary_reason=input.supplementary_reason,
            )
            return await service.record_payment(
                session, actor=ctx.actor, fields=fields, gateways=ctx.gateways, now=ctx.now, today=ctx.today
            )

        payment, errors = await in_transaction(info, action)
        return RecordPaymentPayload(
            payment=PaymentNode.from_model(payment) if payment else None, user_errors=errors
        )

    @strawberry.mutation(permission_classes=[IsAuthenticated], description="Refund part or all of a payment.")
    async def refund_payment(self, info: Info, input: RefundPaymentInput) -> RefundPaymentPayload:
        ctx = info.context

        async def action(session):
            return await service.refund_payment(
                session,
                actor=ctx.actor,
                payment_id=decode_id(input.payment_id, "Payment", field="input.paymentId"),
                amount_pence=input.amount_pence,
                reason=input.reason,
                idempotency_key=input.idempotency_key,
                gateways=ctx.gateways,
                now=ctx.now,
            )

        payment, errors = await in_transaction(info, action)
        return RefundPaymentPayload(
            payment=PaymentNode.from_model(payment) if payment else None, user_errors=errors
        )
