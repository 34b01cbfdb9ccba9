"""A care and support plan, its needs and schedule slots, its preferences, and the log of who read it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from broker.columns import part_of, stored_enum
from broker.db import UTCDateTime, utcnow


class PlanStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    MATCHED = "MATCHED"
    CLOSED = "CLOSED"


class PreferenceKind(StrEnum):
    GENDER = "GENDER"
    LANGUAGE = "LANGUAGE"
    SKILL = "SKILL"
    PROVIDER_KIND = "PROVIDER_KIND"


class Strength(StrEnum):
    REQUIRED = "REQUIRED"
    PREFERRED = "PREFERRED"


class PlanReadPurpose(StrEnum):
    """Why a plan was read, for its read log: the use case, not the route a client took to it."""

    VIEW = "VIEW"  # one plan shown: by ID or as a node
    LIST = "LIST"  # a page of plans: the list, or a holder's plans
    MATCH = "MATCH"  # providers matched against the plan, or a match explained
    REQUEST = "REQUEST"  # a care request sent for the plan
    AGREEMENT = "AGREEMENT"  # an agreement written for the plan
    ALLOCATION = "ALLOCATION"  # plans allocated to providers together
    CREATE = "CREATE"  # the plan as written
    UPDATE = "UPDATE"  # the plan as changed

    @classmethod
    def of(cls, value: str) -> PlanReadPurpose:
        """The purpose a stored label (or a caller's label) stands for; reads logged before issue 10
        carry the GraphQL operation name they came through."""
        if value in cls.__members__:
            return cls(value)
        return _LEGACY_OPERATIONS.get(value, cls.VIEW)


_LEGACY_OPERATIONS: dict[str, PlanReadPurpose] = {
    "supportPlan": PlanReadPurpose.VIEW,
    "node": PlanReadPurpose.VIEW,
    "supportPlans": PlanReadPurpose.LIST,
    "dpHolder.supportPlans": PlanReadPurpose.LIST,
    "matchesForPlan": PlanReadPurpose.MATCH,
    "matchExplanation": PlanReadPurpose.MATCH,
    "sendRequest": PlanReadPurpose.REQUEST,
    "createAgreement": PlanReadPurpose.AGREEMENT,
    "proposeAllocation": PlanReadPurpose.ALLOCATION,
    "createSupportPlan": PlanReadPurpose.CREATE,
    "updateSupportPlan": PlanReadPurpose.UPDATE,
}


class SupportPlan(SQLModel, table=True):
    """Where and from when support is needed; the needs and preferences hang off it."""

    __tablename__ = "support_plan"
    __table_args__ = (Index("ix_support_plan_council_status", "council_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id")
    holder_id: int = Field(foreign_key="dp_holder.id", index=True)
    status: PlanStatus = Field(default=PlanStatus.DRAFT, sa_type=stored_enum(PlanStatus))
    outcomes: str = Field(default="", sa_column=Column(Text, nullable=False))
    postcode: str = Field(max_length=8)
    postcode_district: str = Field(max_length=4)
    latitude: float
    longitude: float
    start_date: date
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlanNeed(SQLModel, table=True):
    """One eligible need: a service, how many hours a week, when, and the hourly rate budgeted for it."""

    __tablename__ = "plan_need"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=part_of("support_plan.id"))
    position: int = 0
    service_code: str = Field(max_length=40)
    hours_per_week: float
    budgeted_rate_pence: int = Field(sa_type=BigInteger)


class NeedSlot(SQLModel, table=True):
    """A weekly window in which a need's hours are delivered, Europe/London local time (minutes)."""

    __tablename__ = "need_slot"

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(sa_column=part_of("plan_need.id"))
    day: int
    start_minute: int
    end_minute: int


class NeedBand(SQLModel, table=True):
    """A need's slot minutes in one time band (`broker/timebands.py`) and its slots' total minutes,
    written with its slots: its hours split across bands, which market reports group by. A need
    without slots has no rows (its hours have no band)."""

    __tablename__ = "need_band"

    need_id: int = Field(
        sa_column=Column(Integer, ForeignKey("plan_need.id", ondelete="CASCADE"), primary_key=True)
    )
    band: str = Field(primary_key=True, max_length=20)
    minutes: int
    total_minutes: int


class PlanPreference(SQLModel, table=True):
    """A wish about who provides the support; REQUIRED ones exclude, PREFERRED ones rank."""

    __tablename__ = "plan_preference"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=part_of("support_plan.id"))
    position: int = 0
    kind: PreferenceKind = Field(sa_type=stored_enum(PreferenceKind))
    value: str = Field(max_length=60)
    strength: Strength = Field(sa_type=stored_enum(Strength))


class PlanRead(SQLModel, table=True):
    """Who read which plan, when, and for what (a `PlanReadPurpose` value): care needs are
    special-category data (UK GDPR art. 9), so every read is accountable."""

    __tablename__ = "plan_read"
    __table_args__ = (Index("ix_plan_read_plan_read_at", "plan_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="support_plan.id")
    user_id: int = Field(foreign_key="user_account.id", index=True)
    read_at: datetime = Field(sa_type=UTCDateTime)
    operation: str = Field(max_length=40)

    @property
    def purpose(self) -> PlanReadPurpose:
        return PlanReadPurpose.of(self.operation)
