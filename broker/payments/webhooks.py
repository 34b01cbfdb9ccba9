"""Acting on Stripe's webhook events, once each, in any order.

The HTTP endpoint (`routes.py`) has already checked the signature and its age. Here: an event id seen
before is a replay and changes nothing; events move a payment only forwards along `rules.RANK`
(a late `processing` never undoes `succeeded`, a `payment_failed` never undoes a success).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import events
from broker.hygiene import MAX_INTEGER, text_problem, whole_number
from broker.payments import rules
from broker.payments.models import Payment, PaymentMethod, PaymentStatus, StripeEvent
from broker.payments.store import insert_once

_INTENT_STATUS = {
    "payment_intent.processing": PaymentStatus.PROCESSING,
    "payment_intent.succeeded": PaymentStatus.SUCCEEDED,
    "payment_intent.payment_failed": PaymentStatus.FAILED,
}


def _storable(value: str) -> str:
    if (problem := text_problem(value)) is not None:
        raise ValueError(problem)
    return value


Text = Annotated[StrictStr, AfterValidator(_storable), Field(max_length=255)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _PaymentError(_Shape):
    message: Annotated[StrictStr, AfterValidator(_storable)] | None = None


class _Object(_Shape):
    """The fields of a payment intent or a charge that `handle_event` reads; the rest is ignored."""

    id: Text | None = None
    metadata: dict[Text, Annotated[StrictStr, AfterValidator(_storable)]] = {}
    last_payment_error: _PaymentError | None = None
    payment_intent: Text | None = None
    amount_refunded: Annotated[StrictInt, Field(ge=0, le=MAX_INTEGER)] | None = None


class _Data(_Shape):
    object: _Object = _Object()


class _Event(_Shape):
    id: Annotated[Text, Field(min_length=1)]
    type: Text
    data: _Data = _Data()


def parse_event(payload: bytes) -> dict[str, Any]:
    """A signed delivery's body as the event `handle_event` reads, or ValueError when it is not one.

    The signature proves who sent the bytes, not that they are an event of the shape we read: a body
    that is not a JSON object, or whose fields have other types, text no database can hold or numbers
    past our keys, is refused here rather than failing half-way through a transaction.
    """
    try:
        raw = json.loads(payload)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error
    return _Event.model_validate(raw).model_dump(exclude_none=True)


async def _payment_for(session: AsyncSession, intent: Mapping[str, Any]) -> Payment | None:
    intent_id = intent.get("id")
    if intent_id:
        found = (
            await session.execute(
                select(Payment).where(Payment.gateway_reference == intent_id).with_for_update()
            )
        ).scalar_one_or_none()
        if found is not None:
            return found
    payment_id = whole_number(str((intent.get("metadata") or {}).get("payment_id", "")))
    if payment_id is None:
        return None
    found = (
        await session.execute(select(Payment).where(col(Payment.id) == payment_id).with_for_update())
    ).scalar_one_or_none()
    if found is None or found.method is not PaymentMethod.CARD:
        return None
    if found.gateway_reference not in (None, intent_id):
        return None
    return found


def _advance(payment: Payment, status: PaymentStatus) -> bool:
    """Moves `payment` to `status` if that is forwards; says whether it moved."""
    if rules.RANK[status] <= rules.RANK[payment.status]:
        return False
    payment.status = status
    return True


async def handle_event(session: AsyncSession, event: Mapping[str, Any], *, now: datetime) -> str:
    """Applies one verified event; returns what happened, in a few words, for the response and logs."""
    event_id = str(event.get("id", ""))
    event_type = str(event.get("type", ""))
    if await session.get(StripeEvent, event_id) is not None:
        return "replay ignored"
    obj = (event.get("data") or {}).get("object") or {}
    if event_type in _INTENT_STATUS:
        payment = await _payment_for(session, obj)
    elif event_type == "charge.refunded":
        payment = await _payment_for(session, {"id": obj.get("payment_intent"), "metadata": {}})
    else:
        return "event type not used"
    if payment is None:
        # Not ours (another integration on the account) or not committed yet; our own call already
        # recorded what Stripe answered, so nothing is lost by leaving it.
        return "no such payment"
    received = StripeEvent(
        event_id=event_id, event_type=event_type[:100], payment_id=payment.id, received_at=now
    )
    if not await insert_once(session, received):
        return "replay ignored"
    record = await session.get(StripeEvent, event_id)
    assert record is not None
    if event_type in _INTENT_STATUS:
        target = _INTENT_STATUS[event_type]
        if payment.gateway_reference is None:
            payment.gateway_reference = obj.get("id")
        if _advance(payment, target):
            if target is PaymentStatus.FAILED:
                error = obj.get("last_payment_error") or {}
                payment.failure_reason = (error.get("message") or "The card payment failed.")[
                    : rules.REASON_MAX
                ]
            payment.updated_at = now
            record.outcome = f"payment {payment.id} {target.value}"
            if target is PaymentStatus.FAILED:
                await session.flush()
                await events.publish(events.Event.PAYMENT_FAILED, session, payment, now)
        else:
            record.outcome = f"payment {payment.id} already {payment.status.value}; left as it is"
    else:
        refunded = int(obj.get("amount_refunded") or 0)
        if refunded > payment.refunded_pence:
            payment.refunded_pence = min(refunded, payment.amount_pence)
            full = payment.refunded_pence >= payment.amount_pence
            _advance(payment, PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED)
            payment.updated_at = now
            record.outcome = f"payment {payment.id} refunded {payment.refunded_pence}p"
        else:
            record.outcome = f"payment {payment.id} refund already recorded"
    await session.flush()
    return record.outcome
