"""Use cases of conversations: send a message, read threads, mark read, report to the council.

A thread belongs to a care request and carries on into the agreement made from it (an agreement a
broker made without a request has its own). The first message opens it; anyone who may see the
request or agreement and is a party to it (`access.side_of`) may write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts.actor import Actor
from broker.agreements.access import request_visible_clause
from broker.agreements.access import visible_clause as agreement_visible_clause
from broker.agreements.models import Agreement, CareRequest, RequestStatus
from broker.conversations import rules
from broker.conversations.access import Side, side_in_visible, side_of, visible_clause
from broker.conversations.models import Conversation, Message, MessageReport
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied
from broker.holders.models import DPHolder, HolderRepresentative
from broker.notifications import links, recipients
from broker.notifications.models import NotificationKind
from broker.notifications.service import notify
from broker.payments.store import insert_once
from broker.providers.models import Provider


@dataclass(frozen=True)
class Thread:
    """What a thread is about, before its row exists: the parties, and whether contact details may
    pass yet."""

    council_id: int
    holder_id: int
    provider_id: int
    request_id: int | None
    agreement_id: int | None
    contact_allowed: bool


@dataclass(frozen=True)
class Sent:
    message: Message
    conversation: Conversation


async def _thread_of_request(session: AsyncSession, actor: Actor, request_id: int) -> Thread:
    request = (
        await session.execute(
            select(CareRequest).where(col(CareRequest.id) == request_id, request_visible_clause(actor))
        )
    ).scalar_one_or_none()
    if request is None:
        raise NotFound("No care request with this ID.", field="request_id")
    agreement_id = (
        await session.execute(select(col(Agreement.id)).where(col(Agreement.request_id) == request_id))
    ).scalar_one_or_none()
    return Thread(
        council_id=request.council_id,
        holder_id=request.holder_id,
        provider_id=request.provider_id,
        request_id=request_id,
        agreement_id=agreement_id,
        contact_allowed=request.status is RequestStatus.ACCEPTED or agreement_id is not None,
    )


async def _thread_of_agreement(session: AsyncSession, actor: Actor, agreement_id: int) -> Thread:
    agreement = (
        await session.execute(
            select(Agreement).where(col(Agreement.id) == agreement_id, agreement_visible_clause(actor))
        )
    ).scalar_one_or_none()
    if agreement is None:
        raise NotFound("No agreement with this ID.", field="agreement_id")
    if agreement.request_id is not None:
        return await _thread_of_request(session, actor, agreement.request_id)
    return Thread(
        council_id=agreement.council_id,
        holder_id=agreement.holder_id,
        provider_id=agreement.provider_id,
        request_id=None,
        agreement_id=agreement_id,
        contact_allowed=True,
    )


async def _conversation(session: AsyncSession, thread: Thread) -> Conversation | None:
    if thread.request_id is not None:
        where = col(Conversation.request_id) == thread.request_id
    else:
        where = col(Conversation.agreement_id) == thread.agreement_id
    return (await session.execute(select(Conversation).where(where))).scalar_one_or_none()


async def _open(session: AsyncSession, thread: Thread, now: datetime) -> Conversation:
    """The thread's row, made by its first message (two first messages at once make one row)."""
    found = await _conversation(session, thread)
    if found is None:
        await insert_once(
            session,
            Conversation(
                council_id=thread.council_id,
                holder_id=thread.holder_id,
                provider_id=thread.provider_id,
                request_id=thread.request_id,
                agreement_id=thread.agreement_id if thread.request_id is None else None,
                created_at=now,
                last_message_at=now,
            ),
        )
        found = await _conversation(session, thread)
    assert found is not None
    return found


