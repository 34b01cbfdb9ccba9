"""A page of threads or of messages costs a fixed number of statements, however many are on it:
unread counts and report counts come through dataloaders, one query a page."""

from __future__ import annotations

from datetime import timedelta

from broker.accounts.models import Role
from broker.conversations.models import Conversation, Message, MessageReport
from broker.db import utcnow
from tests.conversations.world import world
from tests.factories import make_care_request, make_holder, make_plan, make_provider, make_user
from tests.statements import counting_statements

INBOX = """
query($first: Int!) { conversations(first: $first) { totalCount nodes { id unreadCount yourSide } } }
"""
THREAD = """
query($first: Int!) { conversations(first: 1) { nodes {
  messages(first: $first) { totalCount nodes { id body reportCount } }
} } }
"""


async def test_the_inbox_costs_the_same_statements_for_1_or_50_threads(api, db):
    w = await world(db)
    now = utcnow()
    requests = []
    for _ in range(50):
        holder = await make_holder(db, w.council)
        plan = await make_plan(db, holder)
        requests.append((holder, await make_care_request(db, plan, w.provider, sent_by=w.broker)))
    async with db.transaction() as session:
        for n, (holder, request) in enumerate(requests):
            thread = Conversation(
                council_id=w.council.id,
                holder_id=holder.id,
                provider_id=w.provider.id,
                request_id=request.id,
                created_at=now,
                last_message_at=now + timedelta(seconds=n),
            )
            session.add(thread)
            await session.flush()
            for k in range(n % 3 + 1):
                session.add(
                    Message(
                        conversation_id=thread.id,
                        sender_id=w.jo.id,
                        from_provider=True,
                        body=f"Hello {k}",
                        sent_at=now,
                    )
                )

    with counting_statements(db) as one:
        small = await api.data(INBOX, {"first": 1}, as_user=w.broker)
    with counting_statements(db) as fifty:
        large = await api.data(INBOX, {"first": 50}, as_user=w.broker)

    assert [t["unreadCount"] for t in small["conversations"]["nodes"]] == [49 % 3 + 1]
    assert [t["unreadCount"] for t in large["conversations"]["nodes"]] == [
        n % 3 + 1 for n in range(49, -1, -1)
    ]
    assert len(one) == len(fifty)


async def test_a_thread_costs_the_same_statements_for_1_or_50_messages(api, db):
    w = await world(db)
    now = utcnow()
    async with db.transaction() as session:
        thread = Conversation(
            council_id=w.council.id,
            holder_id=w.holder.id,
            provider_id=w.provider.id,
            request_id=w.request.id,
            created_at=now,
            last_message_at=now,
        )
        session.add(thread)
        await session.flush()
        for n in range(50):
            message = Message(
                conversation_id=thread.id,
                sender_id=w.jo.id,
                from_provider=True,
                body=f"Message {n}",
                sent_at=now + timedelta(seconds=n),
            )
            session.add(message)
            await session.flush()
            if n % 2:
                session.add(
                    MessageReport(
                        message_id=message.id,
                        council_id=w.council.id,
                        reported_by_id=w.amina.id,
                        reason="Rude",
                        reported_at=now,
                    )
                )

    with counting_statements(db) as one:
        small = await api.data(THREAD, {"first": 1}, as_user=w.broker)
    with counting_statements(db) as fifty:
        large = await api.data(THREAD, {"first": 50}, as_user=w.broker)

    [small_thread] = small["conversations"]["nodes"]
    [large_thread] = large["conversations"]["nodes"]
    assert [m["reportCount"] for m in small_thread["messages"]["nodes"]] == [0]
    assert [m["reportCount"] for m in large_thread["messages"]["nodes"]] == [n % 2 for n in range(50)]
    assert len(one) == len(fifty)


async def test_report_counts_stay_hidden_from_the_parties(api, db):
    w = await world(db)
    other = await make_user(db, Role.PROVIDER, w.council)
    await make_provider(db, w.council, owner=other, name="Kim")
    now = utcnow()
    async with db.transaction() as session:
        thread = Conversation(
            council_id=w.council.id,
            holder_id=w.holder.id,
            provider_id=w.provider.id,
            request_id=w.request.id,
            created_at=now,
            last_message_at=now,
        )
        session.add(thread)
        await session.flush()
        session.add(
            Message(conversation_id=thread.id, sender_id=w.jo.id, from_provider=True, body="Hi", sent_at=now)
        )

    seen = await api.data(THREAD, {"first": 5}, as_user=w.amina)

    [thread_seen] = seen["conversations"]["nodes"]
    assert [m["reportCount"] for m in thread_seen["messages"]["nodes"]] == [None]
