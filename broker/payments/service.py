"""Use cases for payments: record one (card through Stripe, or the offline ledger), refund, list.

Who may do what: the holder, their representatives and the council's brokers pay under the holder's
agreements; providers see the payments made to them; brokers see their council's. A payment is tied to
an agreement that has started (ACTIVE, or ENDED for care given before its end date) and to a period
inside it, for hours that period and that agreement can hold (`rules`); days already paid under the
agreement are paid again only by a supplementary payment that says why.

Idempotency keys belong to the payer: the DP holder whose account the money leaves (the holder, their
representatives and their brokers all act for that account). A key is unique per holder in the
database: the same key again returns the first payment and writes nothing, whatever the gateway does
with keys, and nobody acting for another holder can claim it or learn that it was used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, false, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF, Role
from broker.agreements import service as agreements
from broker.agreements.models import Agreement
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.holders import service as holders
from broker.holders.models import DPHolder
from broker.payments import rules
from broker.payments.gateway import (
    ChargeOutcome,
    ChargeRequest,
    Gateways,
    GatewayUnavailable,
    RefundRequest,
)
from broker.payments.models import Payment, PaymentCustomer, PaymentMethod, PaymentStatus, Refund
from broker.payments.store import insert_once
from broker.providers.models import Provider


@dataclass(frozen=True)
class PaymentFields:
    agreement_id: int
    period_start: date
    period_end: date
    hours: float
    amount_pence: int
    method: str
    idempotency_key: str
    card_payment_method_id: str | None = None
    supplementary: bool = False
    supplementary_reason: str | None = None


@dataclass
class PaymentFilter:
    agreement_id: int | None = None
    holder_id: int | None = None
    provider_id: int | None = None
    status: PaymentStatus | None = None


# --- who sees ---------------------------------------------------------------------------------


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """Holders see their own payments, providers the payments to them, brokers their council's."""
    if actor is None:
        return false()
    if actor.is_platform_admin:
        return true()
    if actor.role in COUNCIL_STAFF:
        return Payment.council_id == actor.council_id
    if actor.role in (Role.DP_HOLDER, Role.REPRESENTATIVE):
        return Payment.holder_id.in_(select(DPHolder.id).where(holders.visible_clause(actor)))
    if actor.role is Role.PROVIDER:
        return Payment.provider_id.in_(select(Provider.id).where(Provider.owner_id == actor.user_id))
    return false()


async def _pays_for(session: AsyncSession, actor: Actor, holder_id: int) -> bool:
    holder = await session.get(DPHolder, holder_id)
    assert holder is not None
    return actor.is_staff_of(holder.council_id) or await holders.acts_for(session, actor, holder)


async def get_payment(session: AsyncSession, *, actor: Actor | None, payment_id: int) -> Payment | None:
    query = select(Payment).where(Payment.id == payment_id, visible_clause(actor))
    return (await session.execute(query)).scalar_one_or_none()


async def visible_payments(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, Payment]:
    rows = await session.execute(select(Payment).where(Payment.id.in_(ids), visible_clause(actor)))  # type: ignore[union-attr]
    return {p.id: p for p in rows.scalars() if p.id is not None}


async def list_payments(
    session: AsyncSession, *, actor: Actor, filters: PaymentFilter, limit: int, offset: int
) -> tuple[list[Payment], int]:
    """One page of the payments the actor may see, latest period first, and how many there are."""
    query = select(Payment).where(visible_clause(actor))
    if filters.agreement_id is not None:
        query = query.where(Payment.agreement_id == filters.agreement_id)
    if filters.holder_id is not None:
        query = query.where(Payment.holder_id == filters.holder_id)
    if filters.provider_id is not None:
        query = query.where(Payment.provider_id == filters.provider_id)
    if filters.status is not None:
        query = query.where(Payment.status == filters.status)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.order_by(Payment.period_start.desc(), Payment.id.desc()).limit(limit).offset(offset)  # type: ignore[attr-defined]
    )
    return list(rows.scalars()), total


# --- recording --------------------------------------------------------------------------------


def _check_key(key: str, field: str) -> str:
    key = key.strip()
    if not 1 <= len(key) <= rules.IDEMPOTENCY_KEY_MAX:
        raise InvalidInput(
            f"An idempotency key is 1 to {rules.IDEMPOTENCY_KEY_MAX} characters.",
            field=field,
            code=ErrorCode.OUT_OF_RANGE,
        )
    return key


