"""Keeping the index in step with the database: draining the outbox, and rebuilding from scratch.

The drainer takes the oldest due outbox rows, rebuilds those providers' documents from the database
and writes them to the engine. Rows are deleted only after the engine accepted the write; on failure
they are kept and retried with exponential backoff. Writes are idempotent, so a row processed twice
(a crash between the engine write and the delete) changes nothing. A change committed while a batch
is in flight has its own, newer row and is picked up by the next batch.

When the backend reports its index CORRUPT (found damaged and set aside), the drainer rebuilds it from
the database before draining: the outbox rows kept meanwhile are then replayed onto the new index.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.db import Database, utcnow
from search.backend import IndexState, SearchBackend, SearchError
from search.documents import ProviderDocument
from search.outbox import SearchOutbox, enqueue

logger = logging.getLogger("search.sync")
BATCH_SIZE = 500
MAX_BACKOFF = timedelta(minutes=5)


class DocumentSource(Protocol):
    """What the domain tells the index: the documents of some listings (and which of them should not
    be in the index at all), every document for a rebuild, and which listings changed since a moment.
    `broker.discovery.documents.LISTINGS` is the one the app hands in; search itself knows no domain."""

    async def documents_for(
        self, session: AsyncSession, provider_ids: Sequence[int]
    ) -> tuple[list[ProviderDocument], list[int]]: ...

    def all_documents(self, session: AsyncSession) -> AsyncIterator[list[ProviderDocument]]: ...

    async def changed_since(self, session: AsyncSession, at: datetime) -> list[int]: ...


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... capped at five minutes."""
    return min(timedelta(seconds=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class DrainReport:
    indexed: int = 0
    deleted: int = 0
    failed: int = 0

    @property
    def rows(self) -> int:
        return self.indexed + self.deleted + self.failed


class OutboxDrainer:
    def __init__(
        self,
        db: Database,
        backend: SearchBackend,
        source: DocumentSource,
        *,
        now: Callable[[], datetime] = utcnow,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.db = db
        self.backend = backend
        self.source = source
        self.now = now
        self.batch_size = batch_size

    async def drain_once(self) -> DrainReport:
        """Processes one batch of due rows; returns what happened to them."""
        now = self.now()
        async with self.db.transaction() as session:
            query = (
                select(col(SearchOutbox.id), col(SearchOutbox.provider_id), col(SearchOutbox.attempts))
                .where(col(SearchOutbox.next_attempt_at) <= now)
                .order_by(col(SearchOutbox.id))
                .limit(self.batch_size)
            )
            assert session.bind is not None
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if not rows:
                return DrainReport()
            row_ids = [r.id for r in rows]
            provider_ids = list(dict.fromkeys(r.provider_id for r in rows))
            documents, absent = await self.source.documents_for(session, provider_ids)
            try:
                if documents:
                    await asyncio.to_thread(self.backend.upsert, documents)
                if absent:
                    await asyncio.to_thread(self.backend.delete, absent)
            except SearchError as error:
                logger.warning("search index write failed for %d providers: %s", len(provider_ids), error)
                for row in rows:
                    await session.execute(
                        update(SearchOutbox)
                        .where(SearchOutbox.id == row.id)
                        .values(
                            attempts=row.attempts + 1,
                            next_attempt_at=now + backoff(row.attempts + 1),
                            last_error=str(error)[:500],
                        )
                    )
                return DrainReport(failed=len(rows))
            await session.execute(delete(SearchOutbox).where(col(SearchOutbox.id).in_(row_ids)))
            return DrainReport(indexed=len(documents), deleted=len(absent))

    async def recover(self) -> bool:
        """Rebuilds a CORRUPT index from the database (the source of truth); True when it did.

        Rows that failed while the index was damaged stay in the outbox and are replayed afterwards;
        replaying them onto the rebuilt index changes nothing but is harmless.
        """
        if await asyncio.to_thread(self.backend.state) is not IndexState.CORRUPT:
            return False
        logger.warning("search index is damaged: rebuilding it from the database")
        count = await reindex(self.db, self.backend, self.source, now=self.now)
        logger.warning("search index rebuilt from the database with %d listings", count)
        return True

    async def drain(self) -> DrainReport:
        """Drains until no row is due (failed rows wait for their backoff), after rebuilding a
        damaged index first."""
        await self.recover()
        total = DrainReport()
        while True:
            report = await self.drain_once()
            total = DrainReport(
                total.indexed + report.indexed, total.deleted + report.deleted, total.failed + report.failed
            )
            if report.rows == 0 or report.failed:
                return total

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        """The background worker of `broker serve` and `broker search-sync`."""
        while not stop.is_set():
            try:
                report = await self.drain()
            except Exception:  # a worker must outlive any one bad batch
                logger.exception("search outbox drain failed")
                report = DrainReport()
            if report.rows == 0 or report.failed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_seconds)


async def pending(db: Database) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(SearchOutbox))).scalar_one()


async def reindex(
    db: Database, backend: SearchBackend, source: DocumentSource, *, now: Callable[[], datetime] = utcnow
) -> int:
    """Rebuilds the whole index from the database (built aside, then switched in).

    A write the outbox worker makes to the live index while the rebuild is reading would be lost
    at the switch, so every listing changed since the rebuild began is queued again afterwards.
    Existing outbox rows are left alone: replaying them is harmless.
    """
    started = now()
    documents = []
    async with db.session() as session:
        async for batch in source.all_documents(session):
            documents.extend(batch)
    count = await asyncio.to_thread(backend.rebuild, documents)
    async with db.transaction() as session:
        enqueue(session, await source.changed_since(session, started), now=now())
    return count
