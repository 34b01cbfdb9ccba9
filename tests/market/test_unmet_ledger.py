"""The unmet-need ledger: declined and expired requests, matches with no candidate, allocation shortfalls."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from broker.accounts.models import Role
from broker.market.models import UnmetNeed
from tests.conftest import NOW
from tests.factories import make_council, make_holder, make_plan, make_provider, make_user, reload
from tests.market.test_take_up import gid

SEND = """mutation($input: SendRequestInput!) { sendRequest(input: $input) {
  careRequest { id } userErrors { field code } } }"""
RESPOND = """mutation($input: RespondToRequestInput!) { respondToRequest(input: $input) {
  careRequest { status } userErrors { field code } } }"""
MATCHES = """query($plan: ID!, $need: ID) { matchesForPlan(planId: $plan, needId: $need) { score } }"""
ALLOCATE = """mutation($input: ProposeAllocationInput!) { proposeAllocation(input: $input) {
  userErrors { field code } } }"""
GAPS = """query($input: MarketGapsInput!) { marketGaps(input: $input) {
  district peopleWaiting unmetHours topUnmetReasons { constraint times hours } } }"""


async def _ledger(db) -> list[tuple]:
    async with db.session() as session:
        rows = (await session.execute(select(UnmetNeed).order_by(UnmetNeed.id))).scalars().all()
    return [(r.postcode_district, r.service_code, r.time_band, r.hours_per_week, r.failed_constraint.value,
             r.source.value) for r in rows]  # fmt: skip


async def _world(db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)
    plan = await make_plan(db, holder)
    from broker.accounts.models import User

    holder_user = await reload(db, User, holder.user_id)
    return council, broker, holder_user, plan


async def test_a_declined_request_is_entered_and_an_accepted_one_is_not(api, db):
    council, _, holder_user, plan = await _world(db)
    jo_user, sam_user = (
        await make_user(db, Role.PROVIDER, council),
        await make_user(db, Role.PROVIDER, council),
    )
    jo = await make_provider(db, council, owner=jo_user)
    sam = await make_provider(db, council, owner=sam_user)
    for provider, user, accept in ((jo, jo_user, False), (sam, sam_user, True)):
        sent = await api.data(
            SEND,
            {"input": {"planId": gid("SupportPlan", plan.id), "providerId": gid("Provider", provider.id)}},
            as_user=holder_user,
        )
        request = sent["sendRequest"]["careRequest"]["id"]
        await api.data(RESPOND, {"input": {"requestId": request, "accept": accept}}, as_user=user)
    assert await _ledger(db) == [("LS8", "PERSONAL_CARE", "DAYTIME", 10.0, "CAPACITY", "REQUEST_DECLINED")]


async def test_an_expired_request_is_entered_once_when_gaps_are_read(api, db, clock):
    council, broker, _, plan = await _world(db)
    jo = await make_provider(db, council)
    await api.data(
        SEND,
        {"input": {"planId": gid("SupportPlan", plan.id), "providerId": gid("Provider", jo.id)}},
        as_user=broker,
    )
    clock.at = NOW + timedelta(days=8)
    given = {
        "councilId": gid("Council", council.id),
        "groupBy": ["DISTRICT"],
        "from": "2026-11-01",
        "to": "2026-12-31",
    }
    await api.data(GAPS, {"input": given}, as_user=broker)
    await api.data(GAPS, {"input": given}, as_user=broker)
    assert await _ledger(db) == [("LS8", "PERSONAL_CARE", "DAYTIME", 10.0, "CAPACITY", "REQUEST_EXPIRED")]


async def test_a_match_for_a_need_with_no_candidate_names_the_constraint(api, db):
    council, broker, _, plan = await _world(db)
    # Asks more than the £15.00 budgeted: retrieval drops them in SQL, so no candidate is left to blame
    # and the entry says nobody offering the service within the rate reaches the home.
    await make_provider(db, council, hourly_rate_pence=2500)
    async with db.session() as session:
        from broker.plans.models import PlanNeed

        need = (await session.execute(select(PlanNeed).where(PlanNeed.plan_id == plan.id))).scalar_one()
    data = await api.data(
        MATCHES, {"plan": gid("SupportPlan", plan.id), "need": gid("PlanNeed", need.id)}, as_user=broker
    )
    assert data["matchesForPlan"] == []
    await api.data(MATCHES, {"plan": gid("SupportPlan", plan.id)}, as_user=broker)  # whole plan: not entered
    assert await _ledger(db) == [("LS8", "PERSONAL_CARE", "DAYTIME", 10.0, "TRAVEL_RADIUS", "NO_CANDIDATE")]


async def test_allocation_enters_each_need_left_short(api, db):
    council, broker, _, plan = await _world(db)
    other = await make_plan(db, await make_holder(db, council))
    await make_provider(db, council, slots=((0, 9 * 60, 14 * 60), (2, 9 * 60, 14 * 60)))  # 20 hours, one PA
    ids = [gid("SupportPlan", plan.id), gid("SupportPlan", other.id)]
    result = await api.data(ALLOCATE, {"input": {"planIds": ids}}, as_user=broker)
    assert result["proposeAllocation"]["userErrors"] == []
    assert await _ledger(db) == [("LS8", "PERSONAL_CARE", "DAYTIME", 10.0, "CAPACITY", "NOT_ALLOCATED")]


async def test_a_need_allocation_found_no_one_for_is_blamed_on_the_providers_near_its_home(api, db):
    """A batch reads every listing its plans' area holds; the need in Ilkley with nobody to take it is
    blamed on the Ilkley listing that asks too much, not on the Leeds listings far out of reach."""
    council, broker, _, leeds_plan = await _world(db)
    slots = ((0, 9 * 60, 14 * 60), (2, 9 * 60, 14 * 60))
    generous = await make_plan(
        db, await make_holder(db, council), needs=(("PERSONAL_CARE", 10.0, 2000, slots),)
    )
    ilkley_plan = await make_plan(db, await make_holder(db, council, district="LS29"))
    for _ in range(3):
        await make_provider(db, council, district="LS8", hourly_rate_pence=1450, slots=slots)
    await make_provider(db, council, district="LS29", hourly_rate_pence=1600, slots=slots)
    ids = [gid("SupportPlan", p.id) for p in (leeds_plan, generous, ilkley_plan)]
    result = await api.data(ALLOCATE, {"input": {"planIds": ids}}, as_user=broker)
    assert result["proposeAllocation"]["userErrors"] == []
    entries = await _ledger(db)
    assert ("LS29", "PERSONAL_CARE", "DAYTIME", 10.0, "RATE", "NOT_ALLOCATED") in entries
    assert not [e for e in entries if e[0] == "LS29" and e[4] != "RATE"]
