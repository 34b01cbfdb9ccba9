"""GraphQL for notifications: `notifications` (also `viewer { notifications }`), `markNotificationsRead`
and `setNotificationPreferences`. A person sees and changes only their own."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from sqlalchemy import select
from sqlmodel import col
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.nodes import RowNode
from broker.api.permissions import IsAuthenticated
from broker.api.relay import Connection, paged
from broker.notifications import service, wording
from broker.notifications.models import Notification, NotificationKind
from broker.notifications.service import Channels

NotificationKindEnum = strawberry.enum(
    NotificationKind,
    name="NotificationKind",
    description="What happened. TIMESHEET_WAITING: a timesheet waits for your approval or query; "
    "MESSAGE_REPORTED: a message in your council's conversations was reported (brokers).",
)


async def _own(session: Any, *, actor: Any, ids: Any) -> dict[int, Notification]:
    if actor is None:
        return {}
    rows = await session.execute(
        select(Notification).where(col(Notification.id).in_(ids), col(Notification.user_id) == actor.user_id)
    )
    return {n.id: n for n in rows.scalars()}


@strawberry.type(
    name="Notification",
    description="Something that happened that concerns you: what, when, and where to look. It carries "
    "no care details; the page at `link` shows what you may see.",
)
class NotificationNode(RowNode):
    id: relay.NodeID[int]
    kind: NotificationKindEnum  # type: ignore[valid-type]
    link: str = strawberry.field(description="Path of the web client's page about it.")
    created_at: datetime
    read_at: datetime | None = strawberry.field(description="When you marked it read; null while unread.")
    model: strawberry.Private[Notification]

    visible = _own

    @strawberry.field(description="One plain sentence saying what happened.")
    def summary(self) -> str:
        return wording.subject(self.model.kind)


@strawberry.type(name="NotificationPreference", description="How you are told about one kind of event.")
class NotificationPreferenceType:
    kind: NotificationKindEnum  # type: ignore[valid-type]
    in_app: bool = strawberry.field(description="Listed under `notifications`.")
    email: bool = strawberry.field(description="Emailed to your sign-in address (no care details).")


def _preference_list(chosen: dict[NotificationKind, Channels]) -> list[NotificationPreferenceType]:
    return [NotificationPreferenceType(kind=k, in_app=c.in_app, email=c.email) for k, c in chosen.items()]


async def notifications_page(
    info: Info, first: int | None, after: str | None, unread_only: bool
) -> Connection[NotificationNode]:
    actor = info.context.actor
    assert actor is not None
    return await paged(
        info,
        first,
        after,
        lambda session, page: service.list_notifications(
            session, actor=actor, unread_only=unread_only, limit=page.limit, offset=page.offset
        ),
        NotificationNode.from_model,
    )


@strawberry.type
class NotificationQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your own notifications in the app, newest first (nobody else's, whatever your role).",
    )
    async def notifications(
        self, info: Info, first: int | None = None, after: str | None = None, unread_only: bool = False
    ) -> Connection[NotificationNode]:
        return await notifications_page(info, first, after, unread_only)

    @strawberry.field(permission_classes=[IsAuthenticated], description="How many of yours are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        actor = info.context.actor
        assert actor is not None
        async with info.context.db.session() as session:
            return await service.unread_count(session, actor=actor)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your channels for every kind of notification (both on unless you turned one off).",
    )
    async def notification_preferences(self, info: Info) -> list[NotificationPreferenceType]:
        actor = info.context.actor
        assert actor is not None
        async with info.context.db.session() as session:
            return _preference_list(await service.preferences(session, actor=actor))


@strawberry.input(description="Which of your notifications you have read.")
class MarkNotificationsReadInput(DecodesIds):
    ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="At most 100; leave out to mark all of yours read."
    )

    def to_command(self) -> dict[str, Any]:
        return {"notification_ids": self.optional_keys("ids", "Notification")}


@strawberry.type
class MarkNotificationsReadPayload(MutationPayload):
    marked: int | None = strawberry.field(default=None, description="How many were unread and now are read.")
    unread: int | None = strawberry.field(default=None, description="How many of yours are still unread.")

    @classmethod
    def present(cls, result: tuple[int, int]) -> Self:
        return cls(marked=result[0], unread=result[1])


async def mark_notifications_read(
    session: Any, *, actor: Any, notification_ids: list[int] | None, now: datetime
) -> tuple[int, int]:
    marked = await service.mark_read(session, actor=actor, notification_ids=notification_ids, now=now)
    return marked, await service.unread_count(session, actor=actor)


@strawberry.input(description="Your channels for one kind of notification.")
class NotificationPreferenceInput:
    kind: NotificationKindEnum  # type: ignore[valid-type]
    in_app: bool
    email: bool


@strawberry.input(description="Channels for the kinds named; the others stay as they are.")
class SetNotificationPreferencesInput:
    preferences: list[NotificationPreferenceInput]

    def to_command(self) -> dict[str, Any]:
        return {
            "choices": [
                (NotificationKind(p.kind), Channels(in_app=p.in_app, email=p.email)) for p in self.preferences
            ]
        }


@strawberry.type
class SetNotificationPreferencesPayload(MutationPayload):
    preferences: list[NotificationPreferenceType] | None = None

    @classmethod
    def present(cls, result: dict[NotificationKind, Channels]) -> Self:
        return cls(preferences=_preference_list(result))


@strawberry.type
class NotificationMutations:
    mark_notifications_read: MarkNotificationsReadPayload = use_case(
        MarkNotificationsReadInput,
        mark_notifications_read,
        MarkNotificationsReadPayload,
        IsAuthenticated,
        "Marks your notifications read: the ones named (others' IDs are ignored), or all of them.",
    )
    set_notification_preferences: SetNotificationPreferencesPayload = use_case(
        SetNotificationPreferencesInput,
        service.set_preferences,
        SetNotificationPreferencesPayload,
        IsAuthenticated,
        "Chooses, for each kind of event, whether you are told in the app, by email, both or neither.",
    )