async def _replayed_payment(
    session: AsyncSession, holder_id: int, key: str, agreement_id: int
) -> Payment | None:
    """The payment already recorded under the holder's `key`, if it is this one again; a different
    use of the key (another agreement of the same holder) is refused."""
    existing = (
        await session.execute(
            select(Payment).where(Payment.holder_id == holder_id, Payment.idempotency_key == key)
        )
    ).scalar_one_or_none()
    if existing is None:
        return None
    if existing.agreement_id != agreement_id:
        raise Conflict(
            "This idempotency key was used for another payment; use a new key for a new payment.",
            field="input.idempotencyKey",
            code=ErrorCode.DUPLICATE,
        )
    return existing


def _parse_method(text: str, problems: Problems) -> PaymentMethod | None:
    try:
        return PaymentMethod(text.strip().upper())
    except ValueError:
        names = ", ".join(m.value for m in PaymentMethod)
        problems.add("input.method", f"A payment method is one of {names}.", ErrorCode.UNKNOWN_CODE)
        return None


def validate_payment(
    fields: PaymentFields, agreement: Agreement, today: date
) -> tuple[PaymentMethod | None, Problems]:
    """Every problem with a payment for `agreement`, collected (nothing is looked up here)."""
    problems = Problems()
    method = _parse_method(fields.method, problems)
    start, end = fields.period_start, fields.period_end
    if end < start:
        problems.add("input.periodEnd", "A period cannot end before it starts.", ErrorCode.OUT_OF_RANGE)
    else:
        if (end - start).days + 1 > rules.MAX_PERIOD_DAYS:
            problems.add(
                "input.periodEnd",
                f"A payment covers at most {rules.MAX_PERIOD_DAYS} days; record one payment a pay period.",
                ErrorCode.OUT_OF_RANGE,
            )
        if start < agreement.start_date:
            problems.add(
                "input.periodStart",
                f"The agreement starts on {agreement.start_date:%-d %B %Y}; this period is before it.",
                ErrorCode.OUT_OF_RANGE,
            )
        if agreement.end_date is not None and end > agreement.end_date:
            problems.add(
                "input.periodEnd",
                f"The agreement ends on {agreement.end_date:%-d %B %Y}; this period runs past it.",
                ErrorCode.OUT_OF_RANGE,
            )
        if start > today:
            problems.add(
                "input.periodStart", "Care in this period has not started yet.", ErrorCode.OUT_OF_RANGE
            )
    days = (end - start).days + 1 if end >= start else None
    hours_ok = _check_hours(fields.hours, days, agreement, problems)
    if fields.amount_pence <= 0:
        problems.add(
            "input.amountPence",
            "An amount must be more than £0; amounts are in pence.",
            ErrorCode.OUT_OF_RANGE,
        )
    elif hours_ok:
        expected = fields.hours * agreement.hourly_rate_pence
        if abs(fields.amount_pence - expected) > rules.tolerance_pence(expected):
            problems.add(
                "input.amountPence",
                f"£{fields.amount_pence / 100:,.2f} does not match {fields.hours:g} hours at the agreed "
                f"£{agreement.hourly_rate_pence / 100:.2f} an hour (£{expected / 100:,.2f}).",
                ErrorCode.OUT_OF_RANGE,
            )
    if method is PaymentMethod.CARD and not (fields.card_payment_method_id or "").strip():
        problems.add(
            "input.cardPaymentMethodId",
            "A card payment needs the card (a Stripe payment method).",
            ErrorCode.REQUIRED,
        )
    reason = (fields.supplementary_reason or "").strip()
    if fields.supplementary and not reason:
        problems.add("input.supplementaryReason", "Say why these days are paid again.", ErrorCode.REQUIRED)
    elif reason and not fields.supplementary:
        problems.add(
            "input.supplementaryReason",
            "Only a supplementary payment has a reason; set `supplementary` to pay days again.",
            ErrorCode.INVALID,
        )
    elif len(reason) > rules.REASON_MAX:
        problems.add(
            "input.supplementaryReason", f"At most {rules.REASON_MAX} characters.", ErrorCode.TOO_LONG
        )
    return method, problems


