"""Timesheets clicked through in real Chromium: a PA with an agreement that started two weeks ago
opens it, chooses its first week, types a shift wrongly (the error shown at the row, what was typed
kept), corrects it and sends the week; a DP holder opens the timesheets waiting for them, is told a
query needs a reason, and approves. axe-core runs on every page at 1280 and 320 px, with a
screenshot of each under test-artefacts/web/timesheet-*.png.

The agreement is set up as a broker would do it, through /graphql on the same demo server; every
step of the PA and the holder is a click in the browser.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from seed.demo import DEMO_SEED
from tests.web.browser.conftest import ARTEFACTS, check, sign_in_as
from tests.web.browser.test_provider_journey import BROKER, PA_CHECKS, WEEK, Api

HOLDER = f"plan-holder6.{DEMO_SEED}.1@benchmark.example"  # seeded "Holder 6": no other journey uses them
PA = "tess.ward@pa.example"


@pytest.fixture(scope="module")
def tess(site: str) -> tuple[date, dict]:
    """Set up once for the module, whichever of its tests runs first."""
    return _a_pa_working_for_the_demo_holder(Api(site))


def _a_pa_working_for_the_demo_holder(api: Api) -> tuple[date, dict]:
    """A published, accredited PA with an active agreement for Holder 6's first need, started
    14 days ago: the week it started, and the agreed slot the PA worked in it."""
    broker = api.token(BROKER)
    holder = api.run(
        "{ dpHolder { id supportPlans { id status needs { id hoursPerWeek service { code }"
        " slots { day start end } } } } }",
        token=api.token(HOLDER),
    )["dpHolder"]
    plan = next(p for p in holder["supportPlans"] if p["status"] in ("ACTIVE", "MATCHED") and p["needs"])
    need = next(n for n in plan["needs"] if n["slots"])
    api.new_provider_sign_in(PA, "Tess Ward")
    own = api.token(PA)
    listing = {
        "kind": "PA",
        "name": "Tess Ward",
        "bio": "Personal assistant in Leeds for eight years; I drive and I am hoist trained.",
        "services": [need["service"]["code"]],
        "languages": ["en"],
        "basePostcode": "LS8 1AA",
        "travelRadiusKm": 50,
        "hourlyRatePence": 1500,
        "weeklyCapacityHours": 60,
        "contactEmail": PA,
    }
    provider_id = api.change("createProvider", "CreateProviderInput", listing, own, "provider { id }")[
        "provider"
    ]["id"]
    every_day = [{"day": day, "start": "00:00", "end": "24:00"} for day in WEEK]
    api.change(
        "setAvailability", "SetAvailabilityInput", {"providerId": provider_id, "slots": every_day}, own
    )
    today = date.today()
    for check_type in PA_CHECKS:
        api.change(
            "recordAccreditation",
            "RecordAccreditationInput",
            {
                "providerId": provider_id,
                "checkType": check_type,
                "status": "PASSED",
                "reference": f"TIMESHEET-{check_type}",
                "checkedOn": str(today - timedelta(days=30)),
                "expiresOn": str(today + timedelta(days=365)),
            },
            broker,
        )
    api.change("publishProvider", "ProviderIdInput", {"id": provider_id}, own)
    start = today - timedelta(days=14)
    agreement = api.change(
        "createAgreement",
        "CreateAgreementInput",
        {
            "planId": plan["id"],
            "providerId": provider_id,
            "needIds": [need["id"]],
            "slots": need["slots"],
            "startDate": str(start),
        },
        broker,
        "agreement { id }",
    )["agreement"]
    api.change("activateAgreement", "AgreementIdInput", {"agreementId": agreement["id"]}, broker)
    return start, need["slots"][0]


def _day_in_week(start: date, weekday: str) -> date:
    return next(
        start + timedelta(days=n) for n in range(7) if WEEK[(start + timedelta(days=n)).weekday()] == weekday
    )


def test_a_pa_sends_a_week_of_shifts_and_the_holder_approves_it(site: str, page: Page, tess):
    start, slot = tess
    worked_on = _day_in_week(start, slot["day"])
    day_label = f"{worked_on:%A %-d %B}"

    page.goto(site + "/sign-in")
    sign_in_as(page, PA)
    page.wait_for_url(site + "/provider")
    page.get_by_role("link", name="Agreements", exact=True).first.click()
    page.locator("tbody tr").first.get_by_role("link").click()
    check(page, "timesheet-01-agreement")

    page.get_by_role("link", name="Submit a timesheet").click()
    page.wait_for_url("**/timesheet")
    check(page, "timesheet-02-choose-week")
    page.get_by_label("Which week did you work?").select_option(str(start))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/timesheet?week={start}")
    expect(page.get_by_role("heading", name="Shifts you worked")).to_be_visible()
    check(page, "timesheet-03-shifts")

    page.get_by_label("Day of shift 1").select_option(label=day_label)
    page.get_by_label("Start of shift 1").fill(slot["start"])
    page.get_by_label("End of shift 1").fill("25:00")
    page.get_by_label("Note (optional) for shift 1").fill("Took her to the day centre")
    page.get_by_role("button", name="Send timesheet").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert summary.get_by_role("link").first.get_attribute("href") == "#shifts-0-end"
    assert page.get_by_label("Note (optional) for shift 1").input_value() == "Took her to the day centre"
    check(page, "timesheet-04-shifts-error")

    page.get_by_label("End of shift 1").fill(slot["end"])
    page.get_by_role("button", name="Send timesheet").click()
    page.wait_for_url("**/provider/timesheets?sent=*")
    main = page.locator("main").inner_text()
    assert "is sent for approval" in main and "Waiting for approval" in main
    check(page, "timesheet-05-provider-list")

    page.get_by_role("button", name="Sign out").click()
    page.goto(site + "/sign-in")
    sign_in_as(page, HOLDER)
    page.wait_for_url(site + "/your-care")
    page.get_by_role("link", name="Timesheets to approve").click()
    page.wait_for_url("**/timesheets")
    expect(page.locator("tbody")).to_contain_text("Tess Ward")
    check(page, "timesheet-06-to-approve")

    page.locator("tbody tr", has_text="Tess Ward").first.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("Took her to the day centre")
    check(page, "timesheet-07-decision")
    page.get_by_label("No, send it back with a question").check()
    page.get_by_role("button", name="Send your decision").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "timesheet-08-decision-error")

    page.get_by_label("Yes, approve it").check()
    page.get_by_role("button", name="Send your decision").click()
    page.wait_for_url("**/timesheets?decided=approved")
    expect(page.locator("main")).to_contain_text("The timesheet is approved")
    check(page, "timesheet-09-approved")

    page.get_by_role("button", name="Sign out").click()
    page.goto(site + "/sign-in")
    sign_in_as(page, PA)
    page.wait_for_url(site + "/provider")
    page.get_by_role("link", name="Timesheets").first.click()
    page.wait_for_url("**/provider/timesheets")
    expect(page.locator("tbody")).to_contain_text("Approved")
    expect(page.locator("tbody")).to_contain_text("£")
    check(page, "timesheet-10-provider-approved")


def test_a_broker_reads_the_late_timesheets_from_the_caseload(site: str, page: Page):
    page.goto(site + "/sign-in")
    sign_in_as(page, BROKER)
    page.wait_for_url(site + "/caseload")
    page.get_by_role("link", name="Late timesheets").click()
    page.wait_for_url(site + "/late-timesheets")
    expect(page.get_by_role("heading", name="Late timesheets")).to_be_visible()
    check(page, "timesheet-20-late")


def test_the_timesheet_form_works_with_javascript_off(site: str, chromium, tess):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site + "/sign-in")
        sign_in_as(page, PA)
        page.wait_for_url(site + "/provider")
        page.goto(site + "/provider/agreements")
        page.locator("tbody tr").first.get_by_role("link").click()
        page.get_by_role("link", name="Submit a timesheet").click()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Send timesheet").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter at least one shift you worked")
        page.screenshot(
            path=ARTEFACTS / "timesheet-30-shifts-no-js.png", full_page=True
        )  # axe needs JavaScript
    finally:
        context.close()
