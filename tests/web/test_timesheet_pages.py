"""Timesheets over HTTP, as a browser without JavaScript would: Jo, a PA, sends the shifts she
worked for Amina in one week and reads what became of them; Amina (or her representative) approves
the week or queries it with a reason. Who may see and do what is the API's answer; these tests
check the pages pass it on, keep what was typed and put each refusal beside its shift row."""

from __future__ import annotations

import httpx
import pytest

from broker.accounts.models import Role
from tests.factories import PASSWORD, make_user
from tests.timesheets.world import WEEK, gid, submitted, timesheets, world
from tests.web.reading import DASH, csrf_of, links_in, page_text, page_title, sign_in

MONDAY, WEDNESDAY = "2026-11-16", "2026-11-18"


async def _as(browser: httpx.AsyncClient, user) -> None:
    await sign_in(browser, user.email, PASSWORD)


def _form_path(w) -> str:
    return f"/provider/agreements/{gid('Agreement', w.agreement)}/timesheet"


async def _send(browser: httpx.AsyncClient, path: str, rows: dict[str, str], week: str = WEEK.isoformat()):
    form = await browser.get(f"{path}?week={week}")
    assert form.status_code == 200, page_text(form.text)
    return await browser.post(
        path, data={"weekStart": week, "shiftRows": "7", **rows, "csrf_token": csrf_of(form.text)}
    )


# --- the provider --------------------------------------------------------------------------------


async def test_a_pa_chooses_a_week_of_her_agreement_and_sends_the_shifts_she_worked(browser, db, api):
    w = await world(db)
    await _as(browser, w.jo_user)
    agreement = await browser.get(f"/provider/agreements/{gid('Agreement', w.agreement)}")
    assert _form_path(w) in links_in(agreement.text, "/provider/agreements/")

    chooser = await browser.get(_form_path(w))
    assert chooser.status_code == 200
    assert page_title(chooser.text) == "Submit a timesheet: choose the week"
    assert "Which week did you work?" in page_text(chooser.text)

    shifts = await browser.get(f"{_form_path(w)}?week={WEEK.isoformat()}")
    assert page_title(shifts.text) == "Shifts worked from 16 November 2026"
    assert "Monday 16 November" in page_text(shifts.text) and "Sunday 22 November" in page_text(shifts.text)

    sent = await _send(
        browser,
        _form_path(w),
        {
            "shifts-0-workedOn": MONDAY,
            "shifts-0-start": "09:00",
            "shifts-0-end": "14:00",
            "shifts-2-workedOn": WEDNESDAY,  # a row left empty between: not sent
            "shifts-2-start": "09:00",
            "shifts-2-end": "15:00",
            "shifts-2-note": "Stayed for the GP visit",
        },
    )
    assert sent.status_code == 303, page_text(sent.text)
    listed = await browser.get(sent.headers["location"])
    text = page_text(listed.text)
    assert page_title(listed.text) == "Your timesheets"
    assert "is sent for approval" in text
    assert "16 November 2026 to 22 November 2026" in text and "11 hours" in text
    assert "Waiting for approval" in text and "Not yet approved" in text
    assert "1 shift outside the agreed times" in text
    found = await timesheets(api, w.jo_user)
    assert found["totalCount"] == 1 and found["nodes"][0]["status"] == "SUBMITTED"


async def test_bad_shift_times_are_shown_at_their_row_with_the_input_kept_and_nothing_saved(browser, db, api):
    w = await world(db)
    await _as(browser, w.jo_user)

    refused = await _send(
        browser,
        _form_path(w),
        {
            "shifts-0-workedOn": MONDAY,
            "shifts-0-start": "09:00",
            "shifts-0-end": "14:00",
            "shifts-3-workedOn": WEDNESDAY,
            "shifts-3-start": "14:00",
            "shifts-3-end": "10:00",  # ends before it starts
            "shifts-3-note": "Kept note",
        },
    )

    assert refused.status_code == 400
    assert page_title(refused.text).startswith("Error: ")
    assert "There is a problem" in refused.text
    assert 'href="#shifts-3-end"' in refused.text  # the form's row 3, not the API's shift 1
    end_group = refused.text[refused.text.find('for="shifts-3-end"') :]
    assert "govuk-error-message" in end_group[: end_group.find("<input")]
    assert (
        'name="shifts-3-start" type="text" inputmode="numeric" spellcheck="false" value="14:00"'
        in refused.text
    )
    assert 'value="Kept note"' in refused.text
    assert f'<option value="{WEDNESDAY}" selected>' in refused.text
    assert (await timesheets(api, w.jo_user))["totalCount"] == 0


async def test_a_row_without_a_day_and_an_empty_form_are_refused_by_the_page(browser, db, api):
    w = await world(db)
    await _as(browser, w.jo_user)

    no_day = await _send(browser, _form_path(w), {"shifts-1-start": "09:00", "shifts-1-end": "10:00"})
    empty = await _send(browser, _form_path(w), {})

    assert no_day.status_code == 400 and 'href="#shifts-1-workedOn"' in no_day.text
    assert "Choose the day of this shift" in page_text(no_day.text)
    assert empty.status_code == 400 and "Enter at least one shift you worked" in page_text(empty.text)
    assert (await timesheets(api, w.jo_user))["totalCount"] == 0


