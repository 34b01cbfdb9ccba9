"""Amina and Jo talk about Amina's care request in one thread that carries on into their agreement;
each side sees when the other has read it, and is notified of new messages."""

from __future__ import annotations

from datetime import timedelta

from broker.conversations.models import Conversation, Message
from tests.conversations.world import MARK_READ, NOTIFICATIONS, SEND, THREADS, accept, gid, world
from tests.factories import count


async def test_a_holder_writes_to_the_provider_who_reads_and_answers(api, db, clock):
    w = await world(db)

    sent = await api.data(SEND, w.on_request("Could you start before Christmas?"), as_user=w.amina)
    clock.at += timedelta(minutes=5)
    seen_by_jo = await api.data(THREADS, as_user=w.jo)

    assert sent["sendMessage"]["userErrors"] == []
    assert sent["sendMessage"]["message"]["body"] == "Could you start before Christmas?"
    assert sent["sendMessage"]["message"]["side"] == "HOLDER"
    assert sent["sendMessage"]["message"]["readAt"] is None
    thread = seen_by_jo["conversations"]["nodes"][0]
    assert seen_by_jo["conversations"]["totalCount"] == 1
    assert thread["yourSide"] == "PROVIDER"
    assert thread["unreadCount"] == 1
    assert thread["careRequest"] == {"id": gid("CareRequest", w.request)}
    assert [m["body"] for m in thread["messages"]["nodes"]] == ["Could you start before Christmas?"]

    read = await api.data(MARK_READ, {"input": {"conversationId": thread["id"]}}, as_user=w.jo)
    answered = await api.data(SEND, w.on_request("Yes, from the 15th."), as_user=w.jo)
    seen_by_amina = await api.data(THREADS, as_user=w.amina)

    assert read["markConversationRead"] == {"conversation": {"unreadCount": 0}, "userErrors": []}
    assert answered["sendMessage"]["message"]["side"] == "PROVIDER"
    assert answered["sendMessage"]["conversation"]["id"] == thread["id"]
    messages = seen_by_amina["conversations"]["nodes"][0]["messages"]["nodes"]
    assert [(m["body"], m["side"], m["readAt"] is not None) for m in messages] == [
        ("Could you start before Christmas?", "HOLDER", True),
        ("Yes, from the 15th.", "PROVIDER", False),
    ]
    assert seen_by_amina["conversations"]["nodes"][0]["unreadCount"] == 1


async def test_the_other_side_is_notified_of_a_new_message_and_the_sender_is_not(api, db):
    w = await world(db)

    await api.data(SEND, w.on_request("Could you start before Christmas?"), as_user=w.amina)

    jo_told = (await api.data(NOTIFICATIONS, as_user=w.jo))["viewer"]["notifications"]
    amina_told = (await api.data(NOTIFICATIONS, as_user=w.amina))["viewer"]["notifications"]
    son_told = (await api.data(NOTIFICATIONS, as_user=w.son))["viewer"]["notifications"]
    assert [n["kind"] for n in jo_told["nodes"]] == ["NEW_MESSAGE"]
    assert jo_told["nodes"][0]["summary"] == "You have a new message"
    assert jo_told["nodes"][0]["link"].startswith("/conversations/")
    assert "Christmas" not in str(jo_told)
    assert amina_told["totalCount"] == 0
    assert son_told["totalCount"] == 0


async def test_the_representative_and_the_broker_speak_on_the_holders_side(api, db):
    w = await world(db)

    by_son = await api.data(SEND, w.on_request("I am Amina's son."), as_user=w.son)
    by_broker = await api.data(SEND, w.on_request("Broker here, helping Amina."), as_user=w.broker)

    assert by_son["sendMessage"]["message"]["side"] == "HOLDER"
    assert by_broker["sendMessage"]["message"]["side"] == "HOLDER"
    assert by_son["sendMessage"]["conversation"] == by_broker["sendMessage"]["conversation"]
    assert await count(db, Conversation) == 1


async def test_the_thread_carries_on_into_the_agreement_made_from_the_request(api, db):
    w = await world(db)
    await api.data(SEND, w.on_request("Before we agree: Mondays?"), as_user=w.amina)
    agreement = await accept(db, w, with_agreement=True)

    later = await api.data(
        SEND,
        {"input": {"agreementId": gid("Agreement", agreement), "body": "Agreed, Mondays."}},
        as_user=w.jo,
    )
    by_agreement = await api.data(
        THREADS, {"filter": {"agreementId": gid("Agreement", agreement)}}, as_user=w.amina
    )

    assert later["sendMessage"]["userErrors"] == []
    thread = by_agreement["conversations"]["nodes"][0]
    assert by_agreement["conversations"]["totalCount"] == 1
    assert thread["agreement"] == {"id": gid("Agreement", agreement)}
    assert [m["body"] for m in thread["messages"]["nodes"]] == [
        "Before we agree: Mondays?",
        "Agreed, Mondays.",
    ]
    assert await count(db, Conversation) == 1
    assert await count(db, Message) == 2


async def test_naming_both_a_request_and_an_agreement_or_neither_is_refused(api, db):
    w = await world(db)
    agreement = await accept(db, w, with_agreement=True)

    both = await api.data(
        SEND,
        {
            "input": {
                "requestId": gid("CareRequest", w.request),
                "agreementId": gid("Agreement", agreement),
                "body": "Hello",
            }
        },
        as_user=w.amina,
    )
    neither = await api.data(SEND, {"input": {"body": "Hello"}}, as_user=w.amina)

    for answer in (both, neither):
        assert answer["sendMessage"]["message"] is None
        assert answer["sendMessage"]["userErrors"] == [
            {
                "field": "input.requestId",
                "message": "Name the care request or the agreement, not both.",
                "code": "INVALID",
            }
        ]
    assert await count(db, Message) == 0
