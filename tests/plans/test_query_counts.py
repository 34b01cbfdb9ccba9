"""Reading plans costs a fixed number of statements, however many are on the page (and each read is
still logged)."""

from __future__ import annotations

from sqlalchemy import func, select

from broker.accounts.models import Role
from broker.plans.models import PlanRead
from tests.factories import make_council, make_holder, make_plan, make_user
from tests.statements import counting_statements

PLANS = """
query($first: Int!) { supportPlans(first: $first) { totalCount nodes {
  id status council { name }
  holder { homePostcode user { email } council { name } representatives { email } }
  needs { service { code } hoursPerWeek weeklyCostPence slots { day start end } }
  preferences { kind value }
  budget { overBudget shortfallPence }
  reads(first: 5) { purpose user { email } }
} } }
"""


async def test_supportplans_costs_the_same_statements_for_1_or_50_plans(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    for _ in range(50):
        holder = await make_holder(db, council)
        await make_plan(db, holder, preferences=(("LANGUAGE", "pa", "PREFERRED"),))

    with counting_statements(db) as one:
        small = await api.data(PLANS, {"first": 1}, as_user=broker)
    with counting_statements(db) as fifty:
        large = await api.data(PLANS, {"first": 50}, as_user=broker)

    assert len(small["supportPlans"]["nodes"]) == 1
    assert len(large["supportPlans"]["nodes"]) == 50
    assert len(one) == len(fifty)
    async with db.session() as session:
        logged = (await session.execute(select(func.count()).select_from(PlanRead))).scalar_one()
    assert logged == 51
