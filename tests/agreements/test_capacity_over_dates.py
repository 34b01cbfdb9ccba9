"""A PA's hours belong to an agreement from its first day to its last, whatever its status says:
ending it with a future date keeps the hours until then (no double booking while they still work),
and an agreement whose end date has passed holds nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from broker.accounts.models import Role
from broker.agreements.capacity import peak_hours
from broker.agreements.models import Agreement, AgreementStatus
from tests.agreements.test_agreements import ACTIVATE, END, EXPLAIN, _world, gid
from tests.factories import make_agreement, make_holder, make_plan, make_user


def _agreement(start: date, end: date | None, hours: float, status=AgreementStatus.ACTIVE) -> Agreement:
    return Agreement(
        council_id=1,
        holder_id=1,
        plan_id=1,
        provider_id=1,
        status=status,
        hours_per_week=hours,
        hourly_rate_pence=1500,
        start_date=start,
        end_date=end,
        created_by_id=1,
    )


def test_the_peak_is_the_most_held_on_any_one_day_of_the_period():
    ending = _agreement(date(2026, 4, 1), date(2026, 12, 31), 10)
    starting = _agreement(date(2027, 1, 4), None, 15)
    overlapping = _agreement(date(2026, 12, 1), date(2027, 1, 10), 5)

    assert peak_hours([ending, starting], date(2026, 12, 1), None) == 15
    assert peak_hours([ending, starting, overlapping], date(2026, 12, 1), None) == 20  # 4-10 Jan
    assert peak_hours([ending, starting], date(2026, 12, 1), date(2027, 1, 3)) == 10
    assert peak_hours([ending], date(2027, 1, 1), None) == 0


def test_proposed_and_cancelled_agreements_hold_nothing_and_ended_ones_hold_until_their_last_day():
    for status in (AgreementStatus.PROPOSED, AgreementStatus.CANCELLED):
        assert not _agreement(date(2026, 1, 1), None, 10, status).holds_capacity_on(date(2026, 6, 1))
    ended = _agreement(date(2026, 1, 1), date(2026, 12, 31), 10, AgreementStatus.ENDED)
    assert ended.holds_capacity_on(date(2026, 12, 31)) and not ended.holds_capacity_on(date(2027, 1, 1))
    assert not _agreement(date(2027, 1, 1), None, 10).holds_capacity_on(date(2026, 12, 31))


async def _free_hours(api, plan, jo, user) -> str:
    explain = await api.data(
        EXPLAIN, {"plan": gid("SupportPlan", plan), "provider": gid("Provider", jo)}, as_user=user
    )
    return {c["constraint"]: c for c in explain["matchExplanation"]["constraints"]}["CAPACITY"]["detail"]


async def test_an_agreement_ended_with_a_future_date_keeps_the_hours_until_then(api, db, clock):
    council, broker, _, _, plan, jo_user, jo = await _world(db)
    first = await make_agreement(db, plan, jo, created_by=broker, hours_per_week=15.0, slots=((4, 540, 600),))
    await api.data(
        END,
        {"input": {"agreementId": gid("Agreement", first), "endDate": "2026-12-31", "reason": "Moving away"}},
        as_user=jo_user,
    )
    other = await make_plan(db, await make_holder(db, council))
    before = await make_agreement(
        db, other, jo, created_by=broker, status="PROPOSED", hours_per_week=10.0, start_date=date(2026, 12, 7)
    )
    after = await make_agreement(
        db, other, jo, created_by=broker, status="PROPOSED", hours_per_week=10.0, start_date=date(2027, 1, 1)
    )

    assert await _free_hours(api, other, jo, broker) == "5 hours a week free."
    refused = (await api.data(ACTIVATE, {"id": gid("Agreement", before)}, as_user=broker))[
        "activateAgreement"
    ]
    accepted = (await api.data(ACTIVATE, {"id": gid("Agreement", after)}, as_user=broker))[
        "activateAgreement"
    ]

    assert [e["code"] for e in refused["userErrors"]] == ["CAPACITY_TAKEN"]
    assert accepted["userErrors"] == [] and accepted["agreement"]["status"] == "ACTIVE"
    clock.at = datetime(2027, 1, 2, 10, 0, tzinfo=UTC)
    assert await _free_hours(api, other, jo, broker) == "10 hours a week free."  # 20 less the new 10


async def test_an_active_agreement_whose_end_date_has_passed_frees_its_hours(api, db):
    council, broker, _, _, plan, _, jo = await _world(db)
    await make_agreement(
        db,
        plan,
        jo,
        created_by=broker,
        hours_per_week=20.0,
        start_date=date(2026, 1, 5),
        end_date=date(2026, 10, 31),
    )
    other = await make_plan(db, await make_holder(db, council))
    proposed = await make_agreement(
        db, other, jo, created_by=broker, status="PROPOSED", start_date=date(2026, 12, 7)
    )

    assert await _free_hours(api, other, jo, broker) == "20 hours a week free."
    activated = (await api.data(ACTIVATE, {"id": gid("Agreement", proposed)}, as_user=broker))[
        "activateAgreement"
    ]

    assert activated["userErrors"] == []


async def test_capacity_is_not_shown_to_callers_who_may_not_see_the_plan(api, db):
    council, _, _, _, plan, _, jo = await _world(db)
    stranger = await make_user(db, Role.DP_HOLDER, council)

    body = await api.execute(
        EXPLAIN, {"plan": gid("SupportPlan", plan), "provider": gid("Provider", jo)}, as_user=stranger
    )

    assert body["data"] is None or body["data"]["matchExplanation"] is None
