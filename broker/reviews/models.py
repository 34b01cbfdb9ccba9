"""A review of a provider under one agreement: six ratings, a comment, the council's moderation and the
provider's one reply. Nothing is deleted: a rejected review stays, with who rejected it and why."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from broker.columns import stored_enum
from broker.db import UTCDateTime


class ReviewStatus(StrEnum):
    PENDING = "PENDING"  # waiting for the council to moderate it
    PUBLISHED = "PUBLISHED"
    REJECTED = "REJECTED"


class Review(SQLModel, table=True):
    """One review, tied to the agreement that entitles its author to write it.

    `council_id` and `holder_id` are the agreement's: the holder's council moderates, and the holder's
    side (the holder and representatives) wrote it. Ratings are whole numbers from 1 to 5.
    """

    __tablename__ = "provider_review"
    __table_args__ = (
        Index("ix_provider_review_agreement_submitted", "agreement_id", "submitted_at"),
        Index("ix_provider_review_provider_status", "provider_id", "status", "submitted_at"),
        Index("ix_provider_review_council_status", "council_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id")
    holder_id: int = Field(foreign_key="dp_holder.id", index=True)
    provider_id: int = Field(foreign_key="provider.id")
    agreement_id: int = Field(foreign_key="agreement.id")
    author_id: int = Field(foreign_key="user_account.id")
    overall: int
    care_and_support: int
    dignity: int
    staff: int
    management: int
    value: int
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: ReviewStatus = Field(default=ReviewStatus.PENDING, sa_type=stored_enum(ReviewStatus))
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    moderated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    moderated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rejection_reason: str = Field(default="", max_length=500)
    reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    replied_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def ratings(self) -> tuple[int, int, int, int, int, int]:
        return (self.overall, self.care_and_support, self.dignity, self.staff, self.management, self.value)
