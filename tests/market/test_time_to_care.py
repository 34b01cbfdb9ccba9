"""timeToCare through /graphql: each step's days, and who has waited too long, by role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from broker.accounts.models import Role
from broker.agreements.models import AgreementTransition, CareRequest
from broker.market.models import PlanActivation
from broker.payments.models import Payment
from tests.factories import (
    make_agreement,
    make_council,
    make_holder,
    make_payment,
    make_plan,
    make_provider,
    make_user,
)
from tests.market.test_take_up import gid

TIME_TO_CARE = """query($input: TimeToCareInput!) { timeToCare(input: $input) {
  suppressedBelow longWaitDays longWaitersCount
  steps { step people medianDays percentile90Days stillWaiting suppressed }
  longWaiters { name district waitingSince daysWaited requestSent } } }"""
SETTINGS = """mutation($input: SetMarketSettingsInput!) { setMarketSettings(input: $input) {
  userErrors { field code } } }"""
ACTIVATED = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


async def _wait(
    db, council, provider, broker, *, activated=ACTIVATED, request=None, agreement=None, payment=None
):
    """A plan activated at `activated`, then (days after the previous mark) a request, an agreement
    becoming ACTIVE and a succeeded payment."""
    plan = await make_plan(db, await make_holder(db, council))
    async with db.transaction() as session:
        session.add(PlanActivation(plan_id=plan.id, activated_at=activated))
    at = activated
    if request is not None:
        at += timedelta(days=request)
        async with db.transaction() as session:
            session.add(
                CareRequest(
                    council_id=council.id, holder_id=plan.holder_id, plan_id=plan.id, provider_id=provider.id,
                    sent_by_id=broker.id, sent_at=at, expires_at=at + timedelta(days=7),
                )
            )  # fmt: skip
    if agreement is not None:
        at += timedelta(days=agreement)
        made = await make_agreement(db, plan, provider, created_by=broker, enqueue=False)
        async with db.transaction() as session:
            for transition in await session.run_sync(
                lambda s: s.query(AgreementTransition).filter_by(agreement_id=made.id).all()
            ):
                transition.at = at
        if payment is not None:
            at += timedelta(days=payment)
            paid = await make_payment(db, made, period_start=at.date())
            async with db.transaction() as session:
                (await session.get(Payment, paid.id)).created_at = at
    return plan


async def _given(db):
    council, other = await make_council(db), await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    provider = await make_provider(db, council)
    for request, agreement, payment in ((2, 5, 7), (3, 5, 7), (4, 6, 7), (5, 7, 7), (10, 20, None)):
        await _wait(db, council, provider, broker, request=request, agreement=agreement, payment=payment)
    for _ in range(2):  # waiting since September, nobody asked yet
        await _wait(db, council, provider, broker)
    await _wait(db, council, provider, broker, activated=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    await _wait(db, council, provider, broker, activated=datetime(2026, 5, 1, 9, 0, tzinfo=UTC))  # before
    await _wait(db, other, await make_provider(db, other), await make_user(db, Role.BROKER, other))
    given = {"councilId": gid("Council", council.id), "from": "2026-08-01", "to": "2026-11-30"}
    return council, other, broker, given


STEPS = [
    {"step": "PLAN_ACTIVE_TO_FIRST_REQUEST", "people": 5, "medianDays": 4.0, "percentile90Days": 8.0,
     "stillWaiting": None, "suppressed": True},
    {"step": "FIRST_REQUEST_TO_FIRST_AGREEMENT", "people": 5, "medianDays": 6.0, "percentile90Days": 14.8,
     "stillWaiting": 0, "suppressed": False},
    {"step": "FIRST_AGREEMENT_TO_FIRST_PAYMENT", "people": None, "medianDays": None, "percentile90Days": None,
     "stillWaiting": None, "suppressed": True},
    {"step": "PLAN_ACTIVE_TO_FIRST_AGREEMENT", "people": 5, "medianDays": 10.0, "percentile90Days": 22.8,
     "stillWaiting": None, "suppressed": True},
    {"step": "PLAN_ACTIVE_TO_FIRST_PAYMENT", "people": None, "medianDays": None, "percentile90Days": None,
     "stillWaiting": None, "suppressed": True},
]  # fmt: skip


async def test_brokers_see_each_step_and_the_long_waiters_by_name(api, db):
    council, _, broker, given = await _given(db)
    data = await api.data(TIME_TO_CARE, {"input": given}, as_user=broker)
    waiter = {
        "name": "Test Dp_Holder",
        "district": "LS8",
        "waitingSince": "2026-09-01",
        "daysWaited": 86,
        "requestSent": False,
    }
    assert data["timeToCare"] == {
        "suppressedBelow": 5,
        "longWaitDays": 28,
        "longWaitersCount": None,  # two people: withheld even from those who see their names
        "steps": STEPS,
        "longWaiters": [waiter, waiter],
    }
    for role in (Role.ADMIN,):
        data = await api.data(TIME_TO_CARE, {"input": given}, as_user=await make_user(db, role, council))
        assert len(data["timeToCare"]["longWaiters"]) == 2
    platform = await make_user(db, Role.ADMIN, None)
    assert (
        len((await api.data(TIME_TO_CARE, {"input": given}, as_user=platform))["timeToCare"]["longWaiters"])
        == 2
    )


async def test_commissioners_see_counts_only_and_the_threshold_is_the_councils(api, db):
    council, _, _, given = await _given(db)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    data = await api.data(TIME_TO_CARE, {"input": given}, as_user=commissioner)
    assert data["timeToCare"]["longWaiters"] is None
    assert data["timeToCare"]["steps"] == STEPS
    settings = {"councilId": given["councilId"], "longWaitDays": 90}
    assert (await api.data(SETTINGS, {"input": settings}, as_user=commissioner))["setMarketSettings"] == {
        "userErrors": []
    }
    broker = await make_user(db, Role.BROKER, council)
    data = await api.data(TIME_TO_CARE, {"input": given}, as_user=broker)
    assert (data["timeToCare"]["longWaitDays"], data["timeToCare"]["longWaitersCount"]) == (90, 0)
    assert data["timeToCare"]["longWaiters"] == []


async def test_time_to_care_is_for_the_council_only_and_refuses_bad_input(api, db):
    council, other, _, given = await _given(db)
    for role in (Role.BROKER, Role.ADMIN, Role.COMMISSIONER):
        body = await api.execute(TIME_TO_CARE, {"input": given}, as_user=await make_user(db, role, other))
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    for user in (
        await make_user(db, Role.DP_HOLDER, council),
        await make_user(db, Role.PROVIDER, council),
        None,
    ):
        body = await api.execute(TIME_TO_CARE, {"input": given}, as_user=user)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    platform = await make_user(db, Role.ADMIN, None)
    cases = [
        ({"from": "2026-12-01"}, "input.from", "OUT_OF_RANGE"),  # after `to`
        ({"from": "1990-01-01"}, "input.from", "OUT_OF_RANGE"),  # more than ten years
        ({"to": "9999-12-31"}, "input.to", "OUT_OF_RANGE"),
        ({"councilId": gid("Council", 999_999)}, "input.councilId", "NOT_FOUND"),
        ({"councilId": gid("Council", 10**30)}, "input.councilId", "INVALID"),
        ({"councilId": gid("DPHolder", council.id)}, "input.councilId", "NOT_FOUND"),
    ]
    for extra, field, code in cases:
        body = await api.execute(TIME_TO_CARE, {"input": {**given, **extra}}, as_user=platform)
        assert body["data"] is None, extra
        assert body["errors"][0]["extensions"] == {"code": code, "field": field}, extra
    body = await api.execute(TIME_TO_CARE, {"input": {**given, "councilId": "%%%"}}, as_user=platform)
    assert body["data"] is None and body["errors"]


async def test_staff_download_time_to_care_csv_without_names(api, db):
    council, other, broker, _ = await _given(db)
    response = await api.http.get(
        "/reports/time-to-care.csv?from=2026-08-01&to=2026-11-30",
        headers={"Authorization": f"Bearer {api.token_for(broker)}"},
    )
    assert response.status_code == 200, response.text
    assert response.text.splitlines() == [
        "step,people,median_days,percentile_90_days,still_waiting,suppressed",
        "PLAN_ACTIVE_TO_FIRST_REQUEST,5,4.0,8.0,,true",
        "FIRST_REQUEST_TO_FIRST_AGREEMENT,5,6.0,14.8,0,false",
        "FIRST_AGREEMENT_TO_FIRST_PAYMENT,,,,,true",
        "PLAN_ACTIVE_TO_FIRST_AGREEMENT,5,10.0,22.8,,true",
        "PLAN_ACTIVE_TO_FIRST_PAYMENT,,,,,true",
        "WAITING_LONGER_THAN_28_DAYS,,,,,true",
    ]
    stranger = await make_user(db, Role.COMMISSIONER, other)
    token = {"Authorization": f"Bearer {api.token_for(stranger)}"}
    assert (
        await api.http.get(f"/reports/time-to-care.csv?council={council.id}", headers=token)
    ).status_code == 403
    token = {"Authorization": f"Bearer {api.token_for(broker)}"}
    bad = await api.http.get("/reports/time-to-care.csv?from=2026-12-01&to=2026-11-01", headers=token)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "from"


async def test_a_closed_plan_is_no_longer_waiting(api, db):
    council, _, broker, given = await _given(db)
    closed = await make_plan(db, await make_holder(db, council), status="CLOSED")
    async with db.transaction() as session:
        session.add(PlanActivation(plan_id=closed.id, activated_at=ACTIVATED))
    data = (await api.data(TIME_TO_CARE, {"input": given}, as_user=broker))["timeToCare"]
    assert len(data["longWaiters"]) == 2
    assert data["steps"] == STEPS
