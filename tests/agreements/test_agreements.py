"""Requests and agreements: who asks, who answers, what is agreed, and how activation reserves capacity."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import select
from strawberry.relay import to_base64

from broker.accounts.models import Role
from broker.agreements.models import Agreement, AgreementStatus, CareRequest
from broker.discovery.documents import documents_for
from broker.holders.models import DPHolder, DPHolding
from search.outbox import SearchOutbox
from tests.conftest import NOW
from tests.factories import (
    adjust_provider,
    count,
    make_agreement,
    make_council,
    make_holder,
    make_plan,
    make_provider,
    make_user,
    reload,
)

MON, WED = 0, 2
SEND = """
mutation($input: SendRequestInput!) { sendRequest(input: $input) {
  careRequest { id status message expiresAt provider { name } needs { hoursPerWeek service { code } } }
  userErrors { field message code }
} }
"""
RESPOND = """
mutation($input: RespondToRequestInput!) { respondToRequest(input: $input) {
  careRequest { id status reason } userErrors { field message code }
} }
"""
CREATE = """
mutation($input: CreateAgreementInput!) { createAgreement(input: $input) {
  agreement { id status hoursPerWeek hourlyRatePence weeklyCostPence startDate endDate
              needs { hoursPerWeek service { code } } slots { day start end } provider { name } }
  warnings { code message merchantCategoryCode routes }
  userErrors { field message code }
} }
"""
ACTIVATE = """
mutation($id: ID!) { activateAgreement(input: {agreementId: $id}) {
  agreement { id status history { fromStatus toStatus at by { email } } }
  warnings { code routes }
  userErrors { field message code }
} }
"""
END = """
mutation($input: EndAgreementInput!) { endAgreement(input: $input) {
  agreement { status endDate endReason history { fromStatus toStatus reason } }
  userErrors { field message code }
} }
"""
EXPLAIN = """
query($plan: ID!, $provider: ID!) { matchExplanation(planId: $plan, providerId: $provider) {
  constraints { constraint passed detail }
} }
"""
SLOTS = [
    {"day": "MONDAY", "start": "09:00", "end": "14:00"},
    {"day": "WEDNESDAY", "start": "09:00", "end": "14:00"},
]


async def _world(db):
    """Amina (LS8) needs 10 hours of personal care, Mon and Wed 09:00-14:00, budgeted at £15.00; Jo is a
    PA with 20 hours a week, Mon and Wed 09:00-17:00, at £14.50."""
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    amina = await make_holder(db, council)
    holder_user = await reload_user(db, amina.user_id)
    plan = await make_plan(db, amina)
    jo_user = await make_user(db, Role.PROVIDER, council)
    jo = await make_provider(db, council, owner=jo_user, name="Jo")
    return council, broker, amina, holder_user, plan, jo_user, jo


async def reload_user(db, user_id):
    from broker.accounts.models import User

    return await reload(db, User, user_id)


def gid(kind: str, value) -> str:
    return to_base64(kind, value.id if hasattr(value, "id") else value)


async def _accepted_request(api, plan, jo, holder_user, jo_user) -> str:
    sent = await api.data(
        SEND,
        {"input": {"planId": gid("SupportPlan", plan), "providerId": gid("Provider", jo)}},
        as_user=holder_user,
    )
    request_id = sent["sendRequest"]["careRequest"]["id"]
    await api.data(RESPOND, {"input": {"requestId": request_id, "accept": True}}, as_user=jo_user)
    return request_id


async def test_holder_sends_a_request_the_provider_sees_it_and_accepts(api, db):
    _, _, _, holder_user, plan, jo_user, jo = await _world(db)

    sent = (
        await api.data(
            SEND,
            {
                "input": {
                    "planId": gid("SupportPlan", plan),
                    "providerId": gid("Provider", jo),
                    "message": " Hello ",
                }
            },
            as_user=holder_user,
        )
    )["sendRequest"]
    inbox = await api.data(
        "{ viewer { careRequests { totalCount nodes { id status message } } } }", as_user=jo_user
    )
    answered = (
        await api.data(
            RESPOND,
            {"input": {"requestId": sent["careRequest"]["id"], "accept": True, "reason": "Happy to"}},
            as_user=jo_user,
        )
    )["respondToRequest"]

    assert sent["userErrors"] == []
    assert sent["careRequest"]["status"] == "PENDING"
    assert sent["careRequest"]["message"] == "Hello"
    assert sent["careRequest"]["expiresAt"] == "2026-12-03T10:00:00+00:00"
    assert sent["careRequest"]["needs"] == [{"hoursPerWeek": 10.0, "service": {"code": "PERSONAL_CARE"}}]
    assert inbox["viewer"]["careRequests"] == {
        "totalCount": 1,
        "nodes": [{"id": sent["careRequest"]["id"], "status": "PENDING", "message": "Hello"}],
    }
    assert answered == {
        "careRequest": {"id": sent["careRequest"]["id"], "status": "ACCEPTED", "reason": "Happy to"},
        "userErrors": [],
    }


async def test_an_unanswered_request_expires_and_can_no_longer_be_accepted(api, db, clock):
    _, _, _, holder_user, plan, jo_user, jo = await _world(db)
    sent = await api.data(
        SEND,
        {"input": {"planId": gid("SupportPlan", plan), "providerId": gid("Provider", jo)}},
        as_user=holder_user,
    )
    request_id = sent["sendRequest"]["careRequest"]["id"]

    clock.at = NOW + timedelta(days=7, seconds=1)
    late = (await api.data(RESPOND, {"input": {"requestId": request_id, "accept": True}}, as_user=jo_user))[
        "respondToRequest"
    ]
    listed = await api.data(
        "{ careRequests(status: EXPIRED) { totalCount nodes { status } } }", as_user=jo_user
    )

    assert late == {
        "careRequest": None,
        "userErrors": [
            {
                "field": "input.requestId",
                "message": "This request is already EXPIRED.",
                "code": "INVALID_STATE",
            }
        ],
    }
    assert listed["careRequests"] == {"totalCount": 1, "nodes": [{"status": "EXPIRED"}]}


async def test_only_the_provider_answers_and_others_never_see_the_request(api, db):
    council, _, _, holder_user, plan, _, jo = await _world(db)
    other_user = await make_user(db, Role.PROVIDER, council)
    await make_provider(db, council, owner=other_user, name="Sam")
    sent = await api.data(
        SEND,
        {"input": {"planId": gid("SupportPlan", plan), "providerId": gid("Provider", jo)}},
        as_user=holder_user,
    )
    request_id = sent["sendRequest"]["careRequest"]["id"]

    by_holder = await api.data(
        RESPOND, {"input": {"requestId": request_id, "accept": True}}, as_user=holder_user
    )
    by_other = await api.data(
        RESPOND, {"input": {"requestId": request_id, "accept": True}}, as_user=other_user
    )
    others_inbox = await api.data("{ careRequests { totalCount } }", as_user=other_user)

    assert [e["code"] for e in by_holder["respondToRequest"]["userErrors"]] == ["PERMISSION_DENIED"]
    assert by_other["respondToRequest"]["userErrors"] == [
        {"field": "input.requestId", "message": "No request with this ID.", "code": "NOT_FOUND"}
    ]
    assert others_inbox["careRequests"]["totalCount"] == 0
    async with db.session() as session:
        statuses = (await session.execute(select(CareRequest.status))).scalars().all()
    assert [s.value for s in statuses] == ["PENDING"]


async def test_a_request_for_someone_elses_plan_is_refused_and_nothing_is_written(api, db):
    council, _, _, _, plan, _, jo = await _world(db)
    stranger = await make_holder(db, council)
    stranger_user = await reload_user(db, stranger.user_id)

    result = await api.data(
        SEND,
        {"input": {"planId": gid("SupportPlan", plan), "providerId": gid("Provider", jo)}},
        as_user=stranger_user,
    )

    assert result["sendRequest"] == {
        "careRequest": None,
        "userErrors": [
            {"field": "input.planId", "message": "No support plan with this ID.", "code": "NOT_FOUND"}
        ],
    }
    assert await count(db, CareRequest) == 0


async def test_accepted_request_becomes_an_agreement_and_activation_reserves_capacity(api, db):
    _, broker, _, holder_user, plan, jo_user, jo = await _world(db)
    request_id = await _accepted_request(api, plan, jo, holder_user, jo_user)

    created = (
        await api.data(
            CREATE,
            {"input": {"requestId": request_id, "slots": SLOTS, "startDate": "2026-12-07"}},
            as_user=holder_user,
        )
    )["createAgreement"]
    agreement_id = created["agreement"]["id"]
    activated = (await api.data(ACTIVATE, {"id": agreement_id}, as_user=holder_user))["activateAgreement"]
    explain = await api.data(
        EXPLAIN, {"plan": gid("SupportPlan", plan), "provider": gid("Provider", jo)}, as_user=broker
    )

    assert created["userErrors"] == []
    assert created["warnings"] == []
    assert {k: v for k, v in created["agreement"].items() if k != "id"} == {
        "status": "PROPOSED",
        "hoursPerWeek": 10.0,
        "hourlyRatePence": 1450,
        "weeklyCostPence": 14500,
        "startDate": "2026-12-07",
        "endDate": None,
        "needs": [{"hoursPerWeek": 10.0, "service": {"code": "PERSONAL_CARE"}}],
        "slots": [
            {"day": "MONDAY", "start": "09:00", "end": "14:00"},
            {"day": "WEDNESDAY", "start": "09:00", "end": "14:00"},
        ],
        "provider": {"name": "Jo"},
    }
    assert activated["userErrors"] == []
    assert activated["agreement"]["status"] == "ACTIVE"
    assert [
        (h["fromStatus"], h["toStatus"], h["by"]["email"]) for h in activated["agreement"]["history"]
    ] == [
        (None, "PROPOSED", holder_user.email),
        ("PROPOSED", "ACTIVE", holder_user.email),
    ]
    capacity = {c["constraint"]: c for c in explain["matchExplanation"]["constraints"]}
    assert capacity["CAPACITY"]["detail"] == "10 hours a week free."
    # Jo is a PA: the agreed times are no longer free for anyone else.
    assert capacity["SCHEDULE"] == {
        "constraint": "SCHEDULE",
        "passed": False,
        "detail": "Available for none of the scheduled hours.",
    }
    async with db.session() as session:
        queued = (
            (await session.execute(select(SearchOutbox.provider_id).where(SearchOutbox.enqueued_at == NOW)))
            .scalars()
            .all()
        )
        documents, _ = await documents_for(session, [jo.id])
    assert queued == [jo.id]
    assert documents[0].remaining_capacity_hours == 10.0
    # ...and search sees Jo free only after 14:00 on those days.
    assert documents[0].slots == ((MON, 14 * 60, 17 * 60), (WED, 14 * 60, 17 * 60))


async def test_ending_an_agreement_keeps_the_hours_until_its_last_day_and_records_who_and_why(api, db):
    _, broker, _, _, plan, jo_user, jo = await _world(db)
    agreement = await make_agreement(db, plan, jo, created_by=broker, hours_per_week=10.0)

    ended = (
        await api.data(
            END,
            {
                "input": {
                    "agreementId": gid("Agreement", agreement),
                    "endDate": "2026-12-31",
                    "reason": "Moving away",
                }
            },
            as_user=jo_user,
        )
    )["endAgreement"]

    assert ended == {
        "agreement": {
            "status": "ENDED",
            "endDate": "2026-12-31",
            "endReason": "Moving away",
            "history": [
                {"fromStatus": None, "toStatus": "ACTIVE", "reason": ""},
                {"fromStatus": "ACTIVE", "toStatus": "ENDED", "reason": "Moving away"},
            ],
        },
        "userErrors": [],
    }
    async with db.session() as session:
        documents, _ = await documents_for(session, [jo.id], today=date(2026, 12, 31))
        after, _ = await documents_for(session, [jo.id], today=date(2027, 1, 1))
        queued = (
            (await session.execute(select(SearchOutbox.provider_id).where(SearchOutbox.enqueued_at == NOW)))
            .scalars()
            .all()
        )
    assert documents[0].remaining_capacity_hours == 10.0  # Jo still works for them until 31 December
    assert after[0].remaining_capacity_hours == 20.0
    assert queued == [jo.id]


async def test_activation_is_refused_when_someone_else_took_the_hours(api, db):
    council, broker, _, _, plan, _, jo = await _world(db)
    await adjust_provider(db, jo, weekly_capacity_hours=12.0)
    other = await make_holder(db, council)
    other_plan = await make_plan(db, other, needs=(("PERSONAL_CARE", 5.0, 1500, ((4, 9 * 60, 14 * 60),)),))
    await make_agreement(
        db, other_plan, jo, created_by=broker, hours_per_week=5.0, slots=((4, 9 * 60, 14 * 60),)
    )
    proposed = await make_agreement(db, plan, jo, created_by=broker, status="PROPOSED", hours_per_week=10.0)

    refused = (await api.data(ACTIVATE, {"id": gid("Agreement", proposed)}, as_user=broker))[
        "activateAgreement"
    ]

    assert refused == {
        "agreement": None,
        "warnings": [],
        "userErrors": [
            {
                "field": "input.agreementId",
                "message": "Jo has 7 of the 10 hours a week free while this agreement runs; another "
                "agreement holds them. Nothing was reserved.",
                "code": "CAPACITY_TAKEN",
            }
        ],
    }
    assert (await reload(db, Agreement, proposed.id)).status is AgreementStatus.PROPOSED


async def test_a_pa_cannot_be_booked_twice_for_the_same_hours(api, db):
    council, broker, _, _, plan, _, jo = await _world(db)
    other = await make_holder(db, council)
    other_plan = await make_plan(db, other)
    await make_agreement(
        db, other_plan, jo, created_by=broker, hours_per_week=5.0, slots=((MON, 9 * 60, 14 * 60),)
    )
    proposed = await make_agreement(db, plan, jo, created_by=broker, status="PROPOSED", hours_per_week=10.0)

    refused = (await api.data(ACTIVATE, {"id": gid("Agreement", proposed)}, as_user=broker))[
        "activateAgreement"
    ]

    assert refused["userErrors"] == [
        {
            "field": "input.agreementId",
            "message": "Jo already works at 1 of these times under another agreement.",
            "code": "OVERLAPPING",
        }
    ]


async def test_a_broker_agrees_directly_but_a_holder_needs_an_accepted_request(api, db):
    _, broker, _, holder_user, plan, _, jo = await _world(db)
    direct = {
        "planId": gid("SupportPlan", plan),
        "providerId": gid("Provider", jo),
        "slots": SLOTS,
        "startDate": "2026-12-07",
    }

    by_broker = (await api.data(CREATE, {"input": direct}, as_user=broker))["createAgreement"]
    by_holder = (await api.data(CREATE, {"input": direct}, as_user=holder_user))["createAgreement"]

    assert by_broker["userErrors"] == []
    assert by_broker["agreement"]["status"] == "PROPOSED"
    assert by_holder == {
        "agreement": None,
        "warnings": [],
        "userErrors": [
            {
                "field": "input.requestId",
                "message": "Without an accepted request, only a broker makes an agreement.",
                "code": "PERMISSION_DENIED",
            }
        ],
    }
    assert await count(db, Agreement) == 1


async def test_bad_agreement_input_is_refused_field_by_field_and_nothing_is_saved(api, db):
    _, broker, _, _, plan, _, jo = await _world(db)
    bad = {
        "planId": gid("SupportPlan", plan),
        "providerId": gid("Provider", jo),
        "needIds": [to_base64("PlanNeed", 999_999)],
        "hoursPerWeek": -1,
        "hourlyRatePence": 1000,
        "slots": [
            {"day": "MONDAY", "start": "08:00", "end": "10:00"},
            {"day": "WEDNESDAY", "start": "09:00", "end": "10:00"},
        ],
        "startDate": "2026-12-07",
        "endDate": "2026-12-01",
    }

    result = (await api.data(CREATE, {"input": bad}, as_user=broker))["createAgreement"]

    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        ("input.needIds.0", "NOT_FOUND"),
        ("input.hoursPerWeek", "OUT_OF_RANGE"),
        ("input.hourlyRatePence", "OUT_OF_RANGE"),
        ("input.slots.0", "OUT_OF_RANGE"),
        ("input.endDate", "OUT_OF_RANGE"),
    ]
    assert await count(db, Agreement) == 0


async def test_prepaid_card_holder_is_warned_about_a_blocked_merchant_category(api, db):
    _, broker, amina, holder_user, plan, jo_user, jo = await _world(db)
    await adjust_provider(db, jo, merchant_category_code="7299")
    async with db.transaction() as session:
        row = await session.get(DPHolder, amina.id)
        row.held_as = DPHolding.PREPAID_CARD
    blocked = await api.data(
        """mutation { setBlockedMerchantCategories(input: {categories: [{code: "7299"}]}) {
             categories { code description } userErrors { field } } }""",
        as_user=broker,
    )
    request_id = await _accepted_request(api, plan, jo, holder_user, jo_user)

    created = (
        await api.data(
            CREATE,
            {"input": {"requestId": request_id, "slots": SLOTS, "startDate": "2026-12-07"}},
            as_user=holder_user,
        )
    )["createAgreement"]

    assert blocked["setBlockedMerchantCategories"] == {
        "categories": [{"code": "7299", "description": "Miscellaneous personal services"}],
        "userErrors": [],
    }
    assert created["userErrors"] == []
    assert created["warnings"] == [
        {
            "code": "CARD_MAY_BE_DECLINED",
            "message": "Jo takes card payments under merchant category 7299 (Miscellaneous personal "
            "services), which the council's pre-paid cards decline. Ask the council for an exception for "
            "this provider, or pay them by bank transfer. The person keeps their card: how the payment is "
            "held is their choice.",
            "merchantCategoryCode": "7299",
            "routes": ["COUNCIL_EXCEPTION", "BANK_TRANSFER"],
        }
    ]
    assert (await reload(db, DPHolder, amina.id)).held_as is DPHolding.PREPAID_CARD


async def test_no_card_warning_for_a_holder_paid_into_a_bank_account(api, db):
    _, broker, _, holder_user, plan, jo_user, jo = await _world(db)
    await adjust_provider(db, jo, merchant_category_code="7299")
    block = 'mutation { setBlockedMerchantCategories(input: {categories: [{code: "7299"}]}) { categories { code } } }'  # noqa: E501
    await api.data(block, as_user=broker)
    request_id = await _accepted_request(api, plan, jo, holder_user, jo_user)

    created = (
        await api.data(
            CREATE,
            {"input": {"requestId": request_id, "slots": SLOTS, "startDate": "2026-12-07"}},
            as_user=holder_user,
        )
    )["createAgreement"]

    assert created["warnings"] == []


async def test_who_sees_which_agreements(api, db):
    council, broker, _, holder_user, plan, jo_user, jo = await _world(db)
    await make_agreement(db, plan, jo, created_by=broker)
    other_council = await make_council(db)
    other_broker = await make_user(db, Role.BROKER, other_council)
    stranger = await make_user(db, Role.PROVIDER, council)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    query = "{ agreements { totalCount nodes { provider { name } holder { id } } } }"

    seen = {
        name: (await api.data(query, as_user=user))["agreements"]
        for name, user in [
            ("broker", broker),
            ("holder", holder_user),
            ("provider", jo_user),
            ("other broker", other_broker),
            ("other provider", stranger),
            ("commissioner", commissioner),
        ]
    }

    assert {name: page["totalCount"] for name, page in seen.items()} == {
        "broker": 1,
        "holder": 1,
        "provider": 1,
        "other broker": 0,
        "other provider": 0,
        "commissioner": 0,
    }
    assert seen["provider"]["nodes"] == [{"provider": {"name": "Jo"}, "holder": None}]
    assert seen["holder"]["nodes"][0]["holder"] is not None


async def test_fifty_brokers_racing_for_the_last_hours_one_wins(api, db):
    """Jo has capacity for one 10-hour agreement; 50 brokers activate 50 agreements at once
    (on SQLite too, where `FOR UPDATE` is a no-op and the write transaction's lock must hold)."""
    council, broker, _, _, _, _, jo = await _world(db)
    await adjust_provider(db, jo, weekly_capacity_hours=10.0)
    brokers, agreements = [], []
    for index in range(50):
        holder = await make_holder(db, council)
        day = index % 2 * 2  # Monday or Wednesday: hours are what they race for
        plan = await make_plan(db, holder, needs=(("PERSONAL_CARE", 10.0, 1500, ((day, 9 * 60, 17 * 60),)),))
        agreements.append(
            await make_agreement(
                db,
                plan,
                jo,
                created_by=broker,
                status="PROPOSED",
                slots=((day, 9 * 60, 17 * 60),),
                enqueue=False,
            )
        )
        brokers.append(await make_user(db, Role.BROKER, council))

    results = await asyncio.gather(
        *(
            api.data(ACTIVATE, {"id": gid("Agreement", a)}, as_user=b)
            for a, b in zip(agreements, brokers, strict=True)
        )
    )

    payloads = [r["activateAgreement"] for r in results]
    winners = [p for p in payloads if p["userErrors"] == []]
    losers = [p for p in payloads if p["userErrors"]]
    assert len(winners) == 1
    assert len(losers) == 49
    assert {(e["field"], e["code"]) for p in losers for e in p["userErrors"]} == {
        ("input.agreementId", "CAPACITY_TAKEN")
    }
    assert all("0 of the 10 hours a week free" in p["userErrors"][0]["message"] for p in losers)
    async with db.session() as session:
        active = (
            (await session.execute(select(Agreement).where(Agreement.status == AgreementStatus.ACTIVE)))
            .scalars()
            .all()
        )
    assert len(active) == 1
