"""The `agreements` connection costs the same statements for a page of 1 or of 50, with everything a
broker's agreement list asks for: the people, the schedule, the history, the card warnings and the
latest payments."""

from __future__ import annotations

from datetime import date

from broker.accounts.models import Role
from broker.agreements.models import BlockedMerchantCategory
from broker.holders.models import DPHolder, DPHolding
from tests.factories import (
    adjust_provider,
    make_agreement,
    make_council,
    make_holder,
    make_payment,
    make_plan,
    make_provider,
    make_user,
)
from tests.statements import counting_statements

AGREEMENTS = """
query($first: Int!) { agreements(first: $first) { totalCount edges { cursor node {
  id status hoursPerWeek hourlyRate weeklyCost startDate endDate planId requestId
  provider { name services { code } }
  holder { heldAs user { email } council { name } representatives { email } }
  needs { hoursPerWeek budgetedRate service { code } }
  slots { day start end }
  history { toStatus at by { email } }
  warnings { code merchantCategoryCode routes }
  payments(first: 2) { totalCount nodes { amountPence status } pageInfo { hasNextPage } }
} } pageInfo { hasNextPage endCursor } } }
"""


async def agreements_world(db, count: int = 55, pas: int = 5):
    """Four holders (two paying by pre-paid card) and `pas` PAs (the first two in a category the cards
    decline) share `count` agreements, each with one payment. Returns the broker and the PAs' sign-ins."""
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    plans = []
    for h in range(4):
        holder = await make_holder(db, council)
        if h % 2 == 0:
            async with db.transaction() as session:
                row = await session.get(DPHolder, holder.id)
                assert row is not None
                row.held_as = DPHolding.PREPAID_CARD
        plans.append(await make_plan(db, holder))
    providers, owners = [], []
    for p in range(pas):
        owners.append(await make_user(db, Role.PROVIDER, council))
        provider = await make_provider(db, council, owner=owners[-1], name=f"PA {p}")
        category = "7299" if p < 2 else "8099"
        providers.append(await adjust_provider(db, provider, merchant_category_code=category))
    async with db.transaction() as session:
        session.add(BlockedMerchantCategory(council_id=council.id, code="7299", description="Personal"))
    for n in range(count):
        agreement = await make_agreement(
            db, plans[n % len(plans)], providers[n % len(providers)], created_by=broker, enqueue=False
        )
        await make_payment(db, agreement, period_start=date(2026, 4, 6))
    return broker, owners


async def test_agreements_cost_the_same_statements_for_1_or_50(api, db):
    broker, _ = await agreements_world(db)

    with counting_statements(db) as one:
        small = await api.data(AGREEMENTS, {"first": 1}, as_user=broker)
    with counting_statements(db) as fifty:
        large = await api.data(AGREEMENTS, {"first": 50}, as_user=broker)

    assert len(small["agreements"]["edges"]) == 1
    nodes = [e["node"] for e in large["agreements"]["edges"]]
    assert len(nodes) == 50
    assert large["agreements"]["pageInfo"]["hasNextPage"] is True
    assert {n["payments"]["totalCount"] for n in nodes} == {1}
    warned = [n for n in nodes if n["warnings"]]
    assert {w["merchantCategoryCode"] for n in warned for w in n["warnings"]} == {"7299"}
    assert all(n["holder"]["heldAs"] == "PREPAID_CARD" for n in warned)
    assert len(warned) == 10
    assert len(one) == len(fifty)


async def test_a_providers_agreements_cost_the_same_statements_for_1_or_50(api, db):
    _, (owner,) = await agreements_world(db, pas=1)

    with counting_statements(db) as one:
        small = await api.data(AGREEMENTS, {"first": 1}, as_user=owner)
    with counting_statements(db) as fifty:
        large = await api.data(AGREEMENTS, {"first": 50}, as_user=owner)

    assert len(small["agreements"]["edges"]) == 1
    nodes = [e["node"] for e in large["agreements"]["edges"]]
    assert len(nodes) == 50
    assert {n["holder"] is None for n in nodes} == {True}
    assert {n["payments"]["totalCount"] for n in nodes} == {1}
    assert len([n for n in nodes if n["warnings"]]) == 25
    assert len(one) == len(fifty)


async def test_an_agreements_payments_are_paged_latest_period_first(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    plan = await make_plan(db, await make_holder(db, council))
    agreement = await make_agreement(db, plan, await make_provider(db, council), created_by=broker)
    for week in range(3):
        await make_payment(db, agreement, period_start=date(2026, 4, 6 + 7 * week))
    query = """
    query($first: Int!, $after: String) { agreements { nodes { payments(first: $first, after: $after) {
      totalCount edges { cursor node { periodStart } } pageInfo { hasNextPage }
    } } } }
    """

    first = await api.data(query, {"first": 2}, as_user=broker)
    page = first["agreements"]["nodes"][0]["payments"]
    after = page["edges"][-1]["cursor"]
    rest = (await api.data(query, {"first": 2, "after": after}, as_user=broker))["agreements"]["nodes"][0]

    assert [e["node"]["periodStart"] for e in page["edges"]] == ["2026-04-20", "2026-04-13"]
    assert (page["totalCount"], page["pageInfo"]["hasNextPage"]) == (3, True)
    assert [e["node"]["periodStart"] for e in rest["payments"]["edges"]] == ["2026-04-06"]
    assert (rest["payments"]["totalCount"], rest["payments"]["pageInfo"]["hasNextPage"]) == (3, False)
