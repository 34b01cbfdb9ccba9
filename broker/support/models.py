"""DP support services: a council's lead contract, the lead's subcontracts, and each person's referral."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from broker.columns import stored_enum
from broker.db import UTCDateTime, utcnow


class SubcontractStatus(StrEnum):
    PROPOSED = "PROPOSED"  # waiting for the lead and the subcontractor to accept
    ACTIVE = "ACTIVE"
    DECLINED = "DECLINED"
    ENDED = "ENDED"


class ReferralRoute(StrEnum):
    DIRECT = "DIRECT"  # the person chose the lead provider
    SUBCONTRACT = "SUBCONTRACT"  # the person chose another organisation; the lead subcontracts to it


class ReferralStatus(StrEnum):
    WAITING_FOR_SUBCONTRACT = "WAITING_FOR_SUBCONTRACT"
    SUBCONTRACT_DECLINED = "SUBCONTRACT_DECLINED"
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


class LeadContract(SQLModel, table=True):
    """The council's contract with one lead provider for a set of DP support services.

    Dates are inclusive days. `services` holds taxonomy codes of the DP_SUPPORT group.
    """

    __tablename__ = "lead_contract"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_date: date
    end_date: date
    annual_value_pence: int = Field(sa_type=BigInteger)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Subcontract(SQLModel, table=True):
    """The lead provider passes some of its contracted services to another organisation.

    It is ACTIVE only once both the lead and the subcontractor have accepted it.
    """

    __tablename__ = "subcontract"

    id: int | None = Field(default=None, primary_key=True)
    lead_contract_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("lead_contract.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    council_id: int = Field(foreign_key="council.id", index=True)
    subcontractor_id: int = Field(foreign_key="provider.id", index=True)
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_date: date
    end_date: date
    status: SubcontractStatus = Field(
        default=SubcontractStatus.PROPOSED, sa_type=stored_enum(SubcontractStatus)
    )
    lead_accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    subcontractor_accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decline_reason: str | None = Field(default=None, max_length=500)
    proposed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    proposed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SupportReferral(SQLModel, table=True):
    """A person's choice of DP support provider, the route it took and where it has got to."""

    __tablename__ = "support_referral"
    __table_args__ = (Index("ix_support_referral_council_created", "council_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id")
    holder_id: int = Field(foreign_key="dp_holder.id", index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    lead_provider_id: int = Field(foreign_key="provider.id")
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    route: ReferralRoute = Field(sa_type=stored_enum(ReferralRoute))
    status: ReferralStatus = Field(sa_type=stored_enum(ReferralStatus))
    lead_contract_id: int = Field(foreign_key="lead_contract.id", index=True)
    subcontract_id: int | None = Field(default=None, foreign_key="subcontract.id", index=True)
    decline_reason: str | None = Field(default=None, max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
