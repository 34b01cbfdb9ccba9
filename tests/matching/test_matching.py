"""Brokers match providers to plans: who is in, in what order, and why, in words a person can read."""

from __future__ import annotations

from datetime import date

from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.plans.models import PlanRead
from broker.providers.models import Gender, ProviderKind, ProviderStatus
from tests.factories import (
    adjust_provider,
    count,
    make_council,
    make_holder,
    make_plan,
    make_provider,
    make_user,
    reload,
)

MON, WED, FRI = 0, 2, 4
MATCHES = """
query($plan: ID!, $need: ID, $first: Int) { matchesForPlan(planId: $plan, needId: $need, first: $first) {
  provider { name } score reason coveredHours neededHours distanceKm
  components { component value points }
} }
"""
EXPLAIN = """
query($plan: ID!, $provider: ID!) { matchExplanation(planId: $plan, providerId: $provider) {
  eligible reason constraints { constraint passed detail }
} }
"""


async def _scenario(db):
    """Amina lives in LS8. She needs 10 hours of personal care (Mon and Wed 09:00-14:00) at £15.00
    an hour, from a woman (required), ideally one who speaks Punjabi."""
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)
    plan = await make_plan(
        db,
        holder,
        needs=(("PERSONAL_CARE", 10.0, 1500, ((MON, 9 * 60, 14 * 60), (WED, 9 * 60, 14 * 60))),),
        preferences=(("LANGUAGE", "pa", "PREFERRED"), ("GENDER", "FEMALE", "REQUIRED")),
    )
    both_days = ((MON, 9 * 60, 17 * 60), (WED, 9 * 60, 17 * 60))
    providers = {
        "Amrit": await make_provider(
            db, council, name="Amrit", district="LS8", hourly_rate_pence=1450, slots=both_days
        ),
        "Beth": await make_provider(
            db,
            council,
            name="Beth",
            district="LS7",
            hourly_rate_pence=1400,
            languages=("en",),
            slots=((MON, 8 * 60, 17 * 60),),
        ),
        "Cara": await make_provider(
            db, council, name="Cara", district="LS8", hourly_rate_pence=1600, slots=both_days
        ),
        "Dan": await make_provider(db, council, name="Dan", district="LS8", slots=both_days),
        "Ella": await make_provider(db, council, name="Ella", district="LS29", slots=both_days),
        "Fay": await make_provider(
            db, council, name="Fay", district="LS8", slots=both_days, accredited_until=None
        ),
        "Gill": await make_provider(
            db, council, name="Gill", district="LS8", slots=((FRI, 9 * 60, 17 * 60),)
        ),
        "Hana": await make_provider(
            db, council, name="Hana", district="LS8", status=ProviderStatus.DRAFT, slots=both_days
        ),
        "Iris": await make_provider(
            db, council, name="Iris", district="LS8", services=("DOMESTIC_HELP",), slots=both_days
        ),
    }
    await adjust_provider(db, providers["Dan"], gender=Gender.MALE)
    return council, broker, holder, plan, providers


async def test_matches_are_ranked_with_exact_scores_and_reasons(api, db):
    _, broker, _, plan, _ = await _scenario(db)

    result = await api.data(MATCHES, {"plan": to_base64("SupportPlan", plan.id)}, as_user=broker)

    matches = result["matchesForPlan"]
    assert [(m["provider"]["name"], m["score"], m["reason"]) for m in matches] == [
        ("Amrit", 85.1, "covers 10 of 10 hours; 0.0 km; speaks Punjabi; female; £14.50 within £15.00"),
        ("Beth", 54.9, "covers 5 of 10 hours; 1.6 km; female; £14.00 within £15.00"),
    ]
    assert matches[0]["components"] == [
        {"component": "SCHEDULE_COVERAGE", "value": 1.0, "points": 35.0},
        {"component": "DISTANCE", "value": 1.0, "points": 15.0},
        {"component": "PREFERENCES", "value": 1.0, "points": 15.0},
        {"component": "SKILLS", "value": 1.0, "points": 10.0},
        {"component": "PRICE_HEADROOM", "value": 0.2183, "points": 2.18},
        {"component": "CAPACITY", "value": 0.5, "points": 2.5},
        {"component": "ACCREDITATION_FRESHNESS", "value": 0.5918, "points": 2.96},
        {"component": "REVIEWS", "value": 0.5, "points": 2.5},
    ]
    assert (matches[1]["coveredHours"], matches[1]["neededHours"], matches[1]["distanceKm"]) == (
        5.0,
        10.0,
        1.579,
    )


