"""The `users` connection costs the same statements for a page of 1 or of 50, with the fields an
administrator's user list asks for (and `careRequests` / `provider`, null on anyone but yourself)."""

from __future__ import annotations

import pytest

from broker.accounts.models import Role
from tests.factories import make_council, make_provider, make_user
from tests.statements import counting_statements

USERS = """
query($first: Int!) { users(first: $first) { totalCount edges { cursor node {
  id email fullName role active council { name }
  careRequests(first: 5) { totalCount }
  provider { name }
} } pageInfo { hasNextPage endCursor } } }
"""


@pytest.mark.parametrize("viewer", [Role.BROKER, Role.ADMIN])
async def test_users_cost_the_same_statements_for_1_or_50(api, db, viewer):
    council = await make_council(db)
    staff = await make_user(db, viewer, council)
    for n in range(55):
        user = await make_user(db, Role.PROVIDER if n % 2 else Role.DP_HOLDER, council)
        if n % 2:
            await make_provider(db, council, owner=user)

    with counting_statements(db) as one:
        small = await api.data(USERS, {"first": 1}, as_user=staff)
    with counting_statements(db) as fifty:
        large = await api.data(USERS, {"first": 50}, as_user=staff)

    assert len(small["users"]["edges"]) == 1
    nodes = [e["node"] for e in large["users"]["edges"]]
    assert len(nodes) == 50
    assert large["users"]["totalCount"] == 56
    assert {n["council"]["name"] for n in nodes} == {council.name}
    others = [n for n in nodes if n["email"] != staff.email]
    assert all(n["careRequests"] is None and n["provider"] is None for n in others)
    assert len(one) == len(fifty)
