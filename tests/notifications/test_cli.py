"""Operators who run the workers as their own processes: `broker notifications-sync --once` sends what
the outbox holds through the configured server, and `broker daily-jobs` runs the sweep and the purge."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from broker.cli import app
from broker.db import Database
from broker.notifications.models import EmailOutbox, NotificationKind
from broker.notifications.service import notify
from tests.conversations.world import world
from tests.factories import count
from tests.notifications import smtp

mail_server = smtp.mail_server
runner = CliRunner()


def _environment(monkeypatch, database_url: str, tmp_path) -> None:
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BROKER_DATABASE_URL", database_url)


def test_notifications_sync_once_sends_the_outbox_and_daily_jobs_run(
    monkeypatch, tmp_path, database_url, mail_server
):
    async def given() -> None:
        db = Database(database_url)
        w = await world(db)
        async with db.transaction() as session:
            await notify(
                session,
                NotificationKind.REQUEST_SENT,
                [w.jo.id],
                link="/care-requests/x",
                now=w.request.sent_at,
            )
        await db.dispose()

    asyncio.run(given())
    _environment(monkeypatch, database_url, tmp_path)
    mail_server.start()
    monkeypatch.setenv("BROKER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BROKER_SMTP_PORT", str(mail_server.port))
    monkeypatch.setenv("BROKER_NOTIFICATION_EMAIL_MAX_AGE_HOURS", str(24 * 30))

    sent = runner.invoke(app, ["notifications-sync", "--once"])
    daily = runner.invoke(app, ["daily-jobs"])

    assert sent.exit_code == 0, sent.output
    assert "sent 1, failed 0, dropped 0" in sent.output
    assert len(mail_server.inbox.messages) == 1
    assert daily.exit_code == 0, daily.output

    async def left() -> int:
        db = Database(database_url)
        try:
            return await count(db, EmailOutbox)
        finally:
            await db.dispose()

    assert asyncio.run(left()) == 0


def test_notifications_sync_without_a_server_says_so(monkeypatch, tmp_path, database_url):
    _environment(monkeypatch, database_url, tmp_path)
    monkeypatch.delenv("BROKER_SMTP_HOST", raising=False)

    result = runner.invoke(app, ["notifications-sync", "--once"])

    assert result.exit_code == 1
    assert "BROKER_SMTP_HOST is not set" in result.output