async def _side(
    session: AsyncSession, actor: Actor, council_id: int, holder_id: int, provider_id: int
) -> Side:
    holder = await session.get(DPHolder, holder_id)
    provider = await session.get(Provider, provider_id)
    assert holder is not None and provider is not None
    representatives = await session.execute(
        select(col(HolderRepresentative.user_id)).where(col(HolderRepresentative.holder_id) == holder_id)
    )
    side = side_of(
        actor,
        council_id=council_id,
        holder_user_id=holder.user_id,
        representative_ids=list(representatives.scalars()),
        provider_owner_id=provider.owner_id,
    )
    if side is None:
        raise PermissionDenied("Only the parties and the council's brokers write in this conversation.")
    return side


async def send_message(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int | None,
    agreement_id: int | None,
    body: str,
    now: datetime,
) -> Sent:
    """Adds a message to the thread of a request or agreement and tells the other side."""
    if (request_id is None) == (agreement_id is None):
        raise InvalidInput("Name the care request or the agreement, not both.", field="request_id")
    if request_id is not None:
        thread = await _thread_of_request(session, actor, request_id)
    else:
        assert agreement_id is not None
        thread = await _thread_of_agreement(session, actor, agreement_id)
    side = await _side(session, actor, thread.council_id, thread.holder_id, thread.provider_id)
    text = rules.checked_body(body, contact_allowed=thread.contact_allowed)
    conversation = await _open(session, thread, now)
    assert conversation.id is not None
    message = Message(
        conversation_id=conversation.id,
        sender_id=actor.user_id,
        from_provider=side is Side.PROVIDER,
        body=text,
        sent_at=now,
    )
    session.add(message)
    conversation.last_message_at = now
    session.add(conversation)
    await session.flush()
    if side is Side.PROVIDER:
        told = await recipients.holder_side(session, thread.holder_id)
    else:
        told = await recipients.provider_side(session, thread.provider_id)
    await notify(
        session,
        NotificationKind.NEW_MESSAGE,
        told,
        link=links.conversation(conversation.id),
        now=now,
        excluding=actor.user_id,
    )
    return Sent(message, conversation)


async def agreement_of(session: AsyncSession, conversation: Conversation) -> int | None:
    """The agreement a thread continues into: its own, or the one made from its request."""
    if conversation.agreement_id is not None or conversation.request_id is None:
        return conversation.agreement_id
    query = select(col(Agreement.id)).where(col(Agreement.request_id) == conversation.request_id)
    return (await session.execute(query)).scalar_one_or_none()


async def list_conversations(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int | None,
    agreement_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[Conversation], int]:
    """Threads the actor may see, most recently active first."""
    query = select(Conversation).where(visible_clause(actor))
    if request_id is not None:
        query = query.where(col(Conversation.request_id) == request_id)
    if agreement_id is not None:
        by_request = select(col(Agreement.request_id)).where(col(Agreement.id) == agreement_id)
        query = query.where(
            (col(Conversation.agreement_id) == agreement_id) | col(Conversation.request_id).in_(by_request)
        )
    order = [col(Conversation.last_message_at).desc(), col(Conversation.id).desc()]
    return await queries.page(session, query, order, limit, offset)


