"""Payments, refunds, the Stripe customer of each holder and the webhook events already processed.

Nothing here is ever deleted: a declined payment or a refund is a row with its reason.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from broker.columns import stored_enum
from broker.db import UTCDateTime, utcnow


class PaymentMethod(StrEnum):
    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    PAYROLL = "PAYROLL"
    PREPAID_CARD = "PREPAID_CARD"


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


class Payment(SQLModel, table=True):
    """Money paid to a provider under an agreement for the care of one period.

    Idempotency keys are the payer's own: unique per DP holder (whose DP account the money leaves),
    so nobody acting for another holder can claim or probe a key.
    """

    __table_args__ = (
        Index("ix_payment_holder_period", "holder_id", "period_start"),
        Index("ix_payment_council_period", "council_id", "period_start"),
        UniqueConstraint("holder_id", "idempotency_key", name="uq_payment_holder_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=100)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    council_id: int = Field(foreign_key="council.id")
    holder_id: int = Field(foreign_key="dp_holder.id")
    provider_id: int = Field(foreign_key="provider.id", index=True)
    # The approved timesheet this payment pays, if it was recorded against one (broker.timesheets).
    timesheet_id: int | None = Field(default=None, foreign_key="timesheet.id", index=True)
    period_start: date
    period_end: date
    hours: float
    amount_pence: int = Field(sa_type=BigInteger)
    refunded_pence: int = Field(default=0, sa_type=BigInteger)
    method: PaymentMethod = Field(sa_type=stored_enum(PaymentMethod))
    status: PaymentStatus = Field(default=PaymentStatus.PENDING, sa_type=stored_enum(PaymentStatus))
    failure_reason: str | None = Field(default=None, max_length=500)
    supplementary_reason: str | None = Field(default=None, max_length=500)
    gateway_reference: str | None = Field(default=None, max_length=255, unique=True)
    recorded_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Refund(SQLModel, table=True):
    """Money returned from a payment (wrongly paid, care not delivered); keys are unique per DP holder,
    as a payment's are."""

    __table_args__ = (UniqueConstraint("holder_id", "idempotency_key", name="uq_refund_holder_key"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=100)
    payment_id: int = Field(sa_column=Column(Integer, ForeignKey("payment.id"), nullable=False, index=True))
    holder_id: int = Field(foreign_key="dp_holder.id")
    amount_pence: int = Field(sa_type=BigInteger)
    reason: str = Field(default="", max_length=500)
    gateway_reference: str | None = Field(default=None, max_length=255)
    recorded_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PaymentCustomer(SQLModel, table=True):
    """The Stripe Customer that stands for one DP holder."""

    __tablename__ = "payment_customer"

    holder_id: int = Field(foreign_key="dp_holder.id", primary_key=True)
    stripe_customer_id: str = Field(max_length=255, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StripeEvent(SQLModel, table=True):
    """A webhook event already acted on; a replay of the same id is acknowledged and ignored."""

    __tablename__ = "stripe_event"

    event_id: str = Field(max_length=255, primary_key=True)
    event_type: str = Field(max_length=100)
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    outcome: str = Field(default="", max_length=200)
    received_at: datetime = Field(sa_type=UTCDateTime)
