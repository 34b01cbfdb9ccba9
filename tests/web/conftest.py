"""The web tests' demo council: `seed_demo` as `broker serve` loads it (fewer listings), indexed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
from starlette.applications import Starlette

from broker.db import Database
from seed.demo import seed_demo
from tests.conftest import NOW


@pytest.fixture
async def browser(app: Starlette):
    """An HTTP client that keeps cookies and does not follow redirects, like a browser step by step."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def demo(db: Database, index_now, clock) -> None:
    """Leeds City Council's demo data: 23 DP holders (one over a page of the caseload), plans, listings."""
    async with db.transaction() as session:
        await seed_demo(session, today=date(2026, 11, 26), providers=40, holders=4, plans=22)
    # Seeding queues the listings for the index at the real time; index them as the worker would then.
    clock.at = datetime.now(UTC)
    await index_now()
    clock.at = NOW