async def visible_conversations(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> Mapping[int, Conversation]:
    return await queries.by_id(session, Conversation, visible_clause(actor), ids)


async def visible_messages(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> Mapping[int, Message]:
    rows = await session.execute(
        select(Message)
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(col(Message.id).in_(ids), visible_clause(actor))
    )
    return {m.id: m for m in rows.scalars()}  # type: ignore[misc]


async def list_messages(
    session: AsyncSession, *, conversation_id: int, limit: int, offset: int
) -> tuple[list[Message], int]:
    """A visible thread's messages, oldest first (the caller has checked the thread is visible)."""
    query = select(Message).where(col(Message.conversation_id) == conversation_id)
    return await queries.page(session, query, [col(Message.sent_at), col(Message.id)], limit, offset)


async def unread_counts(
    session: AsyncSession, *, conversation_ids: Sequence[int], from_provider: bool
) -> dict[int, int]:
    """Per thread, the messages from one side that nobody on the other side has read yet (one query
    for a page of threads; a thread without any is absent)."""
    rows = await session.execute(
        select(col(Message.conversation_id), func.count())
        .where(
            col(Message.conversation_id).in_(conversation_ids),
            col(Message.from_provider) == from_provider,
            col(Message.read_at).is_(None),
        )
        .group_by(col(Message.conversation_id))
    )
    return {conversation_id: int(n) for conversation_id, n in rows.all()}


def unread_from_provider(actor: Actor) -> bool:
    """Whose messages count as unread for `actor` in a thread they see: the other side's."""
    return side_in_visible(actor) is Side.HOLDER


async def _visible_conversation(session: AsyncSession, actor: Actor, conversation_id: int) -> Conversation:
    found = await visible_conversations(session, actor=actor, ids=[conversation_id])
    if conversation_id not in found:
        raise NotFound("No conversation with this ID.", field="conversation_id")
    return found[conversation_id]


async def mark_read(
    session: AsyncSession, *, actor: Actor, conversation_id: int, now: datetime
) -> Conversation:
    """The actor's side has read the other side's messages so far (a broker reading counts for the
    holder's side, for whom they speak)."""
    conversation = await _visible_conversation(session, actor, conversation_id)
    side = await _side(
        session, actor, conversation.council_id, conversation.holder_id, conversation.provider_id
    )
    await session.execute(
        update(Message)
        .where(
            col(Message.conversation_id) == conversation_id,
            col(Message.from_provider) == (side is Side.HOLDER),
            col(Message.read_at).is_(None),
            col(Message.sent_at) <= now,
        )
        .values(read_at=now)
    )
    return conversation


async def report_message(
    session: AsyncSession, *, actor: Actor, message_id: int, reason: str, now: datetime
) -> Message:
    """A party reports a message to the council, whose brokers are told; once per person per message."""
    found = await visible_messages(session, actor=actor, ids=[message_id])
    if message_id not in found:
        raise NotFound("No message with this ID.", field="message_id")
    message = found[message_id]
    conversation = await session.get(Conversation, message.conversation_id)
    assert conversation is not None and conversation.id is not None
    await _side(session, actor, conversation.council_id, conversation.holder_id, conversation.provider_id)
    if message.sender_id == actor.user_id:
        raise Conflict("You cannot report your own message.", field="message_id")
    text = rules.checked_reason(reason)
    report = MessageReport(
        message_id=message_id,
        council_id=conversation.council_id,
        reported_by_id=actor.user_id,
        reason=text,
        reported_at=now,
    )
    if not await insert_once(session, report):
        raise Conflict(
            "You have already reported this message.", field="message_id", code=ErrorCode.DUPLICATE
        )
    await notify(
        session,
        NotificationKind.MESSAGE_REPORTED,
        await recipients.council_staff(session, conversation.council_id),
        link=links.conversation(conversation.id),
        now=now,
        excluding=actor.user_id,
    )
    return message


async def report_counts(session: AsyncSession, *, message_ids: Sequence[int]) -> dict[int, int]:
    """How often each message was reported (one query for a page; an unreported one is absent)."""
    rows = await session.execute(
        select(col(MessageReport.message_id), func.count())
        .where(col(MessageReport.message_id).in_(message_ids))
        .group_by(col(MessageReport.message_id))
    )
    return {message_id: int(n) for message_id, n in rows.all()}


async def purge_messages(session: AsyncSession, *, now: datetime, retention_days: int) -> int:
    """Deletes messages (and their reports) sent more than `retention_days` ago: messages are
    personal data, kept no longer than the council needs them (UK GDPR art. 5(1)(e))."""
    before = now - timedelta(days=retention_days)
    old = select(col(Message.id)).where(col(Message.sent_at) < before)
    await session.execute(delete(MessageReport).where(col(MessageReport.message_id).in_(old)))
    result = await session.execute(delete(Message).where(col(Message.sent_at) < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
