"""The daily jobs of notifications and conversations: the sweep (requests about to expire, checks
expiring and lapsed) and the purge of messages past their retention. Each job runs in its own
transaction, so one failing (the database down) does not stop the other; both are safe to repeat.

Every app process runs these loops. On PostgreSQL each job's transaction first takes an advisory lock
named after the job (`broker.db.serialize`), so two processes never run one job at the same time: the
later one waits, then finds the work done (the sweep tells each finding once by its dedupe key, the
purge has nothing left to delete)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from broker.api.clock import london_date
from broker.db import Database, serialize

logger = logging.getLogger("broker.notifications.daily")
Job = Callable[[AsyncSession, datetime, date], Awaitable[object]]
CHECK_EVERY_SECONDS = 600


async def run_jobs(database: Database, jobs: Sequence[Job], now: datetime) -> None:
    for job in jobs:
        try:
            async with database.transaction() as session:
                await serialize(session, f"daily:{job.__name__}")
                result = await job(session, now, london_date(now))
            logger.info("daily job done", extra={"job": job.__name__, "result": str(result)})
        except Exception as error:  # try again at the next check
            logger.warning("daily job failed", extra={"job": job.__name__, "error": type(error).__name__})


async def run_daily(
    database: Database, jobs: Sequence[Job], now: Callable[[], datetime], stop: asyncio.Event
) -> None:
    """Runs `jobs` at start-up and then whenever a new day begins in London."""
    last = london_date(now()) - timedelta(days=1)
    while not stop.is_set():
        today = london_date(now())
        if today > last:
            await run_jobs(database, jobs, now())
            last = today
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=CHECK_EVERY_SECONDS)
