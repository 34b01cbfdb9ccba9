"""Telling people what happened, in the same transaction as the event, and what they do with it.

`notify` is the one door: every event (a listener of `broker.events`, a sweep, a capability that calls
it directly, such as conversations or `timesheet_waiting`) comes through it, so preferences, the
in-app row and the email outbox are decided in one place. Because the rows are written with the
event's own changes, an event that rolls back tells no one, and one that commits is never lost,
whatever the mail server is doing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts.actor import Actor
from broker.errors import ErrorCode, InvalidInput
from broker.notifications import links
from broker.notifications.models import EmailOutbox, Notification, NotificationKind, NotificationPreference

MAX_IDS = 100


@dataclass(frozen=True)
class Channels:
    in_app: bool = True
    email: bool = True

    @property
    def any(self) -> bool:
        return self.in_app or self.email


async def channels_for(
    session: AsyncSession, user_ids: Sequence[int], kind: NotificationKind
) -> dict[int, Channels]:
    rows = await session.execute(
        select(NotificationPreference).where(
            col(NotificationPreference.user_id).in_(user_ids), col(NotificationPreference.kind) == kind
        )
    )
    chosen = {p.user_id: Channels(p.in_app, p.email) for p in rows.scalars()}
    return {u: chosen.get(u, Channels()) for u in user_ids}


async def notify(
    session: AsyncSession,
    kind: NotificationKind,
    user_ids: Iterable[int | None],
    *,
    link: str,
    now: datetime,
    dedupe_key: str | None = None,
    excluding: int | None = None,
) -> int:
    """Tells each person (but `excluding`, usually whoever did it) that `kind` happened, on the channels
    they chose; returns how many were told. With a `dedupe_key`, a person already told is not told
    again (a daily sweep finds the same expiring check every day)."""
    wanted = [u for u in dict.fromkeys(user_ids) if u is not None and u != excluding]
    if not wanted:
        return 0
    if dedupe_key is not None:
        told = await session.execute(
            select(col(Notification.user_id)).where(
                col(Notification.user_id).in_(wanted), col(Notification.dedupe_key) == dedupe_key
            )
        )
        already = {r[0] for r in told}
        wanted = [u for u in wanted if u not in already]
    channels = await channels_for(session, wanted, kind)
    rows = [
        Notification(
            user_id=user_id,
            kind=kind,
            link=link,
            dedupe_key=dedupe_key,
            in_app=channels[user_id].in_app,
            created_at=now,
        )
        for user_id in wanted
        if channels[user_id].any
    ]
    session.add_all(rows)
    await session.flush()
    session.add_all(
        EmailOutbox(notification_id=row.id, enqueued_at=now, next_attempt_at=now)  # type: ignore[arg-type]
        for row in rows
        if channels[row.user_id].email
    )
    return len(rows)


async def timesheet_waiting(
    session: AsyncSession, *, user_ids: Iterable[int], timesheet_id: int, revision: int = 1, now: datetime
) -> int:
    """A timesheet waits for these people (to approve or query it): call it in the transaction that
    submitted the timesheet. Each revision is news: a week sent back and resubmitted is told again."""
    return await notify(
        session,
        NotificationKind.TIMESHEET_WAITING,
        user_ids,
        link=links.timesheet(timesheet_id),
        now=now,
        dedupe_key=f"timesheet:{timesheet_id}:{revision}",
    )


def _own(actor: Actor, unread_only: bool):  # type: ignore[no-untyped-def]
    query = select(Notification).where(col(Notification.user_id) == actor.user_id, col(Notification.in_app))
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return query


async def list_notifications(
    session: AsyncSession, *, actor: Actor, unread_only: bool, limit: int, offset: int
) -> tuple[list[Notification], int]:
    """A person's own in-app notifications, newest first: nobody else's, whatever their role."""
    order = [col(Notification.created_at).desc(), col(Notification.id).desc()]
    return await queries.page(session, _own(actor, unread_only), order, limit, offset)


async def unread_count(session: AsyncSession, *, actor: Actor) -> int:
    query = select(func.count()).select_from(_own(actor, True).subquery())
    return (await session.execute(query)).scalar_one()


async def mark_read(
    session: AsyncSession, *, actor: Actor, notification_ids: Sequence[int] | None, now: datetime
) -> int:
    """Marks the actor's own notifications read (all of them when no IDs are given); another person's
    IDs are ignored, as if they did not exist. Returns how many changed."""
    query = update(Notification).where(
        col(Notification.user_id) == actor.user_id, col(Notification.read_at).is_(None)
    )
    if notification_ids is not None:
        if len(notification_ids) > MAX_IDS:
            raise InvalidInput(f"At most {MAX_IDS} at once.", field="ids", code=ErrorCode.OUT_OF_RANGE)
        query = query.where(col(Notification.id).in_(notification_ids))
    result = await session.execute(query.values(read_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def preferences(session: AsyncSession, *, actor: Actor) -> dict[NotificationKind, Channels]:
    """Every kind with the actor's channels for it (both on unless they said otherwise)."""
    rows = await session.execute(
        select(NotificationPreference).where(col(NotificationPreference.user_id) == actor.user_id)
    )
    chosen = {p.kind: Channels(p.in_app, p.email) for p in rows.scalars()}
    return {kind: chosen.get(kind, Channels()) for kind in NotificationKind}


async def set_preferences(
    session: AsyncSession, *, actor: Actor, choices: Sequence[tuple[NotificationKind, Channels]]
) -> dict[NotificationKind, Channels]:
    """Sets the actor's channels for the kinds named; kinds not named keep theirs."""
    if len({kind for kind, _ in choices}) != len(choices):
        raise InvalidInput("Name each kind once.", field="preferences", code=ErrorCode.DUPLICATE)
    rows = await session.execute(
        select(NotificationPreference)
        .where(col(NotificationPreference.user_id) == actor.user_id)
        .with_for_update()
    )
    existing = {p.kind: p for p in rows.scalars()}
    for kind, channels in choices:
        row = existing.get(kind) or NotificationPreference(user_id=actor.user_id, kind=kind)
        row.in_app, row.email = channels.in_app, channels.email
        session.add(row)
    await session.flush()
    return await preferences(session, actor=actor)