async def test_why_is_a_provider_not_on_the_list(api, db):
    _, broker, _, plan, providers = await _scenario(db)
    plan_id = to_base64("SupportPlan", plan.id)

    async def failed(name: str) -> list[tuple[str, str]]:
        variables = {"plan": plan_id, "provider": to_base64("Provider", providers[name].id)}
        explanation = (await api.data(EXPLAIN, variables, as_user=broker))["matchExplanation"]
        assert explanation["eligible"] is False
        return [(c["constraint"], c["detail"]) for c in explanation["constraints"] if not c["passed"]]

    assert await failed("Cara") == [("RATE", "£16.00 an hour, above the £15.00 budgeted.")]
    assert await failed("Dan") == [("REQUIRED_PREFERENCES", "Required but is not listed as female.")]
    assert await failed("Ella") == [
        ("TRAVEL_RADIUS", "23.2 km from the person's home, beyond a 10 km travel radius.")
    ]
    assert await failed("Fay") == [
        (
            "ACCREDITED",
            "Not accredited: council approval, enhanced DBS check, public liability insurance, training "
            "missing or expired.",
        )
    ]
    assert await failed("Gill") == [("SCHEDULE", "Available for none of the scheduled hours.")]
    assert await failed("Hana") == [("PUBLISHED", "The listing is DRAFT, not published.")]
    assert await failed("Iris") == [("SERVICES", "Does not offer personal care.")]


async def test_an_eligible_provider_is_explained_constraint_by_constraint(api, db):
    _, broker, _, plan, providers = await _scenario(db)
    variables = {
        "plan": to_base64("SupportPlan", plan.id),
        "provider": to_base64("Provider", providers["Amrit"].id),
    }

    explanation = (await api.data(EXPLAIN, variables, as_user=broker))["matchExplanation"]

    assert explanation == {
        "eligible": True,
        "reason": "covers 10 of 10 hours; 0.0 km; speaks Punjabi; female; £14.50 within £15.00",
        "constraints": [
            {"constraint": "PUBLISHED", "passed": True, "detail": "The listing is published."},
            {"constraint": "ACCREDITED", "passed": True, "detail": "Accredited until 30 June 2027."},
            {"constraint": "SERVICES", "passed": True, "detail": "Offers personal care."},
            {
                "constraint": "TRAVEL_RADIUS",
                "passed": True,
                "detail": "0.0 km from the person's home, within a 10 km travel radius.",
            },
            {"constraint": "RATE", "passed": True, "detail": "£14.50 an hour, within the £15.00 budgeted."},
            {
                "constraint": "REQUIRED_PREFERENCES",
                "passed": True,
                "detail": "Meets every required preference: female.",
            },
            {
                "constraint": "SCHEDULE",
                "passed": True,
                "detail": "Available for 10 of the 10 scheduled hours.",
            },
            {"constraint": "CAPACITY", "passed": True, "detail": "20 hours a week free."},
        ],
    }


async def test_a_provider_with_no_capacity_left_is_not_a_match(api, db):
    _, broker, _, plan, providers = await _scenario(db)
    await adjust_provider(db, providers["Amrit"], weekly_capacity_hours=0.0)

    result = await api.data(MATCHES, {"plan": to_base64("SupportPlan", plan.id)}, as_user=broker)

    assert [m["provider"]["name"] for m in result["matchesForPlan"]] == ["Beth"]


async def test_accreditation_lapsing_drops_providers_from_matches(api, db, clock):
    from datetime import UTC, datetime

    _, broker, _, plan, _ = await _scenario(db)
    clock.at = datetime(2027, 7, 1, 9, tzinfo=UTC)

    result = await api.data(MATCHES, {"plan": to_base64("SupportPlan", plan.id)}, as_user=broker)

    assert result["matchesForPlan"] == []


