"""Brokers write care and support plans with people; people read their own; every read is logged."""

from __future__ import annotations

from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.plans.models import NeedSlot, PlanNeed, PlanRead, SupportPlan
from tests.factories import count, make_council, make_holder, make_plan, make_user, reload

CREATE = """
mutation Create($input: CreateSupportPlanInput!) {
  createSupportPlan(input: $input) {
    supportPlan { status outcomes postcode startDate
      needs { service { code } hoursPerWeek budgetedRatePence weeklyCostPence slots { day start end } }
      preferences { kind value strength }
      budget { weeklyCostPence weeklyBudgetPence overBudget shortfallPence } }
    warnings { code message }
    userErrors { field message code }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateSupportPlanInput!) {
  updateSupportPlan(input: $input) {
    supportPlan { status needs { id hoursPerWeek } }
    warnings { code message }
    userErrors { field message code }
  }
}
"""
READ = "query($id: ID!) { supportPlan(id: $id) { id outcomes } }"
PERSONAL_CARE = {
    "serviceCode": "PERSONAL_CARE",
    "hoursPerWeek": 10,
    "budgetedRatePence": 1500,
    "slots": [
        {"day": "MONDAY", "start": "09:00", "end": "14:00"},
        {"day": "WEDNESDAY", "start": "09:00", "end": "14:00"},
    ],
}


async def _broker_and_holder(db, *, budget: int = 30_000):
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council, weekly_budget_pence=budget)
    return council, broker, holder


async def test_a_broker_writes_a_plan_with_needs_slots_and_preferences(api, db):
    _, broker, holder = await _broker_and_holder(db)

    result = await api.data(
        CREATE,
        {
            "input": {
                "holderId": to_base64("DPHolder", holder.id),
                "outcomes": "  Stay at home; get to the mosque on Fridays. ",
                "startDate": "2026-12-07",
                "needs": [PERSONAL_CARE],
                "preferences": [
                    {"kind": "LANGUAGE", "value": "PA", "strength": "PREFERRED"},
                    {"kind": "GENDER", "value": "female", "strength": "REQUIRED"},
                ],
            }
        },
        as_user=broker,
    )

    assert result["createSupportPlan"] == {
        "supportPlan": {
            "status": "DRAFT",
            "outcomes": "Stay at home; get to the mosque on Fridays.",
            "postcode": "LS8 2CD",
            "startDate": "2026-12-07",
            "needs": [
                {
                    "service": {"code": "PERSONAL_CARE"},
                    "hoursPerWeek": 10.0,
                    "budgetedRatePence": 1500,
                    "weeklyCostPence": 15_000,
                    "slots": [
                        {"day": "MONDAY", "start": "09:00", "end": "14:00"},
                        {"day": "WEDNESDAY", "start": "09:00", "end": "14:00"},
                    ],
                }
            ],
            "preferences": [
                {"kind": "LANGUAGE", "value": "pa", "strength": "PREFERRED"},
                {"kind": "GENDER", "value": "FEMALE", "strength": "REQUIRED"},
            ],
            "budget": {
                "weeklyCostPence": 15_000,
                "weeklyBudgetPence": 30_000,
                "overBudget": False,
                "shortfallPence": 0,
            },
        },
        "warnings": [],
        "userErrors": [],
    }


async def test_a_plan_costing_more_than_the_budget_is_saved_flagged_and_cannot_go_active(api, db):
    _, broker, holder = await _broker_and_holder(db, budget=12_000)

    created = (
        await api.data(
            CREATE,
            {
                "input": {
                    "holderId": to_base64("DPHolder", holder.id),
                    "startDate": "2026-12-07",
                    "needs": [PERSONAL_CARE],
                }
            },
            as_user=broker,
        )
    )["createSupportPlan"]
    plan = (await api.data("{ supportPlans { nodes { id } } }", as_user=broker))["supportPlans"]["nodes"][0]
    activate = await api.data(UPDATE, {"input": {"id": plan["id"], "status": "ACTIVE"}}, as_user=broker)

    assert created["supportPlan"]["budget"] == {
        "weeklyCostPence": 15_000,
        "weeklyBudgetPence": 12_000,
        "overBudget": True,
        "shortfallPence": 3_000,
    }
    assert created["warnings"] == [
        {
            "code": "OVER_BUDGET",
            "message": "The needs cost £150.00 a week, £30.00 more than the £120.00 personal budget: the "
            "payment must be enough to meet eligible needs, so review the budget.",
        }
    ]
    assert activate["updateSupportPlan"]["userErrors"] == [
        {
            "field": "input.status",
            "message": "The needs cost more than the personal budget; review the budget before activating.",
            "code": "INVALID_STATE",
        }
    ]


