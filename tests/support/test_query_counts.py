"""The DP support connections (`supportReferrals`, `subcontracts`, `leadContracts`, `supportProviders`)
cost the same statements for a page of 1 or of 50, with the contracts, organisations and people a
broker's or the public's list asks for."""

from __future__ import annotations

import pytest

from broker.accounts.models import Role
from tests.factories import (
    make_council,
    make_holder,
    make_lead_contract,
    make_referral,
    make_subcontract,
    make_support_org,
    make_user,
)
from tests.statements import counting_statements

REFERRALS = """
query($first: Int!) { supportReferrals(first: $first) { totalCount edges { cursor node {
  id route status createdAt sentAt waitedDays services { code }
  provider { name services { code } } leadProvider { name council { name } }
  leadContract { inForce services { code } council { name } leadProvider { name } }
  subcontract { status subcontractor { name } leadContract { startDate } }
  holder { homePostcode user { email } representatives { email } }
} } pageInfo { hasNextPage endCursor } } }
"""
SUBCONTRACTS = """
query($first: Int!) { subcontracts(first: $first) { totalCount nodes {
  id status startDate endDate services { code } awaitingAcceptanceFrom
  subcontractor { name services { code } accreditations { checkType status } }
  leadContract { inForce council { name } leadProvider { name } subcontracts { status } }
} pageInfo { hasNextPage } } }
"""
LEAD_CONTRACTS = """
query($first: Int!) { leadContracts(first: $first) { totalCount nodes {
  id startDate endDate annualValue inForce services { code } council { name }
  leadProvider { name services { code } availability { day } }
  subcontracts { status services { code } subcontractor { name } leadContract { id } }
} pageInfo { hasNextPage } } }
"""
SUPPORT_PROVIDERS = """
query($first: Int!) { supportProviders(first: $first) { totalCount nodes {
  roles provider { name services { code } council { name } }
  leadContracts { services { code } council { name } subcontracts { status subcontractor { name } } }
  subcontracts { status services { code } }
} pageInfo { hasNextPage } } }
"""


async def support_world(db, count: int = 60):
    """`count` DP support organisations of one council, each the lead of a contract that subcontracts
    payroll to the next; the first five subcontracts are still proposed. Five holders each chose
    subcontractors, one referral per subcontract."""
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    representative = await make_user(db, Role.REPRESENTATIVE, council)
    holders = [await make_holder(db, council, representatives=(representative,)) for _ in range(5)]
    orgs = [await make_support_org(db, council, name=f"Support {n:02d}") for n in range(count)]
    for n, lead in enumerate(orgs):
        contract = await make_lead_contract(db, council, lead)
        subcontractor = orgs[(n + 1) % count]
        subcontract = await make_subcontract(
            db, contract, subcontractor, status="PROPOSED" if n < 5 else "ACTIVE"
        )
        await make_referral(db, holders[n % len(holders)], contract, subcontractor, subcontract=subcontract)
    return broker


async def test_support_referrals_cost_the_same_statements_for_1_or_50(api, db):
    broker = await support_world(db)

    with counting_statements(db) as one:
        small = await api.data(REFERRALS, {"first": 1}, as_user=broker)
    with counting_statements(db) as fifty:
        large = await api.data(REFERRALS, {"first": 50}, as_user=broker)

    assert len(small["supportReferrals"]["edges"]) == 1
    nodes = [e["node"] for e in large["supportReferrals"]["edges"]]
    assert len(nodes) == 50
    assert large["supportReferrals"]["totalCount"] == 60
    assert all(n["holder"] is not None and n["subcontract"] is not None for n in nodes)
    assert len(one) == len(fifty)


@pytest.mark.parametrize("viewer", ["anonymous", "broker"])
async def test_subcontracts_cost_the_same_statements_for_1_or_50(api, db, viewer):
    broker = await support_world(db)
    as_user = broker if viewer == "broker" else None

    with counting_statements(db) as one:
        small = await api.data(SUBCONTRACTS, {"first": 1}, as_user=as_user)
    with counting_statements(db) as fifty:
        large = await api.data(SUBCONTRACTS, {"first": 50}, as_user=as_user)

    assert len(small["subcontracts"]["nodes"]) == 1
    assert len(large["subcontracts"]["nodes"]) == 50
    assert large["subcontracts"]["totalCount"] == (60 if viewer == "broker" else 55)
    assert len(one) == len(fifty)


@pytest.mark.parametrize("viewer", ["anonymous", "broker"])
async def test_lead_contracts_cost_the_same_statements_for_1_or_50(api, db, viewer):
    broker = await support_world(db)
    as_user = broker if viewer == "broker" else None

    with counting_statements(db) as one:
        small = await api.data(LEAD_CONTRACTS, {"first": 1}, as_user=as_user)
    with counting_statements(db) as fifty:
        large = await api.data(LEAD_CONTRACTS, {"first": 50}, as_user=as_user)

    assert len(small["leadContracts"]["nodes"]) == 1
    nodes = large["leadContracts"]["nodes"]
    assert len(nodes) == 50
    assert {len(n["subcontracts"]) for n in nodes} == {1}
    assert len(one) == len(fifty)


async def test_support_providers_cost_the_same_statements_for_1_or_50(api, db):
    await support_world(db)

    with counting_statements(db) as one:
        small = await api.data(SUPPORT_PROVIDERS, {"first": 1})
    with counting_statements(db) as fifty:
        large = await api.data(SUPPORT_PROVIDERS, {"first": 50})

    assert len(small["supportProviders"]["nodes"]) == 1
    nodes = large["supportProviders"]["nodes"]
    assert len(nodes) == 50
    assert large["supportProviders"]["pageInfo"]["hasNextPage"] is True
    assert len(one) == len(fifty)