async def test_matches_for_one_need_ask_only_for_that_service(api, db):
    _, broker, holder, _, _ = await _scenario(db)
    plan = await make_plan(
        db,
        holder,
        needs=(
            ("PERSONAL_CARE", 5.0, 1500, ((MON, 9 * 60, 14 * 60),)),
            ("DOMESTIC_HELP", 5.0, 1500, ((WED, 9 * 60, 14 * 60),)),
        ),
    )
    need_ids = [
        n["id"]
        for n in (
            await api.data(
                "query($id: ID!) { supportPlan(id: $id) { needs { id } } }",
                {"id": to_base64("SupportPlan", plan.id)},
                as_user=broker,
            )
        )["supportPlan"]["needs"]
    ]

    whole = await api.data(MATCHES, {"plan": to_base64("SupportPlan", plan.id)}, as_user=broker)
    domestic = await api.data(
        MATCHES, {"plan": to_base64("SupportPlan", plan.id), "need": need_ids[1]}, as_user=broker
    )

    assert whole["matchesForPlan"] == []
    assert [m["provider"]["name"] for m in domestic["matchesForPlan"]] == ["Iris"]
    assert domestic["matchesForPlan"][0]["reason"] == "covers 5 of 5 hours; 0.0 km; £14.50 within £15.00"


async def test_a_holder_sees_matches_for_their_own_plan_only_and_each_look_is_logged(api, db):
    council, _, holder, plan, _ = await _scenario(db)
    person = await reload(db, User, holder.user_id)
    stranger = await reload(db, User, (await make_holder(db, council)).user_id)
    provider_user = await make_user(db, Role.PROVIDER, council)
    variables = {"plan": to_base64("SupportPlan", plan.id)}

    own = await api.data(MATCHES, variables, as_user=person)
    refused = [await api.execute(MATCHES, variables, as_user=user) for user in (stranger, provider_user)]

    assert [m["provider"]["name"] for m in own["matchesForPlan"]] == ["Amrit", "Beth"]
    for body in refused:
        assert body["data"] is None
        assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "planId"}
    assert await count(db, PlanRead) == 1


async def test_first_limits_matches_and_unknown_needs_are_refused(api, db):
    _, broker, _, plan, _ = await _scenario(db)
    plan_id = to_base64("SupportPlan", plan.id)

    one = await api.data(MATCHES, {"plan": plan_id, "first": 1}, as_user=broker)
    too_many = await api.execute(MATCHES, {"plan": plan_id, "first": 500}, as_user=broker)
    unknown_need = await api.execute(
        MATCHES, {"plan": plan_id, "need": to_base64("PlanNeed", 999)}, as_user=broker
    )

    assert [m["provider"]["name"] for m in one["matchesForPlan"]] == ["Amrit"]
    assert too_many["errors"][0]["extensions"] == {"code": "OUT_OF_RANGE", "field": "first"}
    assert unknown_need["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "needId"}


async def test_an_agency_is_left_out_by_a_required_gender_and_in_by_a_kind_preference(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)
    plan = await make_plan(db, holder, preferences=(("PROVIDER_KIND", "AGENCY", "PREFERRED"),))
    gendered = await make_plan(db, holder, preferences=(("GENDER", "FEMALE", "REQUIRED"),))
    await make_provider(
        db,
        council,
        name="Roundhay Homecare",
        kind=ProviderKind.AGENCY,
        hourly_rate_pence=1500,
        accredited_until=date(2027, 11, 26),
        slots=tuple((d, 7 * 60, 22 * 60) for d in range(7)),
    )

    kind = await api.data(MATCHES, {"plan": to_base64("SupportPlan", plan.id)}, as_user=broker)
    gender = await api.data(MATCHES, {"plan": to_base64("SupportPlan", gendered.id)}, as_user=broker)

    assert [m["reason"] for m in kind["matchesForPlan"]] == [
        "covers 10 of 10 hours; 0.0 km; an agency; £15.00 within £15.00"
    ]
    assert gender["matchesForPlan"] == []
