"""Draining the email outbox: the oldest due rows are sent, deleted once the mail server took them,
and kept with exponential backoff when it did not, so an email outage delays mail but loses none.

Rows are taken `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several app processes drain side by side
without sending one notification twice; SQLite has one writer at a time, which is the same guarantee.
A row older than `max_age` is dropped unsent (the in-app notification stays): a reminder that a
request expires tomorrow is no use a week later. Mail is sent one row per transaction, so one sent
message is never rolled back with another's failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import col

from broker.accounts.models import User
from broker.db import Database, utcnow
from broker.notifications import wording
from broker.notifications.email import Mail, Mailer, MailError
from broker.notifications.models import EmailOutbox, Notification

logger = logging.getLogger("broker.notifications.delivery")
MAX_BACKOFF = timedelta(minutes=15)


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s ... capped at fifteen minutes."""
    return min(timedelta(seconds=2 ** max(attempts, 1)), MAX_BACKOFF)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dropped: int = 0

    @property
    def rows(self) -> int:
        return self.sent + self.failed + self.dropped

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.sent + other.sent, self.failed + other.failed, self.dropped + other.dropped
        )


class EmailDrainer:
    def __init__(
        self,
        db: Database,
        mailer: Mailer,
        *,
        base_url: str,
        message_domain: str = "broker.invalid",
        max_age: timedelta = timedelta(hours=72),
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.mailer = mailer
        self.base_url = base_url.rstrip("/")
        self.message_domain = message_domain
        self.max_age = max_age
        self.now = now

    async def deliver_one(self) -> DeliveryReport:
        """Sends the oldest due row, if any; returns what happened to it."""
        now = self.now()
        async with self.db.transaction() as session:
            query = (
                select(EmailOutbox, Notification, User)
                .join(Notification, col(Notification.id) == col(EmailOutbox.notification_id))
                .join(User, col(User.id) == col(Notification.user_id))
                .where(col(EmailOutbox.next_attempt_at) <= now)
                .order_by(col(EmailOutbox.id))
                .limit(1)
            )
            assert session.bind is not None
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(of=EmailOutbox, skip_locked=True)
            found = (await session.execute(query)).first()
            if found is None:
                return DeliveryReport()
            row, notification, user = found
            if user.deactivated_at is not None or row.enqueued_at + self.max_age < now:
                await session.execute(delete(EmailOutbox).where(col(EmailOutbox.id) == row.id))
                return DeliveryReport(dropped=1)
            mail = Mail(
                to=user.email,
                subject=wording.subject(notification.kind),
                body=wording.email_body(notification.kind, self.base_url + notification.link),
                message_id=f"<notification-{notification.id}@{self.message_domain}>",
            )
            try:
                await self.mailer.send(mail)
            except MailError as error:
                logger.warning(
                    "notification email not sent; will retry",
                    extra={"error": str(error), "attempts": row.attempts + 1},
                )
                row.attempts += 1
                row.next_attempt_at = now + backoff(row.attempts)
                row.last_error = str(error)[:200]
                session.add(row)
                return DeliveryReport(failed=1)
            await session.execute(delete(EmailOutbox).where(col(EmailOutbox.id) == row.id))
            return DeliveryReport(sent=1)

    async def drain(self, *, limit: int = 1_000) -> DeliveryReport:
        """Sends due rows until none is due or one fails (the server is then likely down for all)."""
        total = DeliveryReport()
        for _ in range(limit):
            report = await self.deliver_one()
            total = total + report
            if report.rows == 0 or report.failed:
                break
        return total

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 2.0) -> None:
        """The background worker of `broker serve`."""
        while not stop.is_set():
            try:
                report = await self.drain()
            except Exception:  # a worker must outlive any one bad row or a database outage
                logger.exception("notification email drain failed")
                report = DeliveryReport()
            if report.rows == 0 or report.failed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_seconds)
