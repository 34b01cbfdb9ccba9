"""Shifts that cannot be right are refused with the shift named, and nothing is written."""

from __future__ import annotations

from datetime import date

from broker.agreements.models import Agreement
from broker.timesheets.models import Timesheet, TimesheetShift
from tests.factories import count, make_agreement, make_plan, make_provider
from tests.timesheets.world import AS_AGREED, THIS_WEEK, shift, submit, world


async def _nothing_written(db) -> None:
    assert (await count(db, Timesheet), await count(db, TimesheetShift)) == (0, 0)


async def test_a_pa_cannot_be_in_two_places_at_once_across_agreements(api, db):
    w = await world(db)
    first = await submit(api, w, AS_AGREED)
    assert first["userErrors"] == []

    clash = await submit(
        api,
        w,
        [shift("2026-11-17", "09:00", "11:00"), shift("2026-11-18", "13:00", "15:00")],
        agreement=w.ben_agreement,
    )

    assert clash["timesheet"] is None
    assert clash["userErrors"] == [
        {
            "field": "input.shifts.1",
            "message": "This shift overlaps one already on another of your timesheets "
            "(Wednesday 18 November 09:00 to 14:00).",
            "code": "OVERLAPPING",
        }
    ]
    assert await count(db, Timesheet) == 1


async def test_an_agencys_shifts_for_different_people_may_overlap(api, db):
    w = await world(db)
    agency = await make_provider(db, w.council, owner=w.jo_user, kind="AGENCY", name="Leeds Home Care")
    plan = await make_plan(db, w.holder)
    ours = await make_agreement(db, plan, agency, created_by=w.broker)
    theirs = await make_agreement(db, await make_plan(db, w.holder), agency, created_by=w.broker)

    one = await submit(api, w, AS_AGREED, agreement=ours)
    two = await submit(api, w, AS_AGREED, agreement=theirs)

    assert (one["userErrors"], two["userErrors"]) == ([], [])


async def test_shifts_overlapping_each_other_are_refused(api, db):
    w = await world(db)

    answer = await submit(
        api, w, [shift("2026-11-16", "09:00", "12:00"), shift("2026-11-16", "11:30", "14:00")]
    )

    assert answer["userErrors"] == [
        {
            "field": "input.shifts.1",
            "message": "This shift overlaps shift 1 (Monday 16 November 09:00 to 12:00).",
            "code": "OVERLAPPING",
        }
    ]
    await _nothing_written(db)


async def test_a_shift_not_yet_finished_is_refused(api, db):
    w = await world(db)

    answer = await submit(
        api,
        w,
        [shift("2026-11-23", "09:00", "14:00"), shift("2026-11-26", "09:00", "10:30")],
        week=THIS_WEEK,
    )

    assert answer["userErrors"] == [
        {
            "field": "input.shifts.1.end",
            "message": "This shift has not finished yet; submit it once worked.",
            "code": "OUT_OF_RANGE",
        }
    ]
    await _nothing_written(db)


async def test_this_weeks_shifts_already_worked_are_accepted(api, db):
    w = await world(db)

    answer = await submit(
        api, w, [shift("2026-11-23", "09:00", "14:00"), shift("2026-11-26", "08:00", "10:00")], week=THIS_WEEK
    )

    assert answer["userErrors"] == []


async def test_a_week_that_has_not_started_is_refused(api, db):
    w = await world(db)

    answer = await submit(api, w, [shift("2026-11-30", "09:00", "14:00")], week=date(2026, 11, 30))

    assert answer["userErrors"] == [
        {"field": "input.weekStart", "message": "This week has not started yet.", "code": "OUT_OF_RANGE"}
    ]


async def test_shifts_outside_the_agreements_dates_or_the_week_are_refused(api, db):
    w = await world(db)
    async with db.transaction() as session:
        row = await session.get(Agreement, w.agreement.id)
        row.status, row.end_date = "ENDED", date(2026, 11, 17)

    answer = await submit(
        api,
        w,
        [
            shift("2026-11-16", "09:00", "14:00"),
            shift("2026-11-18", "09:00", "14:00"),
            shift("2026-11-23", "09:00", "10:00"),
        ],
    )

    assert answer["userErrors"] == [
        {
            "field": "input.shifts.1.workedOn",
            "message": "This day is outside the agreement's dates (6 April 2026 to 17 November 2026).",
            "code": "OUT_OF_RANGE",
        },
        {
            "field": "input.shifts.2.workedOn",
            "message": "This week runs from 16 November to 22 November 2026; this day is outside it.",
            "code": "OUT_OF_RANGE",
        },
    ]
    await _nothing_written(db)


