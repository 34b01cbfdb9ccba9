"""Weeks not submitted, or not approved, within the council's deadlines are listed for its brokers,
over each agreement's whole life, as a connection (`lateTimesheetWeeks`); `lateTimesheets` is the
deprecated capped list."""

from __future__ import annotations

from datetime import date, timedelta

from broker.accounts.models import Role
from tests.factories import make_agreement, make_council, make_holder, make_plan, make_user
from tests.statements import counting_statements
from tests.timesheets.world import approve, gid, query, shift, submitted, world

LATE = """query($council: ID, $first: Int) { lateTimesheets(councilId: $council, first: $first) {
  deadlines { submitWithinDays approveWithinDays } totalCount
  weeks { lateness weekStart weekEnd dueOn daysLate agreement { id } timesheet { id status } } } }"""

WEEKS = """query($council: ID, $first: Int, $after: String) {
  lateTimesheetWeeks(councilId: $council, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { lateness weekStart weekEnd dueOn daysLate
            agreement { id provider { name } holder { id } } timesheet { id status } } } }"""

DEADLINES_READ = """query($council: ID) { timesheetDeadlines(councilId: $council) {
  submitWithinDays approveWithinDays } }"""

DEADLINES = """mutation($input: SetTimesheetDeadlinesInput!) { setTimesheetDeadlines(input: $input) {
  deadlines { submitWithinDays approveWithinDays } userErrors { field message code } } }"""


async def _late(api, user, **more):
    return (await api.data(LATE, {"first": 500, **more}, as_user=user))["lateTimesheets"]


