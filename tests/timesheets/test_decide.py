"""The holder's side approves or queries a week; the council only for a person who asked it to."""

from __future__ import annotations

from broker.accounts.models import Role
from broker.holders.models import DPHolder
from broker.timesheets.models import Timesheet
from tests.conversations.world import NOTIFICATIONS
from tests.factories import make_council, make_user, reload
from tests.timesheets.world import COUNCIL_APPROVES, approve, gid, query, shift, submit, submitted, world


async def test_amina_approves_jos_week_and_the_amount_due_is_hours_times_rate(api, db):
    w = await world(db)
    sheet = await submitted(api, w)

    answer = await approve(api, w.holder_user, sheet)

    assert answer["userErrors"] == []
    assert answer["timesheet"]["status"] == "APPROVED"
    assert answer["timesheet"]["amountDue"] == 14_500
    assert answer["timesheet"]["approvedByCouncil"] is False


async def test_a_representative_approves_and_part_pennies_round_half_up_once_a_week(api, db):
    w = await world(db)
    # 9 hours 50 minutes at £14.50: 14,258.33 pence; 09:00 to 13:55 twice.
    sheet = await submitted(
        api, w, [shift("2026-11-16", "09:00", "13:55"), shift("2026-11-18", "09:00", "13:55")]
    )

    answer = await approve(api, w.representative, sheet)

    assert (answer["userErrors"], answer["timesheet"]["amountDue"]) == ([], 14_258)


async def test_a_query_sends_the_week_back_with_the_reason(api, db):
    w = await world(db)
    sheet = await submitted(api, w)

    answer = await query(api, w.holder_user, sheet, "  Jo left at 13:00 on Wednesday.  ")

    assert answer["userErrors"] == []
    assert answer["timesheet"] == {
        "id": sheet,
        "status": "QUERIED",
        "queryReason": "Jo left at 13:00 on Wednesday.",
    }


async def test_a_query_needs_a_reason_and_leaves_the_week_submitted(api, db):
    w = await world(db)
    sheet = await submitted(api, w)

    blank = await query(api, w.holder_user, sheet, "   ")
    long = await query(api, w.holder_user, sheet, "x" * 501)

    assert blank["userErrors"] == [
        {"field": "input.reason", "message": "Say what is wrong with the timesheet.", "code": "REQUIRED"}
    ]
    assert long["userErrors"] == [
        {"field": "input.reason", "message": "At most 500 characters.", "code": "TOO_LONG"}
    ]
    row = await reload(db, Timesheet, int(_key(sheet)))
    assert row.status == "SUBMITTED"


async def test_a_week_is_decided_once(api, db):
    w = await world(db)
    sheet = await submitted(api, w)
    await approve(api, w.holder_user, sheet)

    again = await approve(api, w.representative, sheet)
    queried = await query(api, w.holder_user, sheet, "Too late")

    refusal = [
        {
            "field": "input.timesheetId",
            "message": "This timesheet is APPROVED; only a submitted timesheet is approved or queried.",
            "code": "INVALID_STATE",
        }
    ]
    assert (again["userErrors"], queried["userErrors"]) == (refusal, refusal)


async def test_the_broker_approves_only_for_a_person_who_asked_the_council_to(api, db):
    w = await world(db)
    sheet = await submitted(api, w)

    before = await approve(api, w.broker, sheet)
    asked = (
        await api.data(
            COUNCIL_APPROVES,
            {"input": {"holderId": gid("DPHolder", w.holder), "councilApproves": True}},
            as_user=w.holder_user,
        )
    )["setCouncilApprovesTimesheets"]
    after = await approve(api, w.broker, sheet)

    assert before["timesheet"] is None
    assert before["userErrors"] == [
        {
            "field": "input.timesheetId",
            "message": "This person approves their own timesheets; the council approves them only for people "
            "who have asked it to.",
            "code": "PERMISSION_DENIED",
        }
    ]
    assert asked == {
        "holder": {"id": gid("DPHolder", w.holder), "councilApprovesTimesheets": True},
        "userErrors": [],
    }
    assert after["userErrors"] == []
    assert (after["timesheet"]["status"], after["timesheet"]["approvedByCouncil"]) == ("APPROVED", True)