async def test_a_week_that_is_not_one_of_the_agreements_goes_back_to_choosing_the_week(browser, db):
    w = await world(db)
    await _as(browser, w.jo_user)

    for week in ("2026-11-17", "not-a-date", "2025-01-06", "%00", "9" * 50):
        answer = await browser.get(f"{_form_path(w)}?week={week}")
        assert answer.status_code == 400, week
        assert "Choose the week you worked" in page_text(answer.text)


async def test_another_providers_agreement_is_not_found_and_cannot_be_sent(browser, db, api):
    w = await world(db)
    await _as(browser, w.bureau_user)  # a provider, but not Jo

    page = await browser.get(f"{_form_path(w)}?week={WEEK.isoformat()}")
    own_form = await browser.get("/provider/timesheets")
    posted = await browser.post(
        _form_path(w),
        data={
            "weekStart": WEEK.isoformat(),
            "shifts-0-workedOn": MONDAY,
            "shifts-0-start": "09:00",
            "shifts-0-end": "10:00",
            "csrf_token": csrf_of(own_form.text) if "csrf_token" in own_form.text else "x",
        },
    )

    assert page.status_code == 404
    assert posted.status_code in (400, 404)
    assert (await timesheets(api, w.broker))["totalCount"] == 0


@pytest.mark.parametrize(
    "path", ["/provider/agreements/not-an-id/timesheet", "/provider/agreements/%00/timesheet"]
)
async def test_hostile_agreement_ids_are_not_found(browser, db, path):
    w = await world(db)
    await _as(browser, w.jo_user)
    assert (await browser.get(path)).status_code == 404


async def test_a_holder_has_no_provider_timesheet_pages(browser, db):
    w = await world(db)
    await _as(browser, w.holder_user)
    assert (await browser.get("/provider/timesheets")).status_code == 403
    assert (await browser.get(f"{_form_path(w)}?week={WEEK.isoformat()}")).status_code in (403, 404)


async def test_a_forged_csrf_token_sends_nothing(browser, db, api):
    w = await world(db)
    await _as(browser, w.jo_user)
    await browser.get(f"{_form_path(w)}?week={WEEK.isoformat()}")

    forged = await browser.post(
        _form_path(w),
        data={
            "weekStart": WEEK.isoformat(),
            "shifts-0-workedOn": MONDAY,
            "shifts-0-start": "09:00",
            "shifts-0-end": "10:00",
            "csrf_token": "forged",
        },
    )

    assert forged.status_code == 400 and "This form has expired" in page_text(forged.text)
    assert (await timesheets(api, w.jo_user))["totalCount"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/provider/timesheets",
        "/provider/agreements/x/timesheet",
        "/your-care/x/timesheets",
        "/your-care/x/timesheets/y",
    ],
)
async def test_anonymous_visitors_are_asked_to_sign_in(browser, path):
    answer = await browser.get(path)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in?next=")


async def test_a_queried_week_shows_the_reason_and_comes_back_filled_in(browser, db, api):
    w = await world(db)
    timesheet_id = await submitted(api, w)
    from tests.timesheets.world import query

    assert (await query(api, w.holder_user, timesheet_id, "Wednesday was 10 to 2"))["userErrors"] == []
    await _as(browser, w.jo_user)

    listed = await browser.get("/provider/timesheets")
    again = await browser.get(f"{_form_path(w)}?week={WEEK.isoformat()}")

    assert "Queried" in page_text(listed.text) and "Wednesday was 10 to 2" in page_text(listed.text)
    assert "This week was queried" in page_text(again.text)
    assert f'<option value="{MONDAY}" selected>' in again.text


# --- the holder's side ---------------------------------------------------------------------------


def _holder_path(w) -> str:
    return f"/your-care/{gid('DPHolder', w.holder)}/timesheets"


async def test_the_holder_approves_a_week_waiting_for_them(browser, db, api):
    w = await world(db)
    timesheet_id = await submitted(api, w)
    await _as(browser, w.holder_user)

    home = await browser.get(f"/your-care/{gid('DPHolder', w.holder)}")
    assert _holder_path(w) in links_in(home.text, "/your-care/")
    waiting = await browser.get(_holder_path(w))
    text = page_text(waiting.text)
    assert page_title(waiting.text) == "Timesheets to approve for Amina Hussain"
    assert "1 timesheet waits" in text and "Jo Bloggs" in text and "10 hours" in text
    assert "£145.00" in text  # ten hours at £14.50, if approved
    one = f"{_holder_path(w)}/{timesheet_id}"
    assert one in links_in(waiting.text, one)

    shown = await browser.get(one)
    assert page_title(shown.text) == "Timesheet for the week from 16 November 2026"
    assert f"09:00{DASH}14:00" in page_text(shown.text)
    decided = await browser.post(one, data={"decision": "approve", "csrf_token": csrf_of(shown.text)})

    assert decided.status_code == 303, page_text(decided.text)
    after = await browser.get(decided.headers["location"])
    assert "The timesheet is approved" in page_text(after.text)
    assert "No timesheets wait" in page_text(after.text)
    found = await timesheets(api, w.jo_user)
    assert found["nodes"][0]["status"] == "APPROVED"


