"""The `PaymentGateway` protocol and the offline ledger; `stripe_gateway.py` is the card twin.

A gateway moves (or, for the ledger, records) money for one payment or refund and says what
happened. It never decides whether a payment is allowed: `service.py` does, before any gateway is
asked. Idempotency is ours, not the gateway's: the database holds each key once (localstripe, the
test double for Stripe, ignores idempotency keys), and the key is passed on for gateways that honour it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from broker.payments.models import PaymentMethod

if TYPE_CHECKING:
    from broker.settings import Settings


class ChargeOutcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    PROCESSING = "PROCESSING"
    FAILED = "FAILED"


@dataclass(frozen=True)
class ChargeRequest:
    payment_id: int
    agreement_id: int
    holder_id: int
    provider_id: int
    amount_pence: int
    period_start: date
    period_end: date
    idempotency_key: str
    customer_id: str | None = None
    card_payment_method_id: str | None = None


@dataclass(frozen=True)
class ChargeResult:
    outcome: ChargeOutcome
    reference: str | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    payment_id: int
    payment_reference: str | None
    amount_pence: int
    idempotency_key: str


@dataclass(frozen=True)
class RefundResult:
    reference: str | None


class GatewayUnavailable(Exception):
    """The gateway could not be reached or refused the call for a reason that is not the card's."""


class PaymentGateway(Protocol):
    """Moves money for one payment or refund.

    `charge` must not raise for a declined card: it returns FAILED with the reason, so the decline is
    recorded. It raises GatewayUnavailable when it cannot tell what happened (network, credentials);
    the caller then writes nothing, and a retry with the same idempotency key is safe.
    """

    async def create_customer(self, holder_id: int) -> str | None:
        """A new gateway customer standing for a DP holder (None for a gateway without customers)."""
        ...

    async def charge(self, request: ChargeRequest) -> ChargeResult: ...

    async def refund(self, request: RefundRequest) -> RefundResult: ...


class OfflineLedger:
    """Bank transfers, payroll runs and pre-paid card spend happen outside this service; the broker or
    the holder records them here as they appear on a statement, so they have already succeeded."""

    async def create_customer(self, holder_id: int) -> str | None:
        return None

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        return ChargeResult(ChargeOutcome.SUCCEEDED)

    async def refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(reference=None)


class CardsNotSetUp:
    """Stands in for Stripe when no `BROKER_STRIPE_API_KEY` is configured (the embedded default)."""

    async def create_customer(self, holder_id: int) -> str | None:
        raise GatewayUnavailable(
            "Card payments are not set up on this service; record a bank transfer instead."
        )

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        raise GatewayUnavailable(
            "Card payments are not set up on this service; record a bank transfer instead."
        )

    async def refund(self, request: RefundRequest) -> RefundResult:
        raise GatewayUnavailable("Card payments are not set up on this service.")


@dataclass(frozen=True)
class Gateways:
    """Which gateway handles which method: the one seam between the embedded and production set-ups."""

    card: PaymentGateway
    ledger: PaymentGateway

    def for_method(self, method: PaymentMethod) -> PaymentGateway:
        return self.card if method is PaymentMethod.CARD else self.ledger


def gateways_from_settings(settings: Settings) -> Gateways:
    """Stripe for cards when a key is configured, else cards are refused; the ledger for the rest."""
    if settings.stripe_api_key is None:
        return Gateways(card=CardsNotSetUp(), ledger=OfflineLedger())
    from broker.payments.stripe_gateway import StripeGateway

    return Gateways(
        card=StripeGateway(
            api_key=settings.stripe_api_key.get_secret_value(), api_base=settings.stripe_api_base
        ),
        ledger=OfflineLedger(),
    )
