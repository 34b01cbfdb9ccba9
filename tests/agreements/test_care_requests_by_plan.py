"""`careRequests(planId:)`: a plan page asks for its own requests, not the council's newest hundred.
The filter only narrows what the caller may already see, so another council's plan shows nothing."""

from __future__ import annotations

import json

from strawberry.relay import to_base64

from broker.accounts.models import Role
from tests.factories import make_care_request, make_council, make_holder, make_plan, make_provider, make_user

BY_PLAN = """
query($plan: ID, $status: RequestStatus) { careRequests(planId: $plan, status: $status, first: 10) {
  totalCount nodes { planId status }
} }
"""


def gid(type_name: str, key: object) -> str:
    return to_base64(type_name, key)


async def _two_plans(db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    provider = await make_provider(db, council)
    first = await make_plan(db, await make_holder(db, council))
    second = await make_plan(db, await make_holder(db, council))
    await make_care_request(db, first, provider, sent_by=broker)
    await make_care_request(db, second, provider, sent_by=broker, status="DECLINED")
    await make_care_request(db, second, provider, sent_by=broker)
    return council, broker, first, second


async def test_a_broker_reads_only_the_requests_of_one_plan(api, db):
    _, broker, first, second = await _two_plans(db)

    one = await api.data(BY_PLAN, {"plan": gid("SupportPlan", first.id)}, as_user=broker)
    other = await api.data(BY_PLAN, {"plan": gid("SupportPlan", second.id)}, as_user=broker)
    declined = await api.data(
        BY_PLAN, {"plan": gid("SupportPlan", second.id), "status": "DECLINED"}, as_user=broker
    )
    every = await api.data(BY_PLAN, {}, as_user=broker)

    assert one["careRequests"] == {
        "totalCount": 1,
        "nodes": [{"planId": gid("SupportPlan", first.id), "status": "PENDING"}],
    }
    assert other["careRequests"]["totalCount"] == 2
    assert {n["planId"] for n in other["careRequests"]["nodes"]} == {gid("SupportPlan", second.id)}
    assert declined["careRequests"]["nodes"] == [
        {"planId": gid("SupportPlan", second.id), "status": "DECLINED"}
    ]
    assert every["careRequests"]["totalCount"] == 3


async def test_another_councils_broker_and_a_stranger_see_none_of_the_plans_requests(api, db):
    _, _, first, _ = await _two_plans(db)
    elsewhere = await make_user(db, Role.BROKER, await make_council(db))
    stranger = await make_user(db, Role.DP_HOLDER, await make_council(db))

    for user in (elsewhere, stranger):
        seen = await api.data(BY_PLAN, {"plan": gid("SupportPlan", first.id)}, as_user=user)
        assert seen["careRequests"] == {"totalCount": 0, "nodes": []}


async def test_signed_out_the_filter_is_refused(api, db):
    _, _, first, _ = await _two_plans(db)

    body = await api.execute(BY_PLAN, {"plan": gid("SupportPlan", first.id)})

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_a_malformed_or_wrong_kind_of_plan_id_is_an_error_on_plan_id_and_reads_nothing(api, db):
    _, broker, _, _ = await _two_plans(db)
    hostile = ("not-an-id", "\x00", "\ud800", gid("Provider", 1), gid("SupportPlan", "9" * 40), "x" * 5000)

    for plan in hostile:
        # Escaped JSON, as a client that sends a lone surrogate would.
        body = json.dumps({"query": BY_PLAN, "variables": {"plan": plan}}).encode()
        response = await api.http.post(
            "/graphql",
            content=body,
            headers={"Authorization": f"Bearer {api.token_for(broker)}", "Content-Type": "application/json"},
        )

        answer = response.json()
        assert response.status_code in (200, 400), (plan, response.text)
        assert not (answer.get("data") or {}).get("careRequests"), plan
        assert [e["extensions"].get("field") for e in answer["errors"]] == ["planId"], (plan, answer)
