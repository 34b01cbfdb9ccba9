"""The search outbox: a row per provider whose index document is stale, written in the same
transaction as the change, so an index outage can delay search but never lose an update.

The same events feed a second queue, `supply_outbox`, for the market's prepared supply
(`broker/market/prepared.py` drains it): one call tells both readers, so no change to a listing can
reach one and not the other. Search itself never reads that queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Column, Integer, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from broker.db import UTCDateTime, utcnow


class SearchOutbox(SQLModel, table=True):
    __tablename__ = "search_outbox"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    enqueued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SupplyOutbox(SQLModel, table=True):
    """A provider whose prepared market supply is stale (drained by `broker.market.prepared`)."""

    __tablename__ = "supply_outbox"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(sa_column=Column(Integer, nullable=False))
    enqueued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def enqueue(session: AsyncSession, provider_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Marks providers' documents stale; call inside the transaction that changed them."""
    at = now or utcnow()
    ids = list(dict.fromkeys(provider_ids))
    session.add_all(SearchOutbox(provider_id=pid, enqueued_at=at, next_attempt_at=at) for pid in ids)
    session.add_all(SupplyOutbox(provider_id=pid, enqueued_at=at) for pid in ids)
