"""Card payments through Stripe with the official SDK: a Customer per DP holder, a PaymentIntent per
payment (metadata linking agreement and period, our idempotency key passed on), refunds.

The SDK is synchronous here (its default HTTP client); each call runs in a worker thread so the event
loop keeps serving. `BROKER_STRIPE_API_BASE` points it at localstripe in tests.
"""

from __future__ import annotations

import asyncio
from typing import Any

import stripe

from broker.payments.gateway import (
    ChargeOutcome,
    ChargeRequest,
    ChargeResult,
    GatewayUnavailable,
    RefundRequest,
    RefundResult,
)

CURRENCY = "gbp"
_OUTCOMES = {
    "succeeded": ChargeOutcome.SUCCEEDED,
    "processing": ChargeOutcome.PROCESSING,
    "requires_capture": ChargeOutcome.PROCESSING,
}


class StripeGateway:
    def __init__(self, *, api_key: str, api_base: str | None = None) -> None:
        bases: Any = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(api_key, base_addresses=bases, max_network_retries=2)

    async def _call(self, function: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(function, *args)
        except stripe.CardError:
            raise
        except stripe.StripeError as error:
            raise GatewayUnavailable(f"Stripe refused the request: {error.user_message or error}") from error

    async def create_customer(self, holder_id: int) -> str | None:
        customer = await self._call(
            self.client.v1.customers.create, {"metadata": {"dp_holder_id": str(holder_id)}}
        )
        return customer.id

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        if not request.card_payment_method_id:
            raise GatewayUnavailable("A card payment needs the card's payment method.")
        metadata = {
            "payment_id": str(request.payment_id),
            "agreement_id": str(request.agreement_id),
            "provider_id": str(request.provider_id),
            "period_start": request.period_start.isoformat(),
            "period_end": request.period_end.isoformat(),
        }
        try:
            if request.customer_id:
                await self._call(
                    self.client.v1.payment_methods.attach,
                    request.card_payment_method_id,
                    {"customer": request.customer_id},
                )
            intent = await self._call(
                self.client.v1.payment_intents.create,
                {
                    "amount": request.amount_pence,
                    "currency": CURRENCY,
                    "customer": request.customer_id,
                    "payment_method": request.card_payment_method_id,
                    "confirm": True,
                    "metadata": metadata,
                },
                {"idempotency_key": f"payment-{request.idempotency_key}"},
            )
        except stripe.CardError as error:
            reference = getattr(getattr(error, "error", None), "payment_intent", None)
            return ChargeResult(
                ChargeOutcome.FAILED,
                reference=reference.get("id") if isinstance(reference, dict) else None,
                failure_reason=f"{error.user_message or 'The card was declined.'} "
                f"({error.code or 'declined'})",
            )
        outcome = _OUTCOMES.get(intent.status)
        if outcome is None:
            last_error = intent.to_dict().get("last_payment_error") or {}
            return ChargeResult(
                ChargeOutcome.FAILED,
                reference=intent.id,
                failure_reason=last_error.get("message") or f"The payment needs attention ({intent.status}).",
            )
        return ChargeResult(outcome, reference=intent.id)

    async def refund(self, request: RefundRequest) -> RefundResult:
        if not request.payment_reference:
            raise GatewayUnavailable("This card payment never reached Stripe, so there is nothing to refund.")
        refund = await self._call(
            self.client.v1.refunds.create,
            {
                "payment_intent": request.payment_reference,
                "amount": request.amount_pence,
                "metadata": {"payment_id": str(request.payment_id)},
            },
            {"idempotency_key": f"refund-{request.idempotency_key}"},
        )
        return RefundResult(reference=refund.id)
