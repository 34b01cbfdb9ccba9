"""When no one provider covers a plan, a team does; a broker's queue is allocated by a solver."""

from __future__ import annotations

from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.matching.allocation import AllocationProblem, Option, greedy, solve
from broker.plans.models import PlanStatus, SupportPlan
from broker.providers.models import Provider
from tests.factories import make_council, make_holder, make_plan, make_provider, make_user, reload

MON, WED, FRI, SAT = 0, 2, 4, 5
TEAM = """
query($plan: ID!) { teamForPlan(planId: $plan) {
  coveredHours neededHours unmetHours
  members { provider { name } hours shares { need { service { code } } hours slots { day start end } } }
} }
"""
ALLOCATE = """
mutation($input: ProposeAllocationInput!) { proposeAllocation(input: $input) {
  allocation { optimal method totalScore
    assignments { supportPlan { id } need { service { code } } provider { name } hours score }
    plans { supportPlan { id } neededHours allocatedHours unmetHours } }
  userErrors { field message code }
} }
"""


def _day(day: int) -> tuple[tuple[int, int, int], ...]:
    return ((day, 8 * 60, 18 * 60),)


async def test_the_smallest_team_covers_the_schedule_without_overlaps(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)
    plan = await make_plan(
        db,
        holder,
        needs=(
            (
                "PERSONAL_CARE",
                15.0,
                1500,
                ((MON, 9 * 60, 14 * 60), (WED, 9 * 60, 14 * 60), (FRI, 9 * 60, 14 * 60)),
            ),
        ),
    )
    await make_provider(db, council, name="Amrit", hourly_rate_pence=1400, slots=_day(MON) + _day(WED))
    await make_provider(db, council, name="Beth", district="LS7", slots=_day(WED) + _day(FRI))
    await make_provider(db, council, name="Cara", district="LS7", slots=_day(FRI))
    await make_provider(db, council, name="Dan", district="LS7", slots=_day(MON))

    team = (await api.data(TEAM, {"plan": to_base64("SupportPlan", plan.id)}, as_user=broker))["teamForPlan"]

    assert team == {
        "coveredHours": 15.0,
        "neededHours": 15.0,
        "unmetHours": 0.0,
        "members": [
            {
                "provider": {"name": "Amrit"},
                "hours": 10.0,
                "shares": [
                    {
                        "need": {"service": {"code": "PERSONAL_CARE"}},
                        "hours": 10.0,
                        "slots": [
                            {"day": "MONDAY", "start": "09:00", "end": "14:00"},
                            {"day": "WEDNESDAY", "start": "09:00", "end": "14:00"},
                        ],
                    }
                ],
            },
            {
                "provider": {"name": "Beth"},
                "hours": 5.0,
                "shares": [
                    {
                        "need": {"service": {"code": "PERSONAL_CARE"}},
                        "hours": 5.0,
                        "slots": [{"day": "FRIDAY", "start": "09:00", "end": "14:00"}],
                    }
                ],
            },
        ],
    }


async def test_a_team_leaves_unmet_the_hours_nobody_can_cover(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)
    plan = await make_plan(
        db, holder, needs=(("PERSONAL_CARE", 10.0, 1500, ((MON, 9 * 60, 14 * 60), (WED, 9 * 60, 14 * 60))),)
    )
    await make_provider(db, council, name="Amrit", slots=((MON, 9 * 60, 12 * 60),))

    team = (await api.data(TEAM, {"plan": to_base64("SupportPlan", plan.id)}, as_user=broker))["teamForPlan"]

    assert (team["coveredHours"], team["unmetHours"]) == (3.0, 7.0)
    assert [m["provider"]["name"] for m in team["members"]] == ["Amrit"]


def test_the_solver_beats_greedy_where_greedy_takes_the_best_option_first():
    # Amrit (a PA) is the best carer for both needs, which overlap on Monday morning; Beth can only do
    # the first. Greedy gives Amrit the first and leaves the second unmet; the solver swaps them.
    first_need = Option(need_id=1, provider_id=10, hours=5, score=85, windows=((0, 540, 840),))
    first_need_beth = Option(need_id=1, provider_id=20, hours=5, score=60, windows=((0, 540, 840),))
    second_need = Option(need_id=2, provider_id=10, hours=2, score=85, windows=((0, 600, 720),))
    problem = AllocationProblem(
        options=[first_need, first_need_beth, second_need],
        capacity_hours={10: 20.0, 20: 20.0},
        one_person=frozenset({10, 20}),
    )

    best = solve(problem, time_limit=5)
    baseline = greedy(problem)

    assert (best.chosen, best.total_score, best.optimal) == ([first_need_beth, second_need], 470.0, True)
    assert (baseline.chosen, baseline.total_score) == ([first_need], 425.0)