def _check_hours(hours: float, days: int | None, agreement: Agreement, problems: Problems) -> bool:
    """Hours are finite, at least `rules.MIN_HOURS`, and no more than the period (every hour of every
    day) and the agreement (`rules.agreed_hours`) can hold; says whether they are."""
    if not math.isfinite(hours) or hours <= 0:
        problems.add("input.hours", "Hours must be more than 0.", ErrorCode.OUT_OF_RANGE)
        return False
    if hours < rules.MIN_HOURS:
        problems.add(
            "input.hours",
            f"A payment is for at least {rules.MIN_HOURS:g} hours (a quarter of an hour).",
            ErrorCode.OUT_OF_RANGE,
        )
        return False
    if days is None:
        return True
    most = rules.period_hours(days)
    if hours > most:
        problems.add(
            "input.hours",
            f"{days} {'days hold' if days > 1 else 'day holds'} at most {most:g} hours; "
            f"{hours:g} cannot be right.",
            ErrorCode.OUT_OF_RANGE,
        )
        return False
    agreed = rules.agreed_hours(agreement.hours_per_week, days)
    if hours > agreed:
        problems.add(
            "input.hours",
            f"The agreement is for {agreement.hours_per_week:g} hours a week: at most {agreed:g} hours "
            f"for these {days} days ({rules.AGREED_HOURS_SHARE - 1:.0%} over included).",
            ErrorCode.OUT_OF_RANGE,
        )
        return False
    return True