async def test_hours_beyond_the_agreed_weekly_hours_and_ten_percent_are_refused(api, db):
    w = await world(db)

    answer = await submit(
        api,
        w,
        [shift("2026-11-16", "08:00", "14:00"), shift("2026-11-18", "08:00", "13:30")],
    )

    assert answer["userErrors"] == [
        {
            "field": "input.shifts",
            "message": "These shifts add up to 11.5 hours; the agreement is for 10 hours a week: at most 11, "
            "with 10% over for shifts that ran over.",
            "code": "OUT_OF_RANGE",
        }
    ]
    await _nothing_written(db)


async def test_eleven_hours_is_within_the_allowance(api, db):
    w = await world(db)

    answer = await submit(
        api, w, [shift("2026-11-16", "08:00", "14:00"), shift("2026-11-18", "09:00", "14:00")]
    )

    assert (answer["userErrors"], answer["timesheet"]["minutes"]) == ([], 660)


async def test_malformed_times_are_refused_at_each_field(api, db):
    w = await world(db)

    answer = await submit(
        api,
        w,
        [
            shift("2026-11-16", "9am", "14:00"),
            shift("2026-11-17", "10:00", "25:00"),
            shift("2026-11-18", "14:00", "09:00"),
            shift("2026-11-19", "24:00", "24:00"),
        ],
    )

    assert answer["userErrors"] == [
        {"field": "input.shifts.0.start", "message": "Use a 24-hour time such as 09:30.", "code": "INVALID"},
        {
            "field": "input.shifts.1.end",
            "message": "Use a 24-hour time such as 17:00 (24:00 for midnight).",
            "code": "INVALID",
        },
        {
            "field": "input.shifts.2.end",
            "message": "A shift must end after it starts; split a night shift at midnight (22:00 to 24:00, "
            "then 00:00 to 07:00 the next day).",
            "code": "INVALID",
        },
        {"field": "input.shifts.3.start", "message": "Use a 24-hour time such as 09:30.", "code": "INVALID"},
    ]
    await _nothing_written(db)


async def test_a_week_not_starting_on_the_agreed_weekday_is_refused(api, db):
    w = await world(db)

    answer = await submit(api, w, [shift("2026-11-18", "09:00", "14:00")], week=date(2026, 11, 18))

    assert answer["userErrors"] == [
        {
            "field": "input.weekStart",
            "message": "This agreement's weeks start on a Monday (it started on 6 April 2026); this week "
            "would start on Monday 16 November 2026.",
            "code": "INVALID",
        }
    ]
    await _nothing_written(db)


async def test_a_week_with_no_shifts_or_too_many_is_refused(api, db):
    w = await world(db)

    empty = await api.data(
        "mutation($input: SubmitTimesheetInput!) { submitTimesheet(input: $input) { "
        "userErrors { field code } } }",
        w.submit_input([]),
        as_user=w.jo_user,
    )
    many = await submit(api, w, [shift("2026-11-16", "00:00", "00:01")] * 57)

    assert empty["submitTimesheet"]["userErrors"] == [{"field": "input.shifts", "code": "REQUIRED"}]
    assert many["userErrors"] == [
        {"field": "input.shifts", "message": "At most 56 shifts a week.", "code": "OUT_OF_RANGE"}
    ]
    await _nothing_written(db)


async def test_an_agreement_not_yet_started_takes_no_timesheet(api, db):
    w = await world(db)
    async with db.transaction() as session:
        row = await session.get(Agreement, w.agreement.id)
        row.status = "PROPOSED"

    answer = await submit(api, w, AS_AGREED)

    assert answer["userErrors"] == [
        {
            "field": "input.agreementId",
            "message": "This agreement is PROPOSED; timesheets are for agreements that have started.",
            "code": "INVALID_STATE",
        }
    ]
