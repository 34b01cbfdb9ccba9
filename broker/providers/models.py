"""Provider listings and what hangs off them: services, availability slots, accreditation checks."""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from broker.columns import stored_enum
from broker.db import UTCDateTime, utcnow


class ProviderKind(StrEnum):
    PA = "PA"
    AGENCY = "AGENCY"
    SUPPORT_ORG = "SUPPORT_ORG"


class ProviderStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    SUSPENDED = "SUSPENDED"


class Gender(StrEnum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    NON_BINARY = "NON_BINARY"


class Weekday(IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class CheckType(StrEnum):
    DBS_ENHANCED = "DBS_ENHANCED"
    CQC_REGISTRATION = "CQC_REGISTRATION"
    COUNCIL_APPROVAL = "COUNCIL_APPROVAL"
    PUBLIC_LIABILITY_INSURANCE = "PUBLIC_LIABILITY_INSURANCE"
    EMPLOYERS_LIABILITY_INSURANCE = "EMPLOYERS_LIABILITY_INSURANCE"
    TRAINING = "TRAINING"


class CheckStatus(StrEnum):
    PASSED = "PASSED"
    PENDING = "PENDING"
    FAILED = "FAILED"
    REVOKED = "REVOKED"


class CqcRating(StrEnum):
    OUTSTANDING = "OUTSTANDING"
    GOOD = "GOOD"
    REQUIRES_IMPROVEMENT = "REQUIRES_IMPROVEMENT"
    INADEQUATE = "INADEQUATE"
    NOT_YET_RATED = "NOT_YET_RATED"


class Provider(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    kind: ProviderKind = Field(sa_type=stored_enum(ProviderKind), index=True)
    status: ProviderStatus = Field(
        default=ProviderStatus.DRAFT, sa_type=stored_enum(ProviderStatus), index=True
    )
    name: str = Field(max_length=120)
    bio: str = Field(default="", max_length=4000)
    gender: Gender | None = Field(default=None, sa_type=stored_enum(Gender))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    base_postcode: str | None = Field(default=None, max_length=8)
    postcode_district: str | None = Field(default=None, max_length=4, index=True)
    latitude: float | None = None
    longitude: float | None = None
    travel_radius_km: float | None = None
    hourly_rate_pence: int | None = Field(default=None, sa_type=BigInteger)
    weekly_capacity_hours: float | None = None
    merchant_category_code: str | None = Field(default=None, max_length=4)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProviderService(SQLModel, table=True):
    __tablename__ = "provider_service"

    provider_id: int = Field(
        sa_column=Column(Integer, ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True)
    )
    service_code: str = Field(primary_key=True, max_length=40, index=True)


class AvailabilitySlot(SQLModel, table=True):
    """A weekly window when the provider can work, in Europe/London local time (minutes from 00:00)."""

    __tablename__ = "availability_slot"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(Integer, ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    )
    day: Weekday = Field(sa_column=Column(Integer, nullable=False))
    start_minute: int
    end_minute: int


class Accreditation(SQLModel, table=True):
    """The current state of one check for one provider; recording it again replaces it."""

    __table_args__ = (UniqueConstraint("provider_id", "check_type"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(Integer, ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    )
    check_type: CheckType = Field(sa_type=stored_enum(CheckType, 40))
    status: CheckStatus = Field(sa_type=stored_enum(CheckStatus))
    reference: str = Field(default="", max_length=64)
    checked_on: date
    expires_on: date | None = None
    dbs_update_service: bool | None = None
    cqc_rating: CqcRating | None = Field(default=None, sa_type=stored_enum(CqcRating))
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