async def test_bad_needs_are_refused_field_by_field_and_nothing_is_saved(api, db):
    _, broker, holder = await _broker_and_holder(db)
    bad_needs = [
        {**PERSONAL_CARE, "slots": [{"day": "MONDAY", "start": "14:00", "end": "09:00"}]},
        {**PERSONAL_CARE, "hoursPerWeek": 12},
        {**PERSONAL_CARE, "budgetedRatePence": 0},
        {**PERSONAL_CARE, "serviceCode": "BASKET_WEAVING"},
    ]

    result = await api.data(
        CREATE,
        {
            "input": {
                "holderId": to_base64("DPHolder", holder.id),
                "startDate": "2026-12-07",
                "needs": bad_needs,
            }
        },
        as_user=broker,
    )

    assert result["createSupportPlan"]["supportPlan"] is None
    assert result["createSupportPlan"]["userErrors"] == [
        {
            "field": "input.needs.0.slots.0.end",
            "message": "A slot must end after it starts; split overnight slots at midnight.",
            "code": "INVALID",
        },
        {
            "field": "input.needs.1.hoursPerWeek",
            "message": "12 hours a week do not fit the 10 hours of its slots.",
            "code": "OUT_OF_RANGE",
        },
        {
            "field": "input.needs.2.budgetedRatePence",
            "message": "A budgeted rate cannot be below the National Living Wage (£12.71); "
            "no care can be bought for less.",
            "code": "OUT_OF_RANGE",
        },
        {
            "field": "input.needs.3.serviceCode",
            "message": "Unknown service code 'BASKET_WEAVING'.",
            "code": "UNKNOWN_SERVICE",
        },
    ]
    assert (await count(db, SupportPlan), await count(db, PlanNeed), await count(db, NeedSlot)) == (0, 0, 0)


async def test_a_failed_update_changes_nothing(api, db):
    _, broker, holder = await _broker_and_holder(db)
    plan = await make_plan(db, holder)
    plan_id = to_base64("SupportPlan", plan.id)
    bad = {**PERSONAL_CARE, "serviceCode": "DOMESTIC_HELP", "hoursPerWeek": 0}

    result = await api.data(
        UPDATE, {"input": {"id": plan_id, "outcomes": "Changed", "needs": [bad]}}, as_user=broker
    )

    assert [(e["field"], e["code"]) for e in result["updateSupportPlan"]["userErrors"]] == [
        ("input.needs.0.hoursPerWeek", "OUT_OF_RANGE")
    ]
    saved = await reload(db, SupportPlan, plan.id)
    assert saved.outcomes == "Stay at home safely; get to the mosque on Fridays."
    assert await count(db, PlanNeed) == 1


async def test_updating_needs_keeps_those_sent_back_with_their_id(api, db):
    _, broker, holder = await _broker_and_holder(db)
    plan = await make_plan(db, holder)
    plan_id = to_base64("SupportPlan", plan.id)
    need_id = (await api.data(UPDATE, {"input": {"id": plan_id}}, as_user=broker))["updateSupportPlan"][
        "supportPlan"
    ]["needs"][0]["id"]

    result = await api.data(
        UPDATE,
        {
            "input": {
                "id": plan_id,
                "needs": [
                    {**PERSONAL_CARE, "id": need_id, "hoursPerWeek": 8},
                    {**PERSONAL_CARE, "serviceCode": "DOMESTIC_HELP", "hoursPerWeek": 2},
                ],
            }
        },
        as_user=broker,
    )

    needs = result["updateSupportPlan"]["supportPlan"]["needs"]
    assert [n["hoursPerWeek"] for n in needs] == [8.0, 2.0]
    assert needs[0]["id"] == need_id
    assert await count(db, PlanNeed) == 2


async def test_foreign_and_unknown_plan_ids_are_refused(api, db):
    _, broker, _ = await _broker_and_holder(db)
    york = await make_council(db)
    york_plan = await make_plan(db, await make_holder(db, york))

    foreign = await api.data(
        UPDATE, {"input": {"id": to_base64("SupportPlan", york_plan.id), "outcomes": "x"}}, as_user=broker
    )
    unknown = await api.data(
        UPDATE, {"input": {"id": to_base64("SupportPlan", 999), "outcomes": "x"}}, as_user=broker
    )
    wrong_type = await api.data(
        UPDATE, {"input": {"id": to_base64("Provider", 1), "outcomes": "x"}}, as_user=broker
    )

    not_found = [{"field": "input.id", "message": "No support plan with this ID.", "code": "NOT_FOUND"}]
    assert foreign["updateSupportPlan"]["userErrors"] == not_found
    assert unknown["updateSupportPlan"]["userErrors"] == not_found
    assert wrong_type["updateSupportPlan"]["userErrors"] == [
        {"field": "input.id", "message": "Expected a SupportPlan ID.", "code": "NOT_FOUND"}
    ]
    assert (await reload(db, SupportPlan, york_plan.id)).outcomes != "x"


async def test_status_moves_follow_the_plan_lifecycle(api, db):
    _, broker, holder = await _broker_and_holder(db)
    plan = await make_plan(db, holder, status="DRAFT")
    plan_id = to_base64("SupportPlan", plan.id)

    steps = []
    for status in ["MATCHED", "ACTIVE", "MATCHED", "CLOSED", "ACTIVE"]:
        result = await api.data(UPDATE, {"input": {"id": plan_id, "status": status}}, as_user=broker)
        payload = result["updateSupportPlan"]
        steps.append(
            payload["supportPlan"]["status"]
            if payload["supportPlan"]
            else payload["userErrors"][0]["message"]
        )

    assert steps == [
        "A DRAFT plan cannot become MATCHED.",
        "ACTIVE",
        "MATCHED",
        "CLOSED",
        "This plan is closed; write a new plan instead.",
    ]


