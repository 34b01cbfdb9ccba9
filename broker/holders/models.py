"""A DP holder's profile and the representatives who act with them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from broker.columns import stored_enum
from broker.db import UTCDateTime, utcnow


class DPHolding(StrEnum):
    """How the direct payment is held; the person's choice, and they may change it."""

    PREPAID_CARD = "PREPAID_CARD"
    BANK_ACCOUNT = "BANK_ACCOUNT"
    MANAGED_ACCOUNT = "MANAGED_ACCOUNT"
    INDIVIDUAL_SERVICE_FUND = "INDIVIDUAL_SERVICE_FUND"


class DPHolder(SQLModel, table=True):
    """One per DP_HOLDER user: the personal budget and where the person lives."""

    __tablename__ = "dp_holder"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", unique=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    weekly_budget_pence: int = Field(sa_type=BigInteger)
    held_as: DPHolding = Field(sa_type=stored_enum(DPHolding))
    home_postcode: str = Field(max_length=8)
    postcode_district: str = Field(max_length=4)
    latitude: float
    longitude: float
    # The person asked the council to approve their PAs' timesheets for them (broker.timesheets.access).
    council_approves_timesheets: bool = False
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HolderRepresentative(SQLModel, table=True):
    """A REPRESENTATIVE user (family member, suitable person) who acts with and for a holder."""

    __tablename__ = "dp_holder_representative"

    holder_id: int = Field(
        sa_column=Column(Integer, ForeignKey("dp_holder.id", ondelete="CASCADE"), primary_key=True)
    )
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, index=True)
