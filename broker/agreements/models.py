"""Requests to providers, agreements (who, which needs, hours, rate, schedule, dates) and their history,
and the merchant categories a council's pre-paid cards decline."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from broker.columns import part_of, stored_enum
from broker.db import UTCDateTime, utcnow


class RequestStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"


class AgreementStatus(StrEnum):
    PROPOSED = "PROPOSED"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    CANCELLED = "CANCELLED"


class CareRequest(SQLModel, table=True):
    """A holder (or their representative, or a broker) asks a provider to take on some of a plan's needs."""

    __tablename__ = "care_request"
    __table_args__ = (Index("ix_care_request_provider_status", "provider_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    holder_id: int = Field(foreign_key="dp_holder.id", index=True)
    plan_id: int = Field(foreign_key="support_plan.id", index=True)
    provider_id: int = Field(foreign_key="provider.id")
    need_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: RequestStatus = Field(default=RequestStatus.PENDING, sa_type=stored_enum(RequestStatus))
    sent_by_id: int = Field(foreign_key="user_account.id")
    sent_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    responded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    # True when council staff answered for a listing without its own sign-in (never for one with it).
    responded_on_behalf: bool = False
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=1000)


class Agreement(SQLModel, table=True):
    """What was agreed: provider, holder, plan needs, hours a week, hourly rate, slots, start/end dates.

    For DP support services (payroll, managed accounts...) `lead_contract_id` names the council's lead
    contract the agreement runs under and `subcontract_id` the lead's subcontract to this provider, if
    any (`broker.support.service.covering_contract`); both stay null for care agreements.
    """

    __table_args__ = (
        Index("ix_agreement_provider_status", "provider_id", "status"),
        Index("ix_agreement_holder_status", "holder_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    holder_id: int = Field(foreign_key="dp_holder.id")
    plan_id: int = Field(foreign_key="support_plan.id", index=True)
    provider_id: int = Field(foreign_key="provider.id")
    request_id: int | None = Field(default=None, foreign_key="care_request.id", unique=True)
    status: AgreementStatus = Field(default=AgreementStatus.PROPOSED, sa_type=stored_enum(AgreementStatus))
    hours_per_week: float
    hourly_rate_pence: int = Field(sa_type=BigInteger)
    start_date: date
    end_date: date | None = None
    end_reason: str = Field(default="", max_length=1000)
    lead_contract_id: int | None = Field(default=None, foreign_key="lead_contract.id", index=True)
    subcontract_id: int | None = Field(default=None, foreign_key="subcontract.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_started(self) -> bool:
        """Care has been agreed and begun: ACTIVE, or ENDED (care was given before its end date).
        Payments, the budget and the audit all mean this by "started"."""
        return self.status in STARTED

    def holds_capacity_on(self, day: date) -> bool:
        """The provider's hours are this agreement's on `day`: it is ACTIVE or ENDED, and `day` lies
        between its start and end dates (an end date is the last day of care). An agreement ended
        with a future date holds the hours until then; one whose end date has passed holds none."""
        if not self.is_started or day < self.start_date:
            return False
        return self.end_date is None or day <= self.end_date


# Statuses of an agreement whose care has begun (see `Agreement.is_started`).
STARTED = frozenset({AgreementStatus.ACTIVE, AgreementStatus.ENDED})


class AgreementNeed(SQLModel, table=True):
    """A plan need the agreement meets, copied as it was agreed (the plan may change afterwards)."""

    __tablename__ = "agreement_need"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(sa_column=part_of("agreement.id"))
    need_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("plan_need.id", ondelete="SET NULL"), index=True)
    )
    service_code: str = Field(max_length=40)
    hours_per_week: float
    budgeted_rate_pence: int = Field(sa_type=BigInteger)


class AgreementSlot(SQLModel, table=True):
    """A weekly window the provider works under the agreement, Europe/London local time (minutes)."""

    __tablename__ = "agreement_slot"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(sa_column=part_of("agreement.id"))
    day: int
    start_minute: int
    end_minute: int


class AgreementBand(SQLModel, table=True):
    """An agreement's slot minutes in one time band (`broker/timebands.py`) and its slots' total,
    written with its slots (which never change): its hours split across the bands market reports
    group by. An agreement without slots has no rows."""

    __tablename__ = "agreement_band"

    agreement_id: int = Field(
        sa_column=Column(Integer, ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True)
    )
    band: str = Field(primary_key=True, max_length=20)
    minutes: int
    total_minutes: int


class AgreementTransition(SQLModel, table=True):
    """One change of an agreement's status: who, when, from what to what, and why."""

    __tablename__ = "agreement_transition"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(sa_column=part_of("agreement.id"))
    from_status: AgreementStatus | None = Field(default=None, sa_type=stored_enum(AgreementStatus))
    to_status: AgreementStatus = Field(sa_type=stored_enum(AgreementStatus))
    by_id: int = Field(foreign_key="user_account.id")
    at: datetime = Field(sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=1000)


class BlockedMerchantCategory(SQLModel, table=True):
    """A card merchant category code a council's pre-paid cards decline (e.g. 7299 "personal services")."""

    __tablename__ = "blocked_merchant_category"
    __table_args__ = (UniqueConstraint("council_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    code: str = Field(max_length=4)
    description: str = Field(default="", max_length=120)
