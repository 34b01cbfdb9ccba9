"""Notifications, their email outbox, and each person's preferences."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from broker.columns import part_of, stored_enum
from broker.db import UTCDateTime, utcnow


class NotificationKind(StrEnum):
    REQUEST_SENT = "REQUEST_SENT"
    REQUEST_ACCEPTED = "REQUEST_ACCEPTED"
    REQUEST_DECLINED = "REQUEST_DECLINED"
    REQUEST_EXPIRING = "REQUEST_EXPIRING"
    AGREEMENT_ACTIVATED = "AGREEMENT_ACTIVATED"
    AGREEMENT_ENDING = "AGREEMENT_ENDING"
    CHECK_EXPIRING = "CHECK_EXPIRING"
    CHECK_LAPSED = "CHECK_LAPSED"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    TIMESHEET_WAITING = "TIMESHEET_WAITING"
    SUBCONTRACT_PROPOSED = "SUBCONTRACT_PROPOSED"
    REFERRAL_ROUTED = "REFERRAL_ROUTED"
    NEW_MESSAGE = "NEW_MESSAGE"
    MESSAGE_REPORTED = "MESSAGE_REPORTED"


class Notification(SQLModel, table=True):
    """One thing that happened, for one person. It names the kind and a link, never care details:
    the person follows the link and the page checks what they may see."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        # A person's list, newest first, reads this index alone.
        Index("ix_notification_user_created", "user_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    kind: NotificationKind = Field(sa_type=stored_enum(NotificationKind))
    link: str = Field(max_length=200)
    # Set for what a periodic sweep finds (a check about to expire), so it is told once, not every day.
    dedupe_key: str | None = Field(default=None, max_length=120)
    # False when the person turned the in-app channel off for this kind (the row then only feeds email).
    in_app: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmailOutbox(SQLModel, table=True):
    """A notification still to be emailed: written with it, deleted once the mail server took it."""

    __tablename__ = "notification_email_outbox"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(sa_column=part_of("notification.id"))
    enqueued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class NotificationPreference(SQLModel, table=True):
    """One person's channels for one kind; with no row, both channels are on."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=part_of("user_account.id"))
    kind: NotificationKind = Field(sa_type=stored_enum(NotificationKind))
    in_app: bool = True
    email: bool = True
