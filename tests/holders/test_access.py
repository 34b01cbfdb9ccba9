"""Who sees a DP holder's profile and their plans, and who acts for the holder: the SQL rule and its
Python twin agree for every kind of reader (issue 10)."""

from __future__ import annotations

from sqlalchemy import select
from strawberry.relay import to_base64

from broker.accounts.actor import Actor
from broker.accounts.models import Role, User
from broker.holders import access as holder_access
from broker.holders.models import DPHolder
from broker.plans import access as plan_access
from broker.plans.models import PlanRead, PlanReadPurpose, SupportPlan
from tests.factories import make_council, make_holder, make_plan, make_user, reload

READERS = (
    "anonymous",
    "the holder",
    "their representative",
    "another representative",
    "another holder",
    "Leeds broker",
    "York broker",
    "Leeds commissioner",
    "provider",
    "platform admin",
)
SEES = {"the holder", "their representative", "Leeds broker", "platform admin"}
ACTS_FOR = {"the holder", "their representative"}


def _actor(user: User | None) -> Actor | None:
    return None if user is None else Actor(user_id=user.id, role=user.role, council_id=user.council_id)


async def _world(db):
    leeds = await make_council(db, "Leeds")
    york = await make_council(db, "York")
    representative = await make_user(db, Role.REPRESENTATIVE, leeds)
    other_representative = await make_user(db, Role.REPRESENTATIVE, leeds)
    holder = await make_holder(db, leeds, representatives=(representative,))
    other = await make_holder(db, leeds, representatives=(other_representative,))
    plan = await make_plan(db, holder)
    users = {
        "anonymous": None,
        "the holder": await reload(db, User, holder.user_id),
        "their representative": representative,
        "another representative": other_representative,
        "another holder": await reload(db, User, other.user_id),
        "Leeds broker": await make_user(db, Role.BROKER, leeds),
        "York broker": await make_user(db, Role.BROKER, york),
        "Leeds commissioner": await make_user(db, Role.COMMISSIONER, leeds),
        "provider": await make_user(db, Role.PROVIDER, leeds),
        "platform admin": await make_user(db, Role.ADMIN, None),
    }
    return holder, plan, users


async def test_who_sees_a_profile_and_a_plan_in_sql_and_in_python(db):
    holder, plan, users = await _world(db)

    seen_sql, seen_python, plans_sql, plans_python, acting = set(), set(), set(), set(), set()
    async with db.session() as session:
        row = await session.get(DPHolder, holder.id)
        plan_row = await session.get(SupportPlan, plan.id)
        assert row is not None and plan_row is not None
        representatives = [users["their representative"].id]
        for name in READERS:
            actor = _actor(users[name])
            query = select(DPHolder.id).where(DPHolder.id == holder.id, holder_access.visible_clause(actor))
            if (await session.execute(query)).first() is not None:
                seen_sql.add(name)
            if holder_access.may_see(actor, row, representatives):
                seen_python.add(name)
            plans = select(SupportPlan.id).where(SupportPlan.id == plan.id, plan_access.visible_clause(actor))
            if (await session.execute(plans)).first() is not None:
                plans_sql.add(name)
            if plan_access.may_see(actor, plan_row, row, representatives):
                plans_python.add(name)
            if await holder_access.acts_for(session, actor, row):
                acting.add(name)

    assert seen_sql == seen_python == SEES
    assert plans_sql == plans_python == SEES
    assert acting == ACTS_FOR


async def test_reads_logged_before_purposes_keep_their_operation_and_gain_a_purpose(api, db, clock):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    plan = await make_plan(db, await make_holder(db, council))
    async with db.transaction() as session:
        for operation in ("matchesForPlan", "sendRequest", "dpHolder.supportPlans"):
            read = PlanRead(plan_id=plan.id, user_id=broker.id, read_at=clock.now(), operation=operation)
            session.add(read)

    body = await api.data(
        "query($id: ID!) { supportPlan(id: $id) { reads { purpose operation } } }",
        {"id": to_base64("SupportPlan", plan.id)},
        as_user=broker,
    )

    assert body["supportPlan"]["reads"] == [
        {"purpose": "VIEW", "operation": "VIEW"},
        {"purpose": "LIST", "operation": "dpHolder.supportPlans"},
        {"purpose": "REQUEST", "operation": "sendRequest"},
        {"purpose": "MATCH", "operation": "matchesForPlan"},
    ]
    assert PlanReadPurpose.of("createAgreement") is PlanReadPurpose.AGREEMENT