async def _already_paid(session: AsyncSession, agreement_id: int, start: date, end: date) -> Payment | None:
    """A payment under the agreement that covers any of the days [start, end] and was not declined or
    refunded in full, if there is one."""
    query = (
        select(Payment)
        .where(
            Payment.agreement_id == agreement_id,
            Payment.period_start <= end,
            Payment.period_end >= start,
            Payment.status.not_in(rules.NOT_PAID_STATUSES),  # type: ignore[attr-defined]
        )
        .order_by(Payment.period_start, Payment.id)
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _lock_agreement(session: AsyncSession, agreement_id: int) -> Agreement:
    """The agreement, read again under a row lock: payments under one agreement are checked (days
    already paid, keys already used) and written one at a time. On SQLite the write transaction
    already holds the database's write lock (`broker.db`)."""
    query = (
        select(Agreement)
        .where(Agreement.id == agreement_id)
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
    key = _check_key(fields.idempotency_key, "input.idempotencyKey")
    agreement = await agreements.get_agreement(session, actor=actor, agreement_id=fields.agreement_id)
    if agreement is None:
        raise NotFound("No agreement with this ID.", field="input.agreementId")
    if not await _pays_for(session, actor, agreement.holder_id):
        raise PermissionDenied(
            "Only the person, their representatives or their broker record payments.",
            field="input.agreementId",
        )
    agreement = await _lock_agreement(session, agreement.id)  # type: ignore[arg-type]
    replay = await _replayed_payment(session, agreement.holder_id, key, agreement.id)  # type: ignore[arg-type]
    if replay is not None:
        return replay
    if not agreement.is_started:
        raise Conflict(
            f"This agreement is {agreement.status.value}; payments are for agreements that have started.",
            field="input.agreementId",
        )
    method, problems = validate_payment(fields, agreement, today)
    problems.raise_if_any()
    assert method is not None
    paid = await _already_paid(session, agreement.id, fields.period_start, fields.period_end)  # type: ignore[arg-type]
    if paid is not None and not fields.supplementary:
        raise Conflict(
            f"{paid.period_start:%-d %B %Y} to {paid.period_end:%-d %B %Y} is already paid under this "
            "agreement; to pay any of these days again, make it a supplementary payment and say why.",
            field="input.periodStart",
            code=ErrorCode.OVERLAPPING,
        )
    payment = Payment(
        idempotency_key=key,
        agreement_id=agreement.id,  # type: ignore[arg-type]
        council_id=agreement.council_id,
        holder_id=agreement.holder_id,
        provider_id=agreement.provider_id,
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
        replay = await _replayed_payment(session, agreement.holder_id, key, agreement.id)  # type: ignore[arg-type]
        assert replay is not None
        return replay
    payment = (
        await session.execute(
            select(Payment).where(Payment.holder_id == agreement.holder_id, Payment.idempotency_key == key)
        )
    ).scalar_one()
    gateway = gateways.for_method(method)
    try:
        customer = (
            await _customer_for(session, agreement.holder_id, gateways)
            if method is PaymentMethod.CARD
            else None
        )
        result = await gateway.charge(
            ChargeRequest(
                payment_id=payment.id,  # type: ignore[arg-type]
                agreement_id=payment.agreement_id,
                holder_id=payment.holder_id,
                provider_id=payment.provider_id,
                amount_pence=payment.amount_pence,
                period_start=payment.period_start,
                period_end=payment.period_end,
                idempotency_key=rules.scoped_key(payment.holder_id, key),
                customer_id=customer,
                card_payment_method_id=(fields.card_payment_method_id or "").strip() or None,
            )
        )
    except GatewayUnavailable as error:
        raise Conflict(str(error), field="input.method") from error
    payment.status = {
        ChargeOutcome.SUCCEEDED: PaymentStatus.SUCCEEDED,
        ChargeOutcome.PROCESSING: PaymentStatus.PROCESSING,
        ChargeOutcome.FAILED: PaymentStatus.FAILED,
    }[result.outcome]
    payment.gateway_reference = result.reference
    payment.failure_reason = (result.failure_reason or "")[: rules.REASON_MAX] or None
    await session.flush()
    return payment


async def refund_payment(
    session: AsyncSession,
    *,
    actor: Actor,
    payment_id: int,
    amount_pence: int | None,
    reason: str,
    idempotency_key: str,
    gateways: Gateways,
    now: datetime,
) -> Payment:
    """Returns some or all of a succeeded payment to the DP account; the refund is a row of its own.

    The payment is read under a row lock (on SQLite the write transaction holds the database's write
    lock), and what is refunded is added in SQL only while it still fits the payment, so concurrent
    refunds can never return more than was paid nor lose one another's amounts. The idempotency key
    is the holder's, as a payment's is.
    """
    key = _check_key(idempotency_key, "input.idempotencyKey")
    payment = (
        await session.execute(
            select(Payment)
            .where(Payment.id == payment_id, visible_clause(actor))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if payment is None:
        raise NotFound("No payment with this ID.", field="input.paymentId")
    if not await _pays_for(session, actor, payment.holder_id):
        raise PermissionDenied(
            "Only the person, their representatives or their broker refund.", field="input.paymentId"
        )
    if await _replayed_refund(session, payment, key):
        return payment
    if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED):
        raise Conflict(f"A {payment.status.value} payment cannot be refunded.", field="input.paymentId")
    remaining = payment.amount_pence - payment.refunded_pence
    amount = remaining if amount_pence is None else amount_pence
    problems = Problems()
    if amount <= 0:
        problems.add(
            "input.amountPence",
            "A refund must be more than £0; amounts are in pence.",
            ErrorCode.OUT_OF_RANGE,
        )
    elif amount > remaining:
        problems.add("input.amountPence", _left_to_refund(remaining), ErrorCode.OUT_OF_RANGE)
    text = reason.strip()
    if not text:
        problems.add("input.reason", "Say why the money is returned.", ErrorCode.REQUIRED)
    elif len(text) > rules.REASON_MAX:
        problems.add("input.reason", f"At most {rules.REASON_MAX} characters.", ErrorCode.TOO_LONG)
    problems.raise_if_any()
    refund = Refund(
        idempotency_key=key,
        payment_id=payment_id,
        holder_id=payment.holder_id,
        amount_pence=amount,
        reason=text,
        recorded_by_id=actor.user_id,
        created_at=now,
    )
    if not await insert_once(session, refund):
        if await _replayed_refund(session, payment, key):
            return payment
        raise Conflict(
            "This refund is being recorded by another request.",
            field="input.idempotencyKey",
            code=ErrorCode.DUPLICATE,
        )
    refund = (
        await session.execute(
            select(Refund).where(Refund.holder_id == payment.holder_id, Refund.idempotency_key == key)
        )
    ).scalar_one()
    claimed = (
        await session.execute(
            update(Payment)
            .where(Payment.id == payment_id, Payment.refunded_pence + amount <= Payment.amount_pence)
            .values(refunded_pence=Payment.refunded_pence + amount, updated_at=now)
            .returning(Payment.refunded_pence)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    await session.refresh(payment)
    if claimed is None:
        raise InvalidInput(
            _left_to_refund(payment.amount_pence - payment.refunded_pence),
            field="input.amountPence",
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
        raise Conflict(str(error), field="input.paymentId") from error
    refund.gateway_reference = result.reference
    payment.status = (
        PaymentStatus.REFUNDED
        if payment.refunded_pence >= payment.amount_pence
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    await session.flush()
    return payment


def _left_to_refund(remaining: int) -> str:
    return f"At most £{remaining / 100:,.2f} of this payment is left to refund."


async def _replayed_refund(session: AsyncSession, payment: Payment, key: str) -> bool:
    """Whether the holder's `key` already refunded this payment; used for another payment, refused."""
    existing = (
        await session.execute(
            select(Refund).where(Refund.holder_id == payment.holder_id, Refund.idempotency_key == key)
        )
    ).scalar_one_or_none()
    if existing is None:
        return False
    if existing.payment_id != payment.id:
        raise Conflict(
            "This idempotency key was used for another refund.",
            field="input.idempotencyKey",
            code=ErrorCode.DUPLICATE,
        )
    return True
