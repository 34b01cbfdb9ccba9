"""Who answers a care request: a provider with its own sign-in answers for itself; council staff answer,
on the provider's behalf and recorded as such, only for a listing without a sign-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.agreements.models import CareRequest
from tests.factories import make_council, make_holder, make_plan, make_provider, make_user, reload

SEND = """
mutation($input: SendRequestInput!) { sendRequest(input: $input) {
  careRequest { id } userErrors { field message code }
} }
"""
RESPOND = """
mutation($input: RespondToRequestInput!) { respondToRequest(input: $input) {
  careRequest { status reason respondedAt respondedBy { email } respondedOnBehalf }
  userErrors { field message code }
} }
"""
REQUESTS = "{ careRequests { nodes { status reason respondedAt respondedBy { email } respondedOnBehalf } } }"
UNANSWERED = {
    "status": "PENDING",
    "reason": "",
    "respondedAt": None,
    "respondedBy": None,
    "respondedOnBehalf": False,
}


def gid(kind: str, value) -> str:
    return to_base64(kind, value.id)


async def _request_to(api, db, *, with_sign_in: bool):
    """Amina's plan and a pending request from her to Jo, a PA whose listing has its own PROVIDER
    sign-in or (`with_sign_in=False`) is kept by the council for her."""
    council = await make_council(db, "Leeds City Council")
    amina = await make_holder(db, council)
    holder_user = await reload(db, User, amina.user_id)
    plan = await make_plan(db, amina)
    jo_user = await make_user(db, Role.PROVIDER, council) if with_sign_in else None
    jo = await make_provider(db, council, owner=jo_user, name="Jo")
    sent = await api.data(
        SEND,
        {"input": {"planId": gid("SupportPlan", plan), "providerId": gid("Provider", jo)}},
        as_user=holder_user,
    )
    assert sent["sendRequest"]["userErrors"] == []
    return council, holder_user, jo_user, sent["sendRequest"]["careRequest"]["id"]


async def _statuses(db) -> list[tuple[str, int | None, bool]]:
    async with db.session() as session:
        rows = await session.execute(
            select(CareRequest.status, CareRequest.responded_by_id, CareRequest.responded_on_behalf)
        )
        return [(s.value, by, on_behalf) for s, by, on_behalf in rows]


@pytest.mark.parametrize("role", [Role.BROKER, Role.ADMIN])
async def test_council_staff_cannot_answer_for_a_provider_with_its_own_sign_in(api, db, role):
    council, _, _, request_id = await _request_to(api, db, with_sign_in=True)
    staff = await make_user(db, role, council)

    refused = await api.data(RESPOND, {"input": {"requestId": request_id, "accept": True}}, as_user=staff)
    seen_by_staff = await api.data(REQUESTS, as_user=staff)

    assert refused["respondToRequest"] == {
        "careRequest": None,
        "userErrors": [
            {
                "field": "input.requestId",
                "message": "Jo has their own sign-in and answers their own requests; council staff answer "
                "only for listings without one.",
                "code": "PERMISSION_DENIED",
            }
        ],
    }
    assert seen_by_staff["careRequests"]["nodes"] == [UNANSWERED]
    assert await _statuses(db) == [("PENDING", None, False)]


async def test_a_provider_with_its_own_sign_in_still_answers_for_itself(api, db):
    council, _, jo_user, request_id = await _request_to(api, db, with_sign_in=True)
    broker = await make_user(db, Role.BROKER, council)
    await api.data(RESPOND, {"input": {"requestId": request_id, "accept": True}}, as_user=broker)

    answered = await api.data(
        RESPOND, {"input": {"requestId": request_id, "accept": False, "reason": "Full up"}}, as_user=jo_user
    )
    seen_by_broker = await api.data(REQUESTS, as_user=broker)

    own_answer = {
        "status": "DECLINED",
        "reason": "Full up",
        "respondedAt": "2026-11-26T10:00:00+00:00",
        "respondedBy": {"email": jo_user.email},
        "respondedOnBehalf": False,
    }
    assert answered["respondToRequest"] == {"careRequest": own_answer, "userErrors": []}
    assert seen_by_broker["careRequests"]["nodes"] == [own_answer]
    assert await _statuses(db) == [("DECLINED", jo_user.id, False)]


async def test_a_broker_answers_for_a_listing_without_a_sign_in_and_it_is_recorded_as_on_its_behalf(api, db):
    council, holder_user, _, request_id = await _request_to(api, db, with_sign_in=False)
    broker = await make_user(db, Role.BROKER, council)

    answered = await api.data(
        RESPOND,
        {"input": {"requestId": request_id, "accept": True, "reason": "Jo said yes on the phone"}},
        as_user=broker,
    )
    seen_by_holder = await api.data(REQUESTS, as_user=holder_user)

    on_behalf = {
        "status": "ACCEPTED",
        "reason": "Jo said yes on the phone",
        "respondedAt": "2026-11-26T10:00:00+00:00",
        "respondedBy": {"email": broker.email},
        "respondedOnBehalf": True,
    }
    assert answered["respondToRequest"] == {"careRequest": on_behalf, "userErrors": []}
    # The holder learns it was answered for Jo, though not which member of staff did it.
    assert seen_by_holder["careRequests"]["nodes"] == [{**on_behalf, "respondedBy": None}]
    assert await _statuses(db) == [("ACCEPTED", broker.id, True)]


async def test_nobody_else_answers_a_request_to_a_listing_without_a_sign_in(api, db):
    council, holder_user, _, request_id = await _request_to(api, db, with_sign_in=False)
    york_broker = await make_user(db, Role.BROKER, await make_council(db, "City of York Council"))
    other_provider = await make_user(db, Role.PROVIDER, council)
    answer = {"input": {"requestId": request_id, "accept": True}}

    anonymous = await api.execute(RESPOND, answer)
    by_york = await api.data(RESPOND, answer, as_user=york_broker)
    by_other_provider = await api.data(RESPOND, answer, as_user=other_provider)
    by_holder = await api.data(RESPOND, answer, as_user=holder_user)

    assert anonymous["data"] is None
    assert [(e["message"], e["extensions"]) for e in anonymous["errors"]] == [
        ("Sign in to do this.", {"code": "UNAUTHENTICATED"})
    ]
    not_found = {
        "careRequest": None,
        "userErrors": [
            {"field": "input.requestId", "message": "No request with this ID.", "code": "NOT_FOUND"}
        ],
    }
    assert by_york["respondToRequest"] == not_found
    assert by_other_provider["respondToRequest"] == not_found
    assert by_holder["respondToRequest"] == {
        "careRequest": None,
        "userErrors": [
            {
                "field": "input.requestId",
                "message": "Only the provider answers a request.",
                "code": "PERMISSION_DENIED",
            }
        ],
    }
    assert await _statuses(db) == [("PENDING", None, False)]
