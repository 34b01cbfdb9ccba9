"""A PA submits the week's shifts; shifts outside the agreed slots are accepted and flagged."""

from __future__ import annotations

from broker.timesheets.models import TimesheetShift
from tests.factories import count
from tests.timesheets.world import AS_AGREED, WEEK, approve, query, shift, submit, world


async def test_jo_submits_the_week_she_worked_as_agreed(api, db):
    w = await world(db)

    answer = await submit(api, w, AS_AGREED)

    assert answer["userErrors"] == []
    sheet = answer["timesheet"]
    assert {k: sheet[k] for k in ("weekStart", "weekEnd", "status", "minutes", "hours", "flaggedShifts")} == {
        "weekStart": "2026-11-16",
        "weekEnd": "2026-11-22",
        "status": "SUBMITTED",
        "minutes": 600,
        "hours": 10.0,
        "flaggedShifts": 0,
    }
    assert (sheet["hourlyRate"], sheet["amountDue"], sheet["revision"]) == (1450, None, 1)
    assert sheet["shifts"] == [
        {
            "workedOn": "2026-11-16",
            "start": "09:00",
            "end": "14:00",
            "minutes": 300,
            "note": "",
            "minutesOutsideSlots": 0,
            "outsideAgreedSlots": False,
        },
        {
            "workedOn": "2026-11-18",
            "start": "09:00",
            "end": "14:00",
            "minutes": 300,
            "note": "",
            "minutesOutsideSlots": 0,
            "outsideAgreedSlots": False,
        },
    ]


async def test_a_shift_outside_the_agreed_slots_is_accepted_and_flagged(api, db):
    w = await world(db)

    answer = await submit(
        api,
        w,
        [
            shift("2026-11-16", "08:00", "13:00", "Came early: hospital appointment"),
            shift("2026-11-20", "10:00", "13:00", "Friday instead of Wednesday"),
        ],
    )

    sheet = answer["timesheet"]
    assert answer["userErrors"] == []
    assert (sheet["minutes"], sheet["flaggedShifts"]) == (480, 2)
    assert [(s["minutesOutsideSlots"], s["outsideAgreedSlots"], s["note"]) for s in sheet["shifts"]] == [
        (60, True, "Came early: hospital appointment"),
        (180, True, "Friday instead of Wednesday"),
    ]


async def test_a_queried_week_is_corrected_and_submitted_again(api, db):
    w = await world(db)
    first = (await submit(api, w, AS_AGREED))["timesheet"]["id"]
    await query(api, w.holder_user, first, "Wednesday was 10:00 to 14:00, not 09:00.")

    again = await submit(api, w, [AS_AGREED[0], shift("2026-11-18", "10:00", "14:00")])

    sheet = again["timesheet"]
    assert again["userErrors"] == []
    assert (sheet["id"], sheet["status"], sheet["revision"], sheet["minutes"]) == (first, "SUBMITTED", 2, 540)
    assert sheet["queryReason"] == ""
    assert [s["start"] for s in sheet["shifts"]] == ["09:00", "10:00"]
    assert await count(db, TimesheetShift) == 2


async def test_an_approved_week_cannot_be_submitted_again(api, db):
    w = await world(db)
    sheet = (await submit(api, w, AS_AGREED))["timesheet"]["id"]
    await approve(api, w.holder_user, sheet)

    again = await submit(api, w, [AS_AGREED[0]])

    assert again["timesheet"] is None
    assert again["userErrors"] == [
        {
            "field": "input.weekStart",
            "message": "This week's timesheet is already approved; a correction is paid as a supplementary "
            "payment.",
            "code": "INVALID_STATE",
        }
    ]
    assert await count(db, TimesheetShift) == 2


async def test_a_shift_ending_at_midnight_and_one_starting_there_make_a_night(api, db):
    w = await world(db)

    answer = await submit(
        api, w, [shift("2026-11-16", "22:00", "24:00"), shift("2026-11-17", "00:00", "07:00")]
    )

    assert answer["userErrors"] == []
    assert answer["timesheet"]["minutes"] == 540
    assert answer["timesheet"]["weekStart"] == WEEK.isoformat()
