"""Listing DP holders with their plans costs a fixed number of statements, however many are on the
page: a holder's plans come through one loader, not a transaction per holder."""

from __future__ import annotations

from sqlalchemy import func, select
from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.plans.models import PlanRead
from tests.factories import make_council, make_holder, make_plan, make_user, reload
from tests.statements import counting_statements

HOLDERS = """
query($first: Int!) { dpHolders(first: $first) { totalCount nodes {
  id weeklyBudgetPence heldAs user { email } council { name } representatives { email }
  supportPlans { id status needs { hoursPerWeek slots { day } } preferences { kind } budget { overBudget } }
} } }
"""


async def test_dpholders_with_their_plans_cost_the_same_statements_for_1_or_50_holders(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    representative = await make_user(db, Role.REPRESENTATIVE, council)
    for _ in range(50):
        holder = await make_holder(db, council, representatives=(representative,))
        await make_plan(db, holder)
        await make_plan(db, holder, status="DRAFT")

    with counting_statements(db) as one:
        small = await api.data(HOLDERS, {"first": 1}, as_user=broker)
    with counting_statements(db) as fifty:
        large = await api.data(HOLDERS, {"first": 50}, as_user=broker)

    assert len(small["dpHolders"]["nodes"]) == 1
    assert len(large["dpHolders"]["nodes"]) == 50
    assert [len(h["supportPlans"]) for h in large["dpHolders"]["nodes"]] == [2] * 50
    assert len(one) == len(fifty)
    async with db.session() as session:
        logged = (await session.execute(select(func.count()).select_from(PlanRead))).scalar_one()
    assert logged == 2 + 100


async def test_a_holder_sees_only_their_own_plans_through_their_profile(api, db):
    council = await make_council(db)
    holder = await make_holder(db, council)
    other = await make_holder(db, council)
    mine = await make_plan(db, holder)
    await make_plan(db, other)
    person = await reload(db, User, holder.user_id)

    body = await api.data("{ dpHolder { supportPlans { id } } }", as_user=person)

    assert body["dpHolder"]["supportPlans"] == [{"id": to_base64("SupportPlan", mine.id)}]
