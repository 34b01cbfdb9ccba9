"""The daily pass: when a day begins, the listings whose held hours changed with the date alone (an
agreement starts today, or its last day was yesterday) are queued for the search index, which then
shows their free hours as they are. Matching never needs it: it reads capacity by date at once.

Every app process runs the pass; on PostgreSQL an advisory lock makes them take turns, and a pass
repeated by another process only queues listings again (re-indexing is idempotent)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from broker.agreements.capacity import providers_changing
from broker.api.clock import london_date
from broker.db import Database, serialize
from search import outbox

logger = logging.getLogger("broker.agreements.daily")
# On start-up, catch up on a week of days the process may have been down for; re-indexing is idempotent.
CATCH_UP_DAYS = 7
CHECK_EVERY_SECONDS = 600


async def queue_changes(database: Database, after: date, through: date, now: datetime) -> int:
    async with database.transaction() as session:
        await serialize(session, "daily:capacity")
        ids = await providers_changing(session, after, through)
        outbox.enqueue(session, ids, now=now)
    return len(ids)


async def run_daily_pass(database: Database, now: Callable[[], datetime], stop: asyncio.Event) -> None:
    last = london_date(now()) - timedelta(days=CATCH_UP_DAYS)
    while not stop.is_set():
        today = london_date(now())
        if today > last:
            try:
                queued = await queue_changes(database, last, today, now())
                logger.info("daily capacity pass", extra={"listings_queued": queued})
                last = today
            except Exception as error:  # the database may be down: try again at the next check
                logger.warning("daily capacity pass failed", extra={"error": type(error).__name__})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=CHECK_EVERY_SECONDS)
