"""The `providers` connection costs the same statements for one listing or fifty, whoever asks."""

from __future__ import annotations

import pytest

from broker.accounts.models import Role
from broker.providers.models import ProviderStatus
from tests.factories import make_council, make_provider, make_user
from tests.statements import counting_statements

NESTED = """
query($first: Int!) { providers(first: $first) { totalCount edges { cursor node {
  name accredited accreditedUntil languages { code name }
  services { code label }
  accreditations { checkType status current reference checkedOn expiresOn }
  availability { day start end }
  council { name }
} } pageInfo { hasNextPage endCursor } } }
"""


@pytest.mark.parametrize("viewer", ["anonymous", "broker", "provider"])
async def test_providers_with_nested_fields_cost_the_same_for_1_or_50(api, db, viewer):
    council = await make_council(db)
    owner = await make_user(db, Role.PROVIDER, council)
    users = {"anonymous": None, "broker": await make_user(db, Role.BROKER, council), "provider": owner}
    await make_provider(db, council, owner=owner, status=ProviderStatus.DRAFT, name="Own draft")
    for n in range(55):
        await make_provider(db, council, name=f"Listing {n:03d}")

    with counting_statements(db) as one:
        small = await api.data(NESTED, {"first": 1}, as_user=users[viewer])
    with counting_statements(db) as fifty:
        large = await api.data(NESTED, {"first": 50}, as_user=users[viewer])

    assert len(small["providers"]["edges"]) == 1
    assert len(large["providers"]["edges"]) == 50
    assert large["providers"]["pageInfo"]["hasNextPage"] is True
    assert len(one) == len(fifty)
