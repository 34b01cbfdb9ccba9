"""Weeks not submitted, or not approved, within the council's deadlines are listed for its brokers."""

from __future__ import annotations

from datetime import date

from broker.accounts.models import Role
from tests.factories import make_council, make_user
from tests.timesheets.world import approve, gid, query, shift, submitted, world

LATE = """query($council: ID, $first: Int) { lateTimesheets(councilId: $council, first: $first) {
  deadlines { submitWithinDays approveWithinDays } totalCount
  weeks { lateness weekStart weekEnd dueOn daysLate agreement { id } timesheet { id status } } } }"""

DEADLINES = """mutation($input: SetTimesheetDeadlinesInput!) { setTimesheetDeadlines(input: $input) {
  deadlines { submitWithinDays approveWithinDays } userErrors { field message code } } }"""


async def _late(api, user, **more):
    return (await api.data(LATE, {"first": 500, **more}, as_user=user))["lateTimesheets"]


async def test_weeks_never_submitted_are_late_a_week_after_they_end(api, db):
    w = await world(db)
    for monday in (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)):
        await submitted(api, w, [shift(monday.isoformat(), "09:00", "14:00")], week=monday)

    late = await _late(api, w.broker)

    amina = [x for x in late["weeks"] if x["agreement"]["id"] == gid("Agreement", w.agreement)]
    assert late["deadlines"] == {"submitWithinDays": 7, "approveWithinDays": 7}
    # Thirteen weeks back from 26 November: weeks from 31 August; those up to 9 November are overdue.
    assert [x["weekStart"] for x in amina if x["lateness"] == "NOT_SUBMITTED"] == [
        "2026-08-31",
        "2026-09-07",
        "2026-09-14",
        "2026-09-21",
        "2026-09-28",
        "2026-10-05",
        "2026-10-12",
        "2026-10-19",
        "2026-10-26",
    ]
    first = amina[0]
    assert (first["weekEnd"], first["dueOn"], first["daysLate"], first["timesheet"]) == (
        "2026-09-06",
        "2026-09-13",
        74,
        None,
    )


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

    late = await _late(api, w.broker)

    assert late["deadlines"] == {"submitWithinDays": 90, "approveWithinDays": 1}
    assert [
        (x["lateness"], x["weekStart"], x["dueOn"], x["daysLate"], x["timesheet"]) for x in late["weeks"]
    ] == [
        ("NOT_APPROVED", "2026-11-16", "2026-11-27", 1, {"id": waiting, "status": "SUBMITTED"}),
    ]


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

    for user in (w.jo_user, w.holder_user, await make_user(db, Role.BROKER, await make_council(db))):
        body = await api.execute(LATE, {"council": council}, as_user=user)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    anonymous = await api.execute(LATE, {"council": council})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