def test_capacity_binds_and_agencies_may_work_overlapping_hours():
    options = [
        Option(need_id=n, provider_id=30, hours=4, score=50, windows=((0, 540, 780),)) for n in (1, 2, 3)
    ]
    problem = AllocationProblem(options=options, capacity_hours={30: 8.0}, one_person=frozenset())

    result = solve(problem, time_limit=5)

    assert sum(o.hours for o in result.chosen) == 8
    assert len(result.chosen) == 2


async def _queue(db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    first = await make_plan(
        db, await make_holder(db, council), needs=(("PERSONAL_CARE", 5.0, 1500, ((MON, 9 * 60, 14 * 60),)),)
    )
    second = await make_plan(
        db, await make_holder(db, council), needs=(("DOMESTIC_HELP", 2.0, 1500, ((MON, 10 * 60, 12 * 60),)),)
    )
    amrit = await make_provider(
        db,
        council,
        name="Amrit",
        services=("PERSONAL_CARE", "DOMESTIC_HELP"),
        slots=_day(MON),
        hourly_rate_pence=1300,
    )
    beth = await make_provider(
        db, council, name="Beth", district="LS14", services=("PERSONAL_CARE",), slots=_day(MON)
    )
    return council, broker, first, second, (amrit, beth)


async def test_a_brokers_queue_is_allocated_to_maximise_the_total_score(api, db):
    _, broker, first, second, _ = await _queue(db)
    ids = [to_base64("SupportPlan", first.id), to_base64("SupportPlan", second.id)]

    result = (await api.data(ALLOCATE, {"input": {"planIds": ids}}, as_user=broker))["proposeAllocation"]

    allocation = result["allocation"]
    assert result["userErrors"] == []
    assert (allocation["optimal"], allocation["method"]) == (True, "HiGHS MILP")
    assert [
        (a["supportPlan"]["id"], a["need"]["service"]["code"], a["provider"]["name"], a["hours"])
        for a in allocation["assignments"]
    ] == [
        (ids[0], "PERSONAL_CARE", "Beth", 5.0),
        (ids[1], "DOMESTIC_HELP", "Amrit", 2.0),
    ]
    assert allocation["plans"] == [
        {"supportPlan": {"id": ids[0]}, "neededHours": 5.0, "allocatedHours": 5.0, "unmetHours": 0.0},
        {"supportPlan": {"id": ids[1]}, "neededHours": 2.0, "allocatedHours": 2.0, "unmetHours": 0.0},
    ]
    assert allocation["totalScore"] == round(
        sum(a["hours"] * a["score"] for a in allocation["assignments"]), 2
    )


async def test_allocation_reports_unmet_hours_and_books_nothing(api, db):
    council, broker, first, second, providers = await _queue(db)
    lonely = await make_plan(
        db,
        await make_holder(db, council),
        needs=(("NIGHT_SUPPORT", 10.0, 1500, ((FRI, 20 * 60, 24 * 60), (SAT, 20 * 60, 24 * 60))),),
    )
    ids = [to_base64("SupportPlan", p.id) for p in (first, second, lonely)]

    result = (await api.data(ALLOCATE, {"input": {"planIds": ids}}, as_user=broker))["proposeAllocation"]

    assert result["allocation"]["plans"][2] == {
        "supportPlan": {"id": ids[2]},
        "neededHours": 10.0,
        "allocatedHours": 0.0,
        "unmetHours": 10.0,
    }
    for plan in (first, second, lonely):
        assert (await reload(db, SupportPlan, plan.id)).status is PlanStatus.ACTIVE
    assert [(await reload(db, Provider, p.id)).weekly_capacity_hours for p in providers] == [20.0, 20.0]


async def test_allocation_refuses_foreign_unknown_and_closed_plans_and_non_brokers(api, db):
    council, broker, first, _, _ = await _queue(db)
    closed = await make_plan(db, await make_holder(db, council), status="CLOSED")
    foreign = await make_plan(db, await make_holder(db, await make_council(db)))
    holder_user = await reload(db, User, (await make_holder(db, council)).user_id)
    ids = [
        to_base64("SupportPlan", first.id),
        to_base64("SupportPlan", closed.id),
        to_base64("SupportPlan", foreign.id),
        to_base64("SupportPlan", 999),
    ]

    refused = (await api.data(ALLOCATE, {"input": {"planIds": ids}}, as_user=broker))["proposeAllocation"]
    forbidden = await api.execute(ALLOCATE, {"input": {"planIds": ids[:1]}}, as_user=holder_user)

    assert refused == {
        "allocation": None,
        "userErrors": [
            {"field": "input.planIds.1", "message": "This plan is closed.", "code": "INVALID_STATE"},
            {"field": "input.planIds.2", "message": "No support plan with this ID.", "code": "NOT_FOUND"},
            {"field": "input.planIds.3", "message": "No support plan with this ID.", "code": "NOT_FOUND"},
        ],
    }
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
