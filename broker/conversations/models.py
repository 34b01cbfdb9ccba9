"""Threads, their messages and reports of messages to the council. Messages are personal data: they
are plain text, and purged after the retention period (BROKER_MESSAGE_RETENTION_DAYS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from broker.columns import part_of
from broker.db import UTCDateTime, utcnow


class Conversation(SQLModel, table=True):
    """The thread between a holder's side and a provider about one care request (and the agreement it
    led to), or about an agreement a broker made without a request."""

    __tablename__ = "conversation"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    holder_id: int = Field(foreign_key="dp_holder.id", index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    request_id: int | None = Field(default=None, foreign_key="care_request.id", unique=True)
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_message_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Message(SQLModel, table=True):
    """One message: who sent it, from which side, when, and when the other side first read it."""

    __tablename__ = "conversation_message"
    __table_args__ = (Index("ix_conversation_message_thread_sent", "conversation_id", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False)
    )
    sender_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="SET NULL"))
    )
    from_provider: bool
    body: str = Field(sa_column=Column(Text, nullable=False))
    sent_at: datetime = Field(sa_type=UTCDateTime, index=True)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MessageReport(SQLModel, table=True):
    """A party tells the council a message is abusive, unsafe or otherwise wrong."""

    __tablename__ = "message_report"
    __table_args__ = (UniqueConstraint("message_id", "reported_by_id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(sa_column=part_of("conversation_message.id"))
    council_id: int = Field(foreign_key="council.id", index=True)
    reported_by_id: int = Field(foreign_key="user_account.id")
    reason: str = Field(sa_column=Column(Text, nullable=False))
    reported_at: datetime = Field(sa_type=UTCDateTime)
