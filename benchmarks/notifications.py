"""Notification delivery throughput to a local SMTP server (aiosmtpd on loopback), and the in-app
list's latency for one person with 10,000 notifications, through /graphql.

    .venv/bin/python -m benchmarks.notifications [--emails 500] [--notifications 10000] [--requests 200]

On a fresh SQLite file. The email figure is the drainer's (one SMTP connection and one transaction per
message, as `broker serve` sends them); the list figure is `viewer { notifications(first: 20) }`,
p50 and p95 over `--requests` calls, paging from the newest.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from benchmarks.machine import describe
from broker.accounts.models import Role
from broker.api.clock import FixedClock
from broker.app import create_app
from broker.db import Database, migrate
from broker.notifications.delivery import EmailDrainer
from broker.notifications.email import SmtpMailer
from broker.notifications.models import EmailOutbox, Notification, NotificationKind
from broker.settings import Settings
from tests.client import GraphQLClient
from tests.factories import make_council, make_user
from tests.notifications.smtp import MailServer, free_port

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
LIST = "{ viewer { notifications(first: 20) { totalCount nodes { id kind link createdAt readAt } } } }"


async def _rows(db: Database, user_id: int, count: int, *, email: bool) -> None:
    kinds = list(NotificationKind)
    async with db.transaction() as session:
        for start in range(0, count, 1_000):
            result = await session.execute(
                insert(Notification).returning(Notification.id),  # type: ignore[arg-type]
                [
                    {
                        "user_id": user_id,
                        "kind": kinds[i % len(kinds)],
                        "link": "/notifications",
                        "in_app": True,
                        "created_at": NOW - timedelta(minutes=i),
                    }
                    for i in range(start, min(start + 1_000, count))
                ],
            )
            if email:
                await session.execute(
                    insert(EmailOutbox),
                    [
                        {"notification_id": n, "enqueued_at": NOW, "next_attempt_at": NOW}
                        for n in result.scalars()
                    ],
                )


async def main(emails: int, notifications: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        migrate(url)
        db = Database(url)
        council = await make_council(db)
        person = await make_user(db, Role.PROVIDER, council)
        sender = await make_user(db, Role.PROVIDER, council)
        assert person.id is not None and sender.id is not None

        await _rows(db, sender.id, emails, email=True)
        server = MailServer(port=free_port())
        server.start()
        clock = FixedClock(NOW)
        drainer = EmailDrainer(
            db,
            SmtpMailer(host="127.0.0.1", port=server.port, sender="n@bench.example"),
            base_url="http://b",
            now=clock.now,
        )
        started = time.perf_counter()
        report = await drainer.drain(limit=emails + 1)
        took = time.perf_counter() - started
        server.stop()
        assert report.sent == emails == len(server.inbox.messages), report
        print(f"email: {emails} sent in {took:.2f} s = {emails / took:.0f} messages/s")

        await _rows(db, person.id, notifications, email=False)
        settings = Settings(environment="test", database_url=url, data_dir=Path(directory) / "data")
        app = create_app(settings, clock=clock, db=db)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            client = GraphQLClient(http, settings=settings, clock=clock)
            await client.data(LIST, as_user=person)  # warm the parser and validation caches
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                data = await client.data(LIST, as_user=person)
                timings.append((time.perf_counter() - started) * 1_000)
            assert data["viewer"]["notifications"]["totalCount"] == notifications
        cuts = statistics.quantiles(timings, n=100)
        print(
            f"in-app list, {notifications} notifications: p50 {statistics.median(timings):.1f} ms, "
            f"p95 {cuts[94]:.1f} ms over {requests} requests"
        )
        await db.dispose()
    print(describe())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=500)
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.emails, arguments.notifications, arguments.requests))
