"""Card payments through Stripe (localstripe) and `/webhooks/stripe`: signatures, replays, order."""

from __future__ import annotations

import json
import time
from datetime import date

import stripe
from strawberry.relay import from_base64

from broker.payments.models import Payment, PaymentCustomer, PaymentStatus, StripeEvent
from tests.factories import count, make_payment, reload
from tests.payments.conftest import API_KEY, sign
from tests.payments.test_recording import RECORD, REFUND, payment_input, world


def stripe_client(settings) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": settings.stripe_api_base})


def card(settings, number: str = "4242424242424242") -> str:
    """A payment method as Stripe.js would hand the browser one."""
    method = stripe_client(settings).v1.payment_methods.create(
        {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    return method.id


async def deliver(api, body: bytes, signature: str):
    return await api.http.post(
        "/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": signature, "content-type": "application/json"},
    )


async def pay_by_card(api, settings, agreement, user, *, number="4242424242424242", key="card-1"):
    variables = {
        "input": payment_input(
            agreement, method="CARD", cardPaymentMethodId=card(settings, number), idempotencyKey=key
        )
    }
    return (await api.data(RECORD, variables, as_user=user))["recordPayment"]


async def test_a_card_payment_goes_through_stripe_with_metadata_linking_agreement_and_period(
    api, db, settings
):
    *_, amina, amina_user, _, _, agreement = await world(db)

    result = await pay_by_card(api, settings, agreement, amina_user)

    assert result["userErrors"] == []
    assert result["payment"]["status"] == "SUCCEEDED"
    payment = await reload(db, Payment, int(_node_id(result["payment"]["id"])))
    intent = stripe_client(settings).v1.payment_intents.retrieve(payment.gateway_reference)
    customer = await reload(db, PaymentCustomer, amina.id)
    assert (intent.amount, intent.currency, intent.status, intent.customer) == (
        14500,
        "gbp",
        "succeeded",
        customer.stripe_customer_id,
    )
    assert intent.metadata.to_dict() == {
        "payment_id": str(payment.id),
        "agreement_id": str(agreement.id),
        "provider_id": str(agreement.provider_id),
        "period_start": "2026-11-16",
        "period_end": "2026-11-22",
    }


async def test_a_second_card_payment_reuses_the_holders_stripe_customer(api, db, settings):
    *_, amina_user, _, _, agreement = await world(db)
    await pay_by_card(api, settings, agreement, amina_user, key="card-1")

    await api.data(
        RECORD,
        {
            "input": payment_input(
                agreement,
                periodStart="2026-11-09",
                periodEnd="2026-11-15",
                method="CARD",
                cardPaymentMethodId=card(settings),
                idempotencyKey="card-2",
            )
        },
        as_user=amina_user,
    )

    assert await count(db, PaymentCustomer) == 1
    assert await count(db, Payment) == 2


async def test_a_declined_card_is_recorded_as_failed_with_the_reason(api, db, settings, webhook_inbox):
    *_, amina_user, _, _, agreement = await world(db)

    result = await pay_by_card(api, settings, agreement, amina_user, number="4000000000000341")

    assert result["userErrors"] == []
    assert result["payment"]["status"] == "FAILED"
    assert result["payment"]["failureReason"] == "Your card was declined. (card_declined)"
    assert await count(db, Payment) == 1


async def test_a_card_payment_key_sent_twice_charges_once(api, db, settings):
    *_, amina_user, _, _, agreement = await world(db)
    first = await pay_by_card(api, settings, agreement, amina_user, key="double-click")

    second = await pay_by_card(api, settings, agreement, amina_user, key="double-click")

    assert second == first
    customer = await reload(db, PaymentCustomer, agreement.holder_id)
    intents = stripe_client(settings).v1.payment_intents.list({"limit": 100})
    charged = [i for i in intents.data if i.customer == customer.stripe_customer_id]
    assert len(charged) == 1


async def test_a_card_refund_goes_back_through_stripe(api, db, settings):
    _, broker, _, amina_user, _, _, agreement = await world(db)
    paid = await pay_by_card(api, settings, agreement, amina_user)

    refunded = (
        await api.data(
            REFUND,
            {
                "input": {
                    "paymentId": paid["payment"]["id"],
                    "amountPence": 1450,
                    "reason": "An hour missed",
                    "idempotencyKey": "refund-1",
                }
            },
            as_user=broker,
        )
    )["refundPayment"]

    assert refunded["userErrors"] == []
    assert refunded["payment"]["status"] == "PARTIALLY_REFUNDED"
    payment = await reload(db, Payment, int(_node_id(paid["payment"]["id"])))
    refunds = stripe_client(settings).v1.refunds.list({"payment_intent": payment.gateway_reference})
    assert [r.amount for r in refunds.data] == [1450]


async def test_stripes_signed_webhook_is_accepted_once_and_a_replay_changes_nothing(
    api, db, settings, webhook_inbox
):
    *_, amina_user, _, _, agreement = await world(db)
    paid = await pay_by_card(api, settings, agreement, amina_user)
    payment = await reload(db, Payment, int(_node_id(paid["payment"]["id"])))
    delivery = webhook_inbox.wait_for("payment_intent.succeeded", payment.gateway_reference)

    first = await deliver(api, delivery.body, delivery.signature)
    replay = await deliver(api, delivery.body, delivery.signature)

    assert (first.status_code, first.json()) == (
        200,
        {"received": True, "outcome": f"payment {payment.id} already SUCCEEDED; left as it is"},
    )
    assert (replay.status_code, replay.json()) == (200, {"received": True, "outcome": "replay ignored"})
    assert await count(db, StripeEvent) == 1


async def test_a_webhook_moves_a_processing_card_payment_to_succeeded(api, db, settings, webhook_inbox):
    *_, _, _, _, agreement = await world(db)
    payment = await make_payment(
        db, agreement, period_start=date(2026, 11, 16), method="CARD", status="PROCESSING"
    )
    intent = stripe_client(settings).v1.payment_intents.create(
        {
            "amount": payment.amount_pence,
            "currency": "gbp",
            "payment_method": card(settings),
            "confirm": True,
            "metadata": {"payment_id": str(payment.id)},
        }
    )
    delivery = webhook_inbox.wait_for("payment_intent.succeeded", intent.id)

    response = await deliver(api, delivery.body, delivery.signature)

    assert response.json() == {"received": True, "outcome": f"payment {payment.id} SUCCEEDED"}
    stored = await reload(db, Payment, payment.id)
    assert (stored.status, stored.gateway_reference) == (PaymentStatus.SUCCEEDED, intent.id)


async def test_a_forged_signature_is_refused_and_nothing_changes(api, db):
    *_, _, _, _, agreement = await world(db)
    payment = await make_payment(
        db, agreement, period_start=date(2026, 11, 16), method="CARD", status="PROCESSING"
    )
    body = _event("evt_forged", "payment_intent.payment_failed", payment)

    wrong_secret = await deliver(api, body, sign(body, secret="whsec_someone_else"))
    no_signature = await deliver(api, body, "")
    altered = await deliver(api, body.replace(b"payment_failed", b"succeeded"), sign(body))

    assert [r.status_code for r in (wrong_secret, no_signature, altered)] == [400, 400, 400]
    assert wrong_secret.json() == {"error": "Bad or stale signature."}
    assert (await reload(db, Payment, payment.id)).status is PaymentStatus.PROCESSING
    assert await count(db, StripeEvent) == 0


async def test_a_stale_event_is_refused(api, db):
    *_, _, _, _, agreement = await world(db)
    payment = await make_payment(
        db, agreement, period_start=date(2026, 11, 16), method="CARD", status="PROCESSING"
    )
    body = _event("evt_stale", "payment_intent.succeeded", payment)

    response = await deliver(api, body, sign(body, at=int(time.time()) - 600))

    assert response.status_code == 400
    assert (await reload(db, Payment, payment.id)).status is PaymentStatus.PROCESSING


async def test_an_event_signed_in_the_future_is_refused(api, db):
    *_, _, _, _, agreement = await world(db)
    payment = await make_payment(
        db, agreement, period_start=date(2026, 11, 16), method="CARD", status="PROCESSING"
    )
    body = _event("evt_future", "payment_intent.succeeded", payment)

    next_year = await deliver(api, body, sign(body, at=int(time.time()) + 365 * 24 * 3600))
    ten_minutes_ahead = await deliver(api, body, sign(body, at=int(time.time()) + 600))

    assert [next_year.status_code, ten_minutes_ahead.status_code] == [400, 400]
    assert next_year.json() == {"error": "Bad or stale signature."}
    assert (await reload(db, Payment, payment.id)).status is PaymentStatus.PROCESSING
    assert await count(db, StripeEvent) == 0


async def test_events_out_of_order_never_move_a_payment_backwards(api, db):
    *_, _, _, _, agreement = await world(db)
    payment = await make_payment(
        db, agreement, period_start=date(2026, 11, 16), method="CARD", status="PENDING"
    )
    succeeded = _event("evt_2", "payment_intent.succeeded", payment)
    processing = _event("evt_1", "payment_intent.processing", payment)
    failed = _event("evt_3", "payment_intent.payment_failed", payment)

    outcomes = [
        (await deliver(api, body, sign(body))).json()["outcome"] for body in (succeeded, processing, failed)
    ]

    assert outcomes == [
        f"payment {payment.id} SUCCEEDED",
        f"payment {payment.id} already SUCCEEDED; left as it is",
        f"payment {payment.id} already SUCCEEDED; left as it is",
    ]
    assert (await reload(db, Payment, payment.id)).status is PaymentStatus.SUCCEEDED


async def test_a_refund_made_in_the_stripe_dashboard_reaches_the_payment(api, db):
    *_, _, _, _, agreement = await world(db)
    payment = await make_payment(
        db, agreement, period_start=date(2026, 11, 16), method="CARD", status="SUCCEEDED"
    )
    await _set_reference(db, payment, "pi_dashboard")
    body = json.dumps(
        {
            "id": "evt_refund",
            "object": "event",
            "type": "charge.refunded",
            "data": {
                "object": {
                    "id": "ch_1",
                    "object": "charge",
                    "payment_intent": "pi_dashboard",
                    "amount_refunded": 14500,
                }
            },
        }
    ).encode()

    response = await deliver(api, body, sign(body))

    assert response.json()["outcome"] == f"payment {payment.id} refunded 14500p"
    stored = await reload(db, Payment, payment.id)
    assert (stored.status, stored.refunded_pence) == (PaymentStatus.REFUNDED, 14500)


async def test_card_payments_are_refused_when_stripe_is_not_set_up(api, db, settings):
    *_, amina_user, _, _, agreement = await world(db)
    settings.stripe_api_key = None

    result = (
        await api.data(
            RECORD,
            {"input": payment_input(agreement, method="CARD", cardPaymentMethodId="pm_x")},
            as_user=amina_user,
        )
    )["recordPayment"]

    assert result["userErrors"] == [
        {
            "field": "input.method",
            "message": "Card payments are not set up on this service; record a bank transfer instead.",
            "code": "INVALID_STATE",
        }
    ]
    assert await count(db, Payment) == 0


def _node_id(global_id: str) -> str:
    return from_base64(global_id)[1]


def _event(event_id: str, event_type: str, payment: Payment) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "data": {
                "object": {
                    "id": f"pi_test_{payment.id}",
                    "object": "payment_intent",
                    "metadata": {"payment_id": str(payment.id)},
                    "last_payment_error": {"message": "Your card was declined."},
                }
            },
        }
    ).encode()


async def _set_reference(db, payment: Payment, reference: str) -> None:
    async with db.transaction() as session:
        row = await session.get(Payment, payment.id)
        row.gateway_reference = reference