async def _all_weeks(api, user, **more) -> list[dict]:
    """Every late week, page by page."""
    found: list[dict] = []
    after = None
    while True:
        page = (await api.data(WEEKS, {"first": 100, "after": after, **more}, as_user=user))[
            "lateTimesheetWeeks"
        ]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def _mondays(first: date, last: date) -> list[str]:
    return [(first + timedelta(weeks=n)).isoformat() for n in range((last - first).days // 7 + 1)]


async def test_weeks_never_submitted_are_late_over_the_agreements_whole_life(api, db):
    # Amina's agreement with Jo began on Monday 6 April 2026, 33 weeks before the clock's 26 November.
    w = await world(db)
    for monday in (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)):
        await submitted(api, w, [shift(monday.isoformat(), "09:00", "14:00")], week=monday)

    weeks = await _all_weeks(api, w.broker)
    deadlines = (await api.data(DEADLINES_READ, {}, as_user=w.broker))["timesheetDeadlines"]

    amina = [x for x in weeks if x["agreement"]["id"] == gid("Agreement", w.agreement)]
    ben = [x for x in weeks if x["agreement"]["id"] == gid("Agreement", w.ben_agreement)]
    assert deadlines == {"submitWithinDays": 7, "approveWithinDays": 7}
    # Every week from the first, older than 13 weeks too, to the last one overdue (26 October, due
    # 8 November); the weeks of November were submitted. Ben's weeks were never submitted: up to 9
    # November (due 22 November); 16 November's is due on the 29th.
    assert [x["weekStart"] for x in amina] == _mondays(date(2026, 4, 6), date(2026, 10, 26))
    assert [x["weekStart"] for x in ben] == _mondays(date(2026, 4, 6), date(2026, 11, 9))
    assert {x["lateness"] for x in weeks} == {"NOT_SUBMITTED"}
    assert len(weeks) == 30 + 32
    first = amina[0]
    assert (first["weekEnd"], first["dueOn"], first["daysLate"], first["timesheet"]) == (
        "2026-04-12",
        "2026-04-19",
        221,
        None,
    )
    # Longest overdue first; the same due day by agreement.
    assert [x["dueOn"] for x in weeks] == sorted(x["dueOn"] for x in weeks)


async def test_an_ended_agreement_is_chased_up_to_its_last_week_only(api, db):
    w = await world(db)
    holder = await make_holder(db, w.council)
    plan = await make_plan(db, holder)
    old = await make_agreement(
        db,
        plan,
        w.jo,
        created_by=w.broker,
        status="ENDED",
        start_date=date(2024, 1, 3),
        end_date=date(2024, 3, 5),
    )

    weeks = [x for x in await _all_weeks(api, w.broker) if x["agreement"]["id"] == gid("Agreement", old)]

    # Wednesdays from 3 January 2024; the week of 28 February holds 5 March, the last day.
    assert [x["weekStart"] for x in weeks] == _mondays(date(2024, 1, 3), date(2024, 2, 28))
    assert weeks[-1]["dueOn"] == "2024-03-12"


async def test_the_late_weeks_page_through_with_cursors_without_gaps_or_repeats(api, db):
    w = await world(db)

    first = (await api.data(WEEKS, {"first": 25}, as_user=w.broker))["lateTimesheetWeeks"]
    rest = (await api.data(WEEKS, {"first": 100, "after": first["pageInfo"]["endCursor"]}, as_user=w.broker))[
        "lateTimesheetWeeks"
    ]
    whole = await _all_weeks(api, w.broker)

    assert (first["totalCount"], len(first["nodes"]), first["pageInfo"]["hasNextPage"]) == (64, 25, True)
    assert (len(rest["nodes"]), rest["pageInfo"]["hasNextPage"]) == (39, False)
    assert first["nodes"] + rest["nodes"] == whole


async def test_a_page_of_late_weeks_costs_the_same_statements_for_1_or_50(api, db):
    w = await world(db)
    queried = await submitted(api, w, [shift("2026-11-02", "09:00", "14:00")], week=date(2026, 11, 2))
    await query(api, w.holder_user, queried, "Which day?")

    with counting_statements(db) as one:
        small = await api.data(WEEKS, {"first": 1}, as_user=w.broker)
    with counting_statements(db) as fifty:
        large = await api.data(WEEKS, {"first": 50}, as_user=w.broker)

    assert (len(small["lateTimesheetWeeks"]["nodes"]), len(large["lateTimesheetWeeks"]["nodes"])) == (1, 50)
    assert len(fifty) == len(one)


async def test_the_deprecated_capped_list_still_answers_from_the_whole_life(api, db):
    w = await world(db)

    late = await _late(api, w.broker, first=3)

    assert late["deadlines"] == {"submitWithinDays": 7, "approveWithinDays": 7}
    assert late["totalCount"] == 64
    assert [x["weekStart"] for x in late["weeks"]] == ["2026-04-06", "2026-04-06", "2026-04-13"]


async def test_a_submitted_week_waiting_beyond_the_deadline_is_late_for_approval(api, db):
    w = await world(db)
    await api.data(
        DEADLINES,
        {"input": {"councilId": gid("Council", w.council), "submitWithinDays": 90, "approveWithinDays": 1}},
        as_user=w.broker,
    )
    waiting = await submitted(api, w)
    approved = await submitted(api, w, [shift("2026-11-09", "09:00", "14:00")], week=date(2026, 11, 9))
    await approve(api, w.holder_user, approved)
    queried = await submitted(api, w, [shift("2026-11-02", "09:00", "14:00")], week=date(2026, 11, 2))
    await query(api, w.holder_user, queried, "Which day?")
    api.clock.at = api.clock.at.replace(day=28)

    late = await _all_weeks(api, w.broker)

    # Only the week waiting for a decision; the approved one is done and the queried one (back with
    # Jo) is not due from her for 90 days.
    assert [
        (x["lateness"], x["weekStart"], x["dueOn"], x["daysLate"], x["timesheet"])
        for x in late
        if x["weekStart"] >= "2026-11-02"
    ] == [
        ("NOT_APPROVED", "2026-11-16", "2026-11-27", 1, {"id": waiting, "status": "SUBMITTED"}),
    ]
    assert {x["lateness"] for x in late if x["weekStart"] < "2026-11-02"} == {"NOT_SUBMITTED"}


async def test_deadlines_are_the_councils_own_staffs_to_set_within_limits(api, db):
    w = await world(db)
    council = gid("Council", w.council)

    bad = await api.data(
        DEADLINES,
        {"input": {"councilId": council, "submitWithinDays": 0, "approveWithinDays": 91}},
        as_user=w.broker,
    )
    by_others = {
        role: (
            await api.data(DEADLINES, {"input": {"councilId": council, "submitWithinDays": 3}}, as_user=user)
        )["setTimesheetDeadlines"]["userErrors"]
        for role, user in {
            "provider": w.jo_user,
            "holder": w.holder_user,
            "commissioner": await make_user(db, Role.COMMISSIONER, w.council),
            "another council's broker": await make_user(db, Role.BROKER, await make_council(db)),
        }.items()
    }
    kept = await _late(api, w.broker)

    assert bad["setTimesheetDeadlines"]["userErrors"] == [
        {"field": "input.submitWithinDays", "message": "From 1 to 90 days.", "code": "OUT_OF_RANGE"},
        {"field": "input.approveWithinDays", "message": "From 1 to 90 days.", "code": "OUT_OF_RANGE"},
    ]
    assert {role: [e["code"] for e in errors] for role, errors in by_others.items()} == {
        role: ["PERMISSION_DENIED"] for role in by_others
    }
    assert kept["deadlines"] == {"submitWithinDays": 7, "approveWithinDays": 7}


async def test_the_late_list_is_for_the_councils_staff_only(api, db):
    w = await world(db)
    council = gid("Council", w.council)
    others = {
        "provider": w.jo_user,
        "holder": w.holder_user,
        "representative": w.representative,
        "commissioner": await make_user(db, Role.COMMISSIONER, w.council),
        "another council's broker": await make_user(db, Role.BROKER, await make_council(db)),
    }

    staff = {
        role: (await api.data(WEEKS, {"council": council, "first": 1}, as_user=user))["lateTimesheetWeeks"][
            "totalCount"
        ]
        for role, user in {
            "broker": w.broker,
            "council admin": await make_user(db, Role.ADMIN, w.council),
            "platform admin": await make_user(db, Role.ADMIN, None),
        }.items()
    }
    refused = {
        (role, name): (await api.execute(operation, {"council": council}, as_user=user))
        for role, user in others.items()
        for name, operation in (("weeks", WEEKS), ("list", LATE), ("deadlines", DEADLINES_READ))
    }
    anonymous = [await api.execute(operation, {"council": council}) for operation in (WEEKS, LATE)]

    assert staff == {"broker": 64, "council admin": 64, "platform admin": 64}
    assert {
        key: (body["data"], body["errors"][0]["extensions"]["code"]) for key, body in refused.items()
    } == {key: (None, "PERMISSION_DENIED") for key in refused}
    assert [body["errors"][0]["extensions"]["code"] for body in anonymous] == ["UNAUTHENTICATED"] * 2
