"""Messages are plain text of a sensible size; contact details wait until the provider has accepted;
hostile input is refused and nothing is written."""

from __future__ import annotations

import json

import pytest

from broker.conversations.models import Conversation, Message
from broker.notifications.models import Notification
from tests.conversations.world import SEND, accept, gid, world
from tests.factories import count


async def _nothing_written(db) -> None:
    assert await count(db, Message) == 0
    assert await count(db, Conversation) == 0
    assert await count(db, Notification) == 0


@pytest.mark.parametrize(
    "body",
    [
        "Email me at amina.k@example.org",
        "email me: amina (at) example.org",
        "Call 0113 496 0123",
        "ring +44 7700 900123 after six",
        "my mobile is 07700-900-123",
    ],
)
async def test_contact_details_are_refused_before_the_request_is_accepted(api, db, body):
    w = await world(db)

    refused = await api.data(SEND, w.on_request(body), as_user=w.amina)

    assert refused["sendMessage"] == {
        "message": None,
        "conversation": None,
        "userErrors": [
            {
                "field": "input.body",
                "message": "Email addresses and phone numbers can be shared once the provider has accepted "
                "the request.",
                "code": "INVALID",
            }
        ],
    }
    await _nothing_written(db)


async def test_contact_details_may_be_shared_once_the_request_is_accepted(api, db):
    w = await world(db)
    await accept(db, w)

    sent = await api.data(SEND, w.on_request("Call me on 0113 496 0123"), as_user=w.jo)

    assert sent["sendMessage"]["userErrors"] == []
    assert sent["sendMessage"]["message"]["body"] == "Call me on 0113 496 0123"


async def test_times_dates_and_money_are_not_mistaken_for_phone_numbers(api, db):
    w = await world(db)

    sent = await api.data(
        SEND, w.on_request("From 15/12/2026, 9:00 to 14:00, 10 hours at £14.50 an hour"), as_user=w.amina
    )

    assert sent["sendMessage"]["userErrors"] == []


@pytest.mark.parametrize(
    "body",
    ["<b>Hello</b>", "Hi <script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!-- hidden -->"],
)
async def test_html_is_refused_not_stored(api, db, body):
    w = await world(db)

    refused = await api.data(SEND, w.on_request(body), as_user=w.amina)

    assert refused["sendMessage"]["userErrors"] == [
        {"field": "input.body", "message": "Messages are plain text: remove the HTML.", "code": "INVALID"}
    ]
    await _nothing_written(db)


async def test_a_less_than_sign_in_plain_text_is_fine(api, db):
    w = await world(db)

    sent = await api.data(SEND, w.on_request("I need < 10 hours, and 3 > 2"), as_user=w.amina)

    assert sent["sendMessage"]["message"]["body"] == "I need < 10 hours, and 3 > 2"


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ("", "Write a message.", "REQUIRED"),
        ("   \n ", "Write a message.", "REQUIRED"),
        ("x" * 2_001, "At most 2,000 characters.", "TOO_LONG"),
    ],
)
async def test_empty_and_oversized_messages_are_refused(api, db, body, message, code):
    w = await world(db)

    refused = await api.data(SEND, w.on_request(body), as_user=w.amina)

    assert refused["sendMessage"]["userErrors"] == [{"field": "input.body", "message": message, "code": code}]
    await _nothing_written(db)


async def test_a_message_of_exactly_the_limit_is_kept_whole(api, db):
    w = await world(db)

    sent = await api.data(SEND, w.on_request("y" * 2_000), as_user=w.amina)

    assert len(sent["sendMessage"]["message"]["body"]) == 2_000


@pytest.mark.parametrize("poison", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
async def test_nul_and_lone_surrogates_are_refused_before_anything_runs(api, db, poison):
    w = await world(db)
    body = json.dumps({"query": SEND, "variables": w.on_request(f"Hello{poison}Jo")}).encode()

    response = await api.http.post(
        "/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {api.token_for(w.amina)}",
            "content-type": "application/json",
            "Accept": "application/graphql-response+json",
        },
    )

    assert response.status_code == 400
    assert [e["extensions"]["field"] for e in response.json()["errors"]] == ["input.body"]
    await _nothing_written(db)


@pytest.mark.parametrize(
    "request_id",
    ["not-an-id", "Q2FyZVJlcXVlc3Q6OTk5OTk5OTk5OTk5"],
    ids=["garbage", "huge-key"],
)
async def test_malformed_ids_are_refused(api, db, request_id):
    w = await world(db)

    body = await api.execute(SEND, {"input": {"requestId": request_id, "body": "Hi"}}, as_user=w.amina)

    assert body["data"] is None
    assert [e["extensions"]["field"] for e in body["errors"]] == ["input.requestId"]
    await _nothing_written(db)


async def test_an_id_of_another_type_is_refused(api, db):
    w = await world(db)

    refused = await api.data(
        SEND, {"input": {"requestId": gid("Provider", w.provider), "body": "Hi"}}, as_user=w.amina
    )

    assert refused["sendMessage"]["userErrors"] == [
        {"field": "input.requestId", "message": "Expected a CareRequest ID.", "code": "NOT_FOUND"}
    ]
    await _nothing_written(db)


async def test_a_request_that_does_not_exist_is_not_found(api, db):
    w = await world(db)

    refused = await api.data(
        SEND,
        {"input": {"requestId": gid("CareRequest", type("Row", (), {"id": 999})), "body": "Hi"}},
        as_user=w.amina,
    )

    assert refused["sendMessage"]["userErrors"] == [
        {"field": "input.requestId", "message": "No care request with this ID.", "code": "NOT_FOUND"}
    ]
    await _nothing_written(db)
