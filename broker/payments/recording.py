"""Recording a payment: a card payment through Stripe, or an entry in the offline ledger.

A payment is tied to an agreement that has started (`Agreement.is_started`) and to a period inside
it, for hours that period and that agreement can hold (`validation`); days already paid under the
agreement are paid again only by a supplementary payment that says why.

Idempotency keys belong to the payer: the DP holder whose account the money leaves (the holder, their
representatives and their brokers all act for that account: `access.may_pay_for`). A key is unique
per holder in the database: the same key again returns the first payment and writes nothing, whatever
the gateway does with keys, and nobody acting for another holder can claim it or learn that it was
used. The same key for a different payment is refused as IDEMPOTENCY_KEY_REUSED.

A payment may name the approved timesheet it pays (`timesheet_payments`): it then pays no more than
what is left of the timesheet's amount due.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import events
from broker.accounts.actor import Actor
from broker.agreements import service as agreements
from broker.agreements.models import Agreement
from broker.errors import Conflict, ErrorCode, NotFound, PermissionDenied
from broker.payments import rules
from broker.payments.access import may_pay_for
from broker.payments.gateway import ChargeOutcome, ChargeRequest, Gateways, GatewayUnavailable
from broker.payments.models import Payment, PaymentCustomer, PaymentMethod, PaymentStatus
from broker.payments.store import insert_once
from broker.payments.timesheet_payments import check_timesheet_payment
from broker.payments.validation import PaymentFields, check_key, validate_payment

OUTCOME_STATUS = {
    ChargeOutcome.SUCCEEDED: PaymentStatus.SUCCEEDED,
    ChargeOutcome.PROCESSING: PaymentStatus.PROCESSING,
    ChargeOutcome.FAILED: PaymentStatus.FAILED,
}


async def record_payment(
    session: AsyncSession,
    *,
    actor: Actor,
    fields: PaymentFields,
    gateways: Gateways,
    now: datetime,
    today: date,
) -> Payment:
    """Records (and for CARD, makes) a payment to a provider under an agreement, for one period.

    A declined card is recorded as FAILED with the reason, never dropped. The same idempotency key
    returns the first payment (a retried request, a double click) and creates nothing.
    """
    key = check_key(fields.idempotency_key)
    agreement = await agreements.get_agreement(session, actor=actor, agreement_id=fields.agreement_id)
    if agreement is None or agreement.id is None:
        raise NotFound("No agreement with this ID.", field="agreement_id")
    if not await may_pay_for(session, actor, agreement.holder_id):
        raise PermissionDenied(
            "Only the person, their representatives or their broker record payments.",
            field="agreement_id",
        )
    agreement = await _lock_agreement(session, agreement.id)
    agreement_id = fields.agreement_id
    replay = await _replayed_payment(session, agreement.holder_id, key, agreement_id, fields.timesheet_id)
    if replay is not None:
        return replay
    if not agreement.is_started:
        raise Conflict(
            f"This agreement is {agreement.status.value}; payments are for agreements that have started.",
            field="agreement_id",
        )
    method, problems = validate_payment(fields, agreement, today)
    problems.raise_if_any()
    assert method is not None
    if fields.timesheet_id is not None:
        await check_timesheet_payment(session, fields)
    paid = await _already_paid(session, agreement_id, fields.period_start, fields.period_end)
    if paid is not None and not fields.supplementary:
        raise Conflict(
            f"{paid.period_start:%-d %B %Y} to {paid.period_end:%-d %B %Y} is already paid under this "
            "agreement; to pay any of these days again, make it a supplementary payment and say why.",
            field="period_start",
            code=ErrorCode.OVERLAPPING,
        )
    payment = Payment(
        idempotency_key=key,
        agreement_id=agreement_id,
        council_id=agreement.council_id,
        holder_id=agreement.holder_id,
        provider_id=agreement.provider_id,
        timesheet_id=fields.timesheet_id,
        period_start=fields.period_start,
        period_end=fields.period_end,
        hours=fields.hours,
        amount_pence=fields.amount_pence,
        method=method,
        supplementary_reason=(fields.supplementary_reason or "").strip() or None,
        recorded_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    if not await insert_once(session, payment):
        # The same key arrived twice at once: the other request's payment is the payment.
        replay = await _replayed_payment(session, agreement.holder_id, key, agreement_id, fields.timesheet_id)
        assert replay is not None
        return replay
    payment = await _by_key(session, agreement.holder_id, key)
    await _charge(session, payment, method, fields.card_payment_method_id, gateways)
    await session.flush()
    if payment.status is PaymentStatus.FAILED:
        await events.publish(events.Event.PAYMENT_FAILED, session, payment, now)
    return payment


async def _charge(
    session: AsyncSession, payment: Payment, method: PaymentMethod, card: str | None, gateways: Gateways
) -> None:
    """Asks the method's gateway to move the money and records what it answered on `payment`."""
    assert payment.id is not None
    try:
        card_customer = method is PaymentMethod.CARD
        customer = await _customer_for(session, payment.holder_id, gateways) if card_customer else None
        result = await gateways.for_method(method).charge(
            ChargeRequest(
                payment_id=payment.id,
                agreement_id=payment.agreement_id,
                holder_id=payment.holder_id,
                provider_id=payment.provider_id,
                amount_pence=payment.amount_pence,
                period_start=payment.period_start,
                period_end=payment.period_end,
                idempotency_key=rules.scoped_key(payment.holder_id, payment.idempotency_key),
                customer_id=customer,
                card_payment_method_id=(card or "").strip() or None,
            )
        )
    except GatewayUnavailable as error:
        raise Conflict(str(error), field="method") from error
    payment.status = OUTCOME_STATUS[result.outcome]
    payment.gateway_reference = result.reference
    payment.failure_reason = (result.failure_reason or "")[: rules.REASON_MAX] or None