async def test_querying_needs_a_reason_and_the_reason_goes_to_the_provider(browser, db, api):
    w = await world(db)
    timesheet_id = await submitted(api, w)
    await _as(browser, w.representative)
    one = f"{_holder_path(w)}/{timesheet_id}"
    shown = await browser.get(one)

    nothing = await browser.post(one, data={"csrf_token": csrf_of(shown.text)})
    no_reason = await browser.post(
        one, data={"decision": "query", "reason": " ", "csrf_token": csrf_of(shown.text)}
    )
    queried = await browser.post(
        one, data={"decision": "query", "reason": "Monday was 10 to 2", "csrf_token": csrf_of(shown.text)}
    )

    assert nothing.status_code == 400 and 'href="#decision"' in nothing.text
    assert no_reason.status_code == 400 and 'href="#reason"' in no_reason.text
    assert 'value="query" checked' in no_reason.text
    assert queried.status_code == 303
    body = await timesheets(api, w.jo_user)
    assert body["nodes"][0]["status"] == "QUERIED"


async def test_another_holder_cannot_see_or_decide_the_week(browser, db, api):
    w = await world(db)
    timesheet_id = await submitted(api, w)
    await _as(browser, w.ben_user)
    ben_path = f"/your-care/{gid('DPHolder', w.holder)}/timesheets"

    listed = await browser.get(ben_path)
    one = await browser.get(f"{ben_path}/{timesheet_id}")
    own = await browser.get("/your-care")
    posted = await browser.post(
        f"{ben_path}/{timesheet_id}", data={"decision": "approve", "csrf_token": csrf_of(own.text)}
    )

    assert listed.status_code in (403, 404)
    assert one.status_code in (403, 404)
    assert posted.status_code in (403, 404)
    assert (await timesheets(api, w.jo_user))["nodes"][0]["status"] == "SUBMITTED"


async def test_the_holder_cannot_reach_a_timesheet_under_another_persons_path(browser, db, api):
    w = await world(db)
    ben_sheet = await submitted(api, w, agreement=w.ben_agreement)
    await _as(browser, w.holder_user)
    assert (await browser.get(f"{_holder_path(w)}/{ben_sheet}")).status_code == 404
    assert (await browser.get(f"{_holder_path(w)}/not-an-id")).status_code == 404


async def test_a_provider_cannot_use_the_holders_approval_pages(browser, db, api):
    w = await world(db)
    await submitted(api, w)
    await _as(browser, w.jo_user)
    assert (await browser.get(_holder_path(w))).status_code in (403, 404)


async def test_a_forged_csrf_token_decides_nothing(browser, db, api):
    w = await world(db)
    timesheet_id = await submitted(api, w)
    await _as(browser, w.holder_user)
    one = f"{_holder_path(w)}/{timesheet_id}"
    await browser.get(one)

    forged = await browser.post(one, data={"decision": "approve", "csrf_token": "forged"})

    assert forged.status_code == 400
    assert (await timesheets(api, w.jo_user))["nodes"][0]["status"] == "SUBMITTED"


async def test_a_broker_without_the_persons_request_is_refused_the_decision(browser, db, api):
    w = await world(db)
    timesheet_id = await submitted(api, w)
    staff = await make_user(db, Role.BROKER, w.council)
    await _as(browser, staff)
    one = f"{_holder_path(w)}/{timesheet_id}"
    shown = await browser.get(one)
    assert shown.status_code == 200
    decided = await browser.post(one, data={"decision": "approve", "csrf_token": csrf_of(shown.text)})
    assert decided.status_code in (400, 403)
    assert (await timesheets(api, w.jo_user))["nodes"][0]["status"] == "SUBMITTED"


# --- the council's brokers -----------------------------------------------------------------------


async def test_a_broker_reads_the_late_timesheets_from_the_caseload(browser, db, api):
    w = await world(db)
    await submitted(api, w)
    await _as(browser, w.broker)

    caseload = await browser.get("/caseload")
    assert "/late-timesheets" in links_in(caseload.text, "/late-timesheets")
    late = await browser.get("/late-timesheets")

    assert late.status_code == 200
    assert page_title(late.text) == "Late timesheets"
    text = page_text(late.text)
    assert "Amina Hussain" in text and "Jo Bloggs" in text
    assert "Not sent by the provider" in text
    assert f"/holders/{gid('DPHolder', w.holder)}" in links_in(late.text, "/holders/")


@pytest.mark.parametrize("who", ["jo_user", "holder_user"])
async def test_providers_and_holders_cannot_read_the_late_timesheets(browser, db, who):
    w = await world(db)
    await _as(browser, getattr(w, who))
    assert (await browser.get("/late-timesheets")).status_code == 403


async def test_anonymous_visitors_are_asked_to_sign_in_for_the_late_timesheets(browser):
    answer = await browser.get("/late-timesheets")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in?next=")
