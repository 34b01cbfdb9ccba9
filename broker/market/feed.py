"""The open demand feed, prepared ahead of its callers.

The feed needs no sign-in and reads every council's demand, so it is never worked out per request:
a background pass (`run`, started with the service's other workers) refreshes it before it goes
stale, and callers read what it holds. Only when nothing fresh is held (the process has just
started, or runs without background workers) does a caller work it out, and then once however many
ask at the same moment: a flood of anonymous requests costs one computation, not one each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date, datetime

from broker.api.clock import Clock, london_date
from broker.db import Database
from broker.market import reports

logger = logging.getLogger("broker.market.feed")
# What callers are served is at most this old (and always today's).
MAX_AGE_SECONDS = 300
# The background pass refreshes this much sooner, so callers find it fresh.
REFRESH_AHEAD_SECONDS = 60


class DemandFeed:
    def __init__(self, db: Database, clock: Clock, *, max_age_seconds: int = MAX_AGE_SECONDS) -> None:
        self.db = db
        self.clock = clock
        self.max_age_seconds = max_age_seconds
        self._lock = asyncio.Lock()
        self._day: date | None = None
        self._at: datetime | None = None
        self._rows: list[dict[str, object]] = []

    def _fresh(self, now: datetime, *, ahead: int = 0) -> bool:
        if self._at is None or self._day != london_date(now):
            return False
        return (now - self._at).total_seconds() < self.max_age_seconds - ahead

    async def _compute(self) -> None:
        now = self.clock.now()
        today = london_date(now)
        async with self.db.session() as session:
            rows = await reports.open_demand(session, today=today)
        self._day, self._at, self._rows = today, now, rows

    async def read(self) -> tuple[date, list[dict[str, object]]]:
        """Today's feed: what the background pass prepared, or worked out now if nothing fresh is held."""
        if not self._fresh(self.clock.now()):
            async with self._lock:
                if not self._fresh(self.clock.now()):
                    await self._compute()
        assert self._day is not None
        return self._day, self._rows

    async def refresh_if_due(self) -> None:
        async with self._lock:
            if not self._fresh(self.clock.now(), ahead=REFRESH_AHEAD_SECONDS):
                await self._compute()

    async def run(self, stop: asyncio.Event) -> None:
        """Keeps the feed fresh in the background until `stop`."""
        while not stop.is_set():
            try:
                await self.refresh_if_due()
            except Exception as error:  # the database may be down: try again shortly
                logger.warning("open demand feed refresh failed", extra={"error": type(error).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=REFRESH_AHEAD_SECONDS / 2)
