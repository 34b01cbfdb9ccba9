"""Refunding a payment: some or all of a succeeded payment goes back to the DP account.

The refund is a row of its own. Its idempotency key is the holder's, as a payment's is: the same key
again returns the payment as the first refund left it; the same key for another payment's refund is
refused as IDEMPOTENCY_KEY_REUSED.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied
from broker.payments import rules
from broker.payments.access import may_pay_for, visible_clause
from broker.payments.gateway import Gateways, GatewayUnavailable, RefundRequest
from broker.payments.models import Payment, PaymentStatus, Refund
from broker.payments.store import insert_once
from broker.payments.validation import RefundFields, check_key, left_to_refund, validate_refund

REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)


async def refund_payment(
    session: AsyncSession, *, actor: Actor, fields: RefundFields, gateways: Gateways, now: datetime
) -> Payment:
    """Returns some or all of a succeeded payment to the DP account.

    The payment is read under a row lock (on SQLite the write transaction holds the database's write
    lock), and what is refunded is added in SQL only while it still fits the payment, so concurrent
    refunds can never return more than was paid nor lose one another's amounts.
    """
    key = check_key(fields.idempotency_key)
    payment_id = fields.payment_id
    payment = (
        await session.execute(
            select(Payment)
            .where(col(Payment.id) == payment_id, visible_clause(actor))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if payment is None:
        raise NotFound("No payment with this ID.", field="payment_id")
    if not await may_pay_for(session, actor, payment.holder_id):
        raise PermissionDenied(
            "Only the person, their representatives or their broker refund.", field="payment_id"
        )
    if await _replayed_refund(session, payment, key):
        return payment
    if payment.status not in REFUNDABLE:
        raise Conflict(f"A {payment.status.value} payment cannot be refunded.", field="payment_id")
    remaining = payment.amount_pence - payment.refunded_pence
    amount = remaining if fields.amount_pence is None else fields.amount_pence
    reason, problems = validate_refund(amount, remaining, fields.reason)
    problems.raise_if_any()
    refund = Refund(
        idempotency_key=key,
        payment_id=payment_id,
        holder_id=payment.holder_id,
        amount_pence=amount,
        reason=reason,
        recorded_by_id=actor.user_id,
        created_at=now,
    )
    if not await insert_once(session, refund):
        if await _replayed_refund(session, payment, key):
            return payment
        raise Conflict(
            "This refund is being recorded by another request.",
            field="idempotency_key",
            code=ErrorCode.DUPLICATE,
        )
    refund = (
        await session.execute(
            select(Refund).where(
                col(Refund.holder_id) == payment.holder_id, col(Refund.idempotency_key) == key
            )
        )
    ).scalar_one()
    claimed = (
        await session.execute(
            update(Payment)
            .where(
                col(Payment.id) == payment_id,
                col(Payment.refunded_pence) + amount <= col(Payment.amount_pence),
            )
            .values(refunded_pence=col(Payment.refunded_pence) + amount, updated_at=now)
            .returning(col(Payment.refunded_pence))
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    await session.refresh(payment)
    if claimed is None:
        raise InvalidInput(
            left_to_refund(payment.amount_pence - payment.refunded_pence),
            field="amount_pence",
            code=ErrorCode.OUT_OF_RANGE,
        )
    try:
        result = await gateways.for_method(payment.method).refund(
            RefundRequest(
                payment_id=payment_id,
                payment_reference=payment.gateway_reference,
                amount_pence=amount,
                idempotency_key=rules.scoped_key(payment.holder_id, key),
            )
        )
    except GatewayUnavailable as error:
        raise Conflict(str(error), field="payment_id") from error
    refund.gateway_reference = result.reference
    payment.status = (
        PaymentStatus.REFUNDED
        if payment.refunded_pence >= payment.amount_pence
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    await session.flush()
    return payment


async def _replayed_refund(session: AsyncSession, payment: Payment, key: str) -> bool:
    """Whether the holder's `key` already refunded this payment; used for another payment, refused."""
    existing = (
        await session.execute(
            select(Refund).where(
                col(Refund.holder_id) == payment.holder_id, col(Refund.idempotency_key) == key
            )
        )
    ).scalar_one_or_none()
    if existing is None:
        return False
    if existing.payment_id != payment.id:
        raise Conflict(
            "This idempotency key was used for another refund.",
            field="idempotency_key",
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    return True