async def _by_key(session: AsyncSession, holder_id: int, key: str) -> Payment:
    query = select(Payment).where(col(Payment.holder_id) == holder_id, col(Payment.idempotency_key) == key)
    return (await session.execute(query)).scalar_one()


async def _replayed_payment(
    session: AsyncSession, holder_id: int, key: str, agreement_id: int, timesheet_id: int | None = None
) -> Payment | None:
    """The payment already recorded under the holder's `key`, if it is this one again; a different
    use of the key (another agreement of the same holder, or another timesheet) is refused."""
    existing = (
        await session.execute(
            select(Payment).where(col(Payment.holder_id) == holder_id, col(Payment.idempotency_key) == key)
        )
    ).scalar_one_or_none()
    if existing is None:
        return None
    if existing.agreement_id != agreement_id or existing.timesheet_id != timesheet_id:
        raise Conflict(
            "This idempotency key was used for another payment; use a new key for a new payment.",
            field="idempotency_key",
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    return existing


async def _already_paid(session: AsyncSession, agreement_id: int, start: date, end: date) -> Payment | None:
    """A payment under the agreement that covers any of the days [start, end] and was not declined or
    refunded in full, if there is one."""
    query = (
        select(Payment)
        .where(
            col(Payment.agreement_id) == agreement_id,
            col(Payment.period_start) <= end,
            col(Payment.period_end) >= start,
            col(Payment.status).not_in(rules.NOT_PAID_STATUSES),
        )
        .order_by(col(Payment.period_start), col(Payment.id))
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _lock_agreement(session: AsyncSession, agreement_id: int) -> Agreement:
    """The agreement, read again under a row lock: payments under one agreement are checked (days
    already paid, keys already used) and written one at a time. On SQLite the write transaction
    already holds the database's write lock (`broker.db`)."""
    query = (
        select(Agreement)
        .where(col(Agreement.id) == agreement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one()


async def _customer_for(session: AsyncSession, holder_id: int, gateways: Gateways) -> str | None:
    found = await session.get(PaymentCustomer, holder_id)
    if found is not None:
        return found.stripe_customer_id
    customer_id = await gateways.card.create_customer(holder_id)
    if customer_id is None:
        return None
    if not await insert_once(session, PaymentCustomer(holder_id=holder_id, stripe_customer_id=customer_id)):
        # Another payment for the same holder created one first; use theirs.
        found = await session.get(PaymentCustomer, holder_id, populate_existing=True)
        assert found is not None
        return found.stripe_customer_id
    return customer_id