async def test_the_person_still_decides_when_the_council_manages_timesheets(api, db):
    w = await world(db)
    await api.data(
        COUNCIL_APPROVES,
        {"input": {"holderId": gid("DPHolder", w.holder), "councilApproves": True}},
        as_user=w.broker,
    )
    sheet = await submitted(api, w)

    answer = await query(api, w.holder_user, sheet, "Not on Wednesday")

    assert answer["userErrors"] == []


async def test_nobody_else_decides_or_sets_who_decides(api, db):
    w = await world(db)
    sheet = await submitted(api, w)
    other_broker = await make_user(db, Role.BROKER, await make_council(db))
    commissioner = await make_user(db, Role.COMMISSIONER, w.council)

    by_jo = await approve(api, w.jo_user, sheet)
    by_ben = await approve(api, w.ben_user, sheet)
    by_other_broker = await approve(api, other_broker, sheet)
    by_commissioner = await query(api, commissioner, sheet, "No")
    settings = {
        name: (
            await api.data(
                COUNCIL_APPROVES,
                {"input": {"holderId": gid("DPHolder", w.holder), "councilApproves": True}},
                as_user=user,
            )
        )["setCouncilApprovesTimesheets"]["userErrors"]
        for name, user in {"jo": w.jo_user, "ben": w.ben_user, "other broker": other_broker}.items()
    }

    assert by_jo["userErrors"] == [
        {
            "field": "input.timesheetId",
            "message": "The person who employs you (or their representative) approves your timesheet.",
            "code": "PERMISSION_DENIED",
        }
    ]
    not_found = [{"field": "input.timesheetId", "message": "No timesheet with this ID.", "code": "NOT_FOUND"}]
    assert by_ben["userErrors"] == by_other_broker["userErrors"] == by_commissioner["userErrors"] == not_found
    assert {name: [e["code"] for e in errors] for name, errors in settings.items()} == {
        "jo": ["NOT_FOUND"],
        "ben": ["NOT_FOUND"],
        "other broker": ["NOT_FOUND"],
    }
    assert (await reload(db, Timesheet, int(_key(sheet)))).status == "SUBMITTED"
    assert (await reload(db, DPHolder, w.holder.id)).council_approves_timesheets is False


def _key(global_id: str) -> str:
    from strawberry.relay import from_base64

    return from_base64(global_id)[1]


async def test_the_holders_side_is_told_a_week_waits_and_told_again_when_it_is_resubmitted(api, db):
    w = await world(db)
    sheet = await submitted(api, w)

    waiting = await _timesheet_notices(api, w.holder_user)
    assert await _timesheet_notices(api, w.representative) == waiting == 1
    assert await _timesheet_notices(api, w.broker) == 0  # the person did not ask the council to

    await query(api, w.holder_user, sheet, "Jo left at 13:00 on Wednesday.")
    await submitted(api, w, [shift("2026-11-16", "09:00", "13:00")])

    assert await _timesheet_notices(api, w.holder_user) == 2


async def _timesheet_notices(api, user) -> int:
    told = await api.data(NOTIFICATIONS, as_user=user)
    return sum(1 for n in told["viewer"]["notifications"]["nodes"] if n["kind"] == "TIMESHEET_WAITING")


async def test_the_amount_if_approved_is_shown_before_the_decision_and_is_what_approval_makes_due(api, db):
    w = await world(db)
    # 9 hours 50 minutes at £14.50: 14,258.33 pence, a half penny rule away from 14,258.
    answer = await submit(
        api, w, [shift("2026-11-16", "09:00", "13:55"), shift("2026-11-18", "09:00", "13:55")]
    )
    before = answer["timesheet"]

    approved = await approve(api, w.holder_user, before["id"])

    assert (before["amountDue"], before["amountIfApproved"]) == (None, 14_258)
    assert approved["timesheet"]["amountDue"] == before["amountIfApproved"]
