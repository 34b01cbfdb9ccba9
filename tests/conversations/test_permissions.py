"""Only the parties to a thread (the holder, their representatives, the provider's own sign-in) and the
holder's council's brokers see it or write in it: nobody else, whatever their role."""

from __future__ import annotations

import pytest

from broker.conversations.models import Message, MessageReport
from tests.conversations.world import REPORT, SEND, THREADS, gid, world
from tests.factories import count

PARTIES = ["amina", "son", "broker", "jo"]
OUTSIDERS = ["other_broker", "other_provider", "commissioner", "platform_admin", "stranger_holder"]


@pytest.mark.parametrize("who", PARTIES)
async def test_each_party_sees_the_thread(api, db, who):
    w = await world(db)
    await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)

    seen = await api.data(THREADS, as_user=getattr(w, who))

    assert seen["conversations"]["totalCount"] == 1
    assert [m["body"] for m in seen["conversations"]["nodes"][0]["messages"]["nodes"]] == ["Hello Jo"]


@pytest.mark.parametrize("who", OUTSIDERS)
async def test_nobody_else_sees_the_thread_or_its_messages_by_id(api, db, who):
    w = await world(db)
    sent = await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)
    ids = sent["sendMessage"]["conversation"]["id"], sent["sendMessage"]["message"]["id"]

    seen = await api.data(THREADS, as_user=getattr(w, who))
    by_id = await api.data(
        "query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } }",
        {"a": ids[0], "b": ids[1]},
        as_user=getattr(w, who),
    )

    assert seen["conversations"] == {"totalCount": 0, "nodes": []}
    assert by_id == {"a": None, "b": None}


@pytest.mark.parametrize("who", OUTSIDERS)
async def test_nobody_else_writes_in_the_thread(api, db, who):
    w = await world(db)

    refused = await api.data(SEND, w.on_request("Let me in"), as_user=getattr(w, who))

    assert refused["sendMessage"]["message"] is None
    [error] = refused["sendMessage"]["userErrors"]
    assert error["code"] in {"NOT_FOUND", "PERMISSION_DENIED"}
    assert await count(db, Message) == 0


@pytest.mark.parametrize("who", OUTSIDERS)
async def test_nobody_else_reports_a_message(api, db, who):
    w = await world(db)
    sent = await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)
    message_id = sent["sendMessage"]["message"]["id"]

    refused = await api.data(
        REPORT, {"input": {"messageId": message_id, "reason": "Spam"}}, as_user=getattr(w, who)
    )

    assert refused["reportMessage"]["userErrors"][0]["code"] in {"NOT_FOUND", "PERMISSION_DENIED"}
    assert await count(db, MessageReport) == 0


async def test_anonymous_callers_neither_read_nor_write(api, db):
    w = await world(db)
    await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)

    read = await api.execute(THREADS)
    written = await api.execute(SEND, w.on_request("Anonymous hello"))
    reported = await api.execute(REPORT, {"input": {"messageId": gid("Message", w.request), "reason": "x"}})

    for body in (read, written, reported):
        assert body["data"] is None
        assert body["errors"][0]["message"] == "Sign in to do this."
    assert await count(db, Message) == 1


async def test_a_provider_sees_only_threads_about_requests_to_its_own_listing(api, db):
    w = await world(db)
    await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)

    mine = await api.data(THREADS, as_user=w.jo)
    not_mine = await api.data(THREADS, as_user=w.other_provider)

    assert mine["conversations"]["totalCount"] == 1
    assert not_mine["conversations"]["totalCount"] == 0
