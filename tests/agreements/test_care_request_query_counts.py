"""The `careRequests` connection, and the same one on `viewer`, cost the same statements for a page
of 1 or of 50, with the provider, the person, the needs asked for and who answered."""

from __future__ import annotations

import pytest

from broker.accounts.models import Role
from tests.factories import make_care_request, make_council, make_holder, make_plan, make_provider, make_user
from tests.statements import counting_statements

FIELDS = """
  id status message reason sentAt expiresAt respondedAt respondedOnBehalf planId
  provider { name services { code } accreditations { checkType } }
  holder { homePostcode user { email } representatives { email } }
  needs { hoursPerWeek service { code } slots { day start end } }
  respondedBy { email }
"""
CARE_REQUESTS = (
    "query($first: Int!) { careRequests(first: $first) { totalCount edges { cursor node {"
    + FIELDS
    + "} } pageInfo { hasNextPage endCursor } } }"
)
VIEWER_CARE_REQUESTS = (
    "query($first: Int!) { viewer { careRequests(first: $first) { totalCount nodes {"
    + FIELDS
    + "} pageInfo { hasNextPage } } } }"
)


async def requests_world(db, count: int = 55):
    """Five holders' plans send `count` requests to one PA; every third is accepted by the PA."""
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    owner = await make_user(db, Role.PROVIDER, council)
    provider = await make_provider(db, council, owner=owner, name="Asha")
    representative = await make_user(db, Role.REPRESENTATIVE, council)
    plans = [
        await make_plan(db, await make_holder(db, council, representatives=(representative,)))
        for _ in range(5)
    ]
    for n in range(count):
        answered = n % 3 == 0
        await make_care_request(
            db,
            plans[n % len(plans)],
            provider,
            sent_by=broker,
            status="ACCEPTED" if answered else "PENDING",
            responded_by=owner if answered else None,
        )
    return broker, owner


@pytest.mark.parametrize("viewer", ["broker", "provider"])
async def test_care_requests_cost_the_same_statements_for_1_or_50(api, db, viewer):
    broker, owner = await requests_world(db)
    as_user = broker if viewer == "broker" else owner

    with counting_statements(db) as one:
        small = await api.data(CARE_REQUESTS, {"first": 1}, as_user=as_user)
    with counting_statements(db) as fifty:
        large = await api.data(CARE_REQUESTS, {"first": 50}, as_user=as_user)

    assert len(small["careRequests"]["edges"]) == 1
    nodes = [e["node"] for e in large["careRequests"]["edges"]]
    assert len(nodes) == 50
    assert large["careRequests"]["totalCount"] == 55
    assert {len(n["needs"]) for n in nodes} == {1}
    assert len([n for n in nodes if n["respondedBy"] is not None]) == 17
    assert len(one) == len(fifty)


async def test_viewer_care_requests_cost_the_same_statements_for_1_or_50(api, db):
    _, owner = await requests_world(db)

    with counting_statements(db) as one:
        small = await api.data(VIEWER_CARE_REQUESTS, {"first": 1}, as_user=owner)
    with counting_statements(db) as fifty:
        large = await api.data(VIEWER_CARE_REQUESTS, {"first": 50}, as_user=owner)

    assert len(small["viewer"]["careRequests"]["nodes"]) == 1
    assert len(large["viewer"]["careRequests"]["nodes"]) == 50
    assert large["viewer"]["careRequests"]["pageInfo"]["hasNextPage"] is True
    assert len(one) == len(fifty)