async def test_who_may_read_a_plan(api, db):
    council, broker, holder = await _broker_and_holder(db)
    daughter = await make_user(db, Role.REPRESENTATIVE, council)
    holder_with_rep = await make_holder(db, council, representatives=(daughter,))
    plan = await make_plan(db, holder_with_rep)
    variables = {"id": to_base64("SupportPlan", plan.id)}
    person = await reload(db, User, holder_with_rep.user_id)
    other_person = await reload(db, User, holder.user_id)
    readers = {
        "broker": broker,
        "holder": person,
        "representative": daughter,
        "another holder": other_person,
        "another representative": await make_user(db, Role.REPRESENTATIVE, council),
        "provider": await make_user(db, Role.PROVIDER, council),
        "commissioner": await make_user(db, Role.COMMISSIONER, council),
        "broker of another council": await make_user(db, Role.BROKER, await make_council(db)),
    }

    seen = {
        name: (await api.data(READ, variables, as_user=user))["supportPlan"] is not None
        for name, user in readers.items()
    }
    anonymous = await api.execute(READ, variables)

    assert seen == {
        "broker": True,
        "holder": True,
        "representative": True,
        "another holder": False,
        "another representative": False,
        "provider": False,
        "commissioner": False,
        "broker of another council": False,
    }
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_holders_cannot_write_plans(api, db):
    council = await make_council(db)
    holder = await make_holder(db, council)
    person = await reload(db, User, holder.user_id)
    plan = await make_plan(db, holder)

    created = await api.execute(
        CREATE,
        {"input": {"holderId": to_base64("DPHolder", holder.id), "startDate": "2026-12-07"}},
        as_user=person,
    )
    updated = await api.data(
        UPDATE, {"input": {"id": to_base64("SupportPlan", plan.id), "outcomes": "Mine now"}}, as_user=person
    )

    assert created["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert updated["updateSupportPlan"]["userErrors"] == [
        {
            "field": "input.id",
            "message": "Only the council's brokers change support plans.",
            "code": "PERMISSION_DENIED",
        }
    ]
    assert await count(db, SupportPlan) == 1


async def test_every_read_is_logged_with_who_when_and_how(api, db, clock):
    _, broker, holder = await _broker_and_holder(db)
    plan = await make_plan(db, holder)
    person = await reload(db, User, holder.user_id)
    plan_id = to_base64("SupportPlan", plan.id)

    await api.data(READ, {"id": plan_id}, as_user=person)
    await api.data("{ supportPlans { nodes { id } } }", as_user=broker)
    await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": plan_id}, as_user=broker)
    await api.data("{ dpHolder { supportPlans { id } } }", as_user=person)
    await api.data(READ, {"id": to_base64("SupportPlan", plan.id + 1)}, as_user=broker)

    async with db.session() as session:
        from sqlalchemy import select

        rows = (await session.execute(select(PlanRead).order_by(PlanRead.id))).scalars().all()
    assert [(r.plan_id, r.user_id, r.operation, r.read_at) for r in rows] == [
        (plan.id, person.id, "VIEW", clock.now()),
        (plan.id, broker.id, "LIST", clock.now()),
        (plan.id, broker.id, "VIEW", clock.now()),
        (plan.id, person.id, "LIST", clock.now()),
    ]


async def test_staff_see_the_read_log_and_holders_do_not(api, db):
    _, broker, holder = await _broker_and_holder(db)
    plan = await make_plan(db, holder)
    person = await reload(db, User, holder.user_id)
    query = "query($id: ID!) { supportPlan(id: $id) { reads { purpose operation user { email } } } }"
    variables = {"id": to_base64("SupportPlan", plan.id)}

    as_holder = await api.data(query, variables, as_user=person)
    as_broker = await api.data(query, variables, as_user=broker)

    assert as_holder["supportPlan"]["reads"] is None
    assert as_broker["supportPlan"]["reads"] == [
        {"purpose": "VIEW", "operation": "VIEW", "user": {"email": broker.email}},
        {"purpose": "VIEW", "operation": "VIEW", "user": {"email": person.email}},
    ]


async def test_supportplans_is_scoped_to_the_council_and_filters_by_status(api, db):
    _, broker, holder = await _broker_and_holder(db)
    await make_plan(db, holder, status="ACTIVE")
    await make_plan(db, holder, status="DRAFT")
    await make_plan(db, await make_holder(db, await make_council(db)))

    every = await api.data("{ supportPlans { totalCount } }", as_user=broker)
    active = await api.data("{ supportPlans(filter: {status: ACTIVE}) { totalCount } }", as_user=broker)

    assert every["supportPlans"]["totalCount"] == 2
    assert active["supportPlans"]["totalCount"] == 1
