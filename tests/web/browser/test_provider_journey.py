"""The provider's journey clicked through in real Chromium: a new PA builds their listing one thing
per page, is told what publishing still needs (each item a link to its field) and publishes; a PA
answers the requests in their inbox (one with the keyboard alone) and reads their agreements and
payments; a DP support organisation reads its subcontracts and answers a referral. axe-core runs on
every page at 1280 and 320 px, with a screenshot of each under test-artefacts/web/provider-*.png.

What a provider is sent (requests, agreements, payments, referrals) is set up as a broker would do it,
through /graphql on the same demo server; every provider step is a click in the browser.
"""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import ARTEFACTS, DEMO_PASSWORD, check, sign_in_as

BROKER = "broker@leeds.example"
BUREAU = "payroll@bureau.example"
WEEK = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
PA_CHECKS = ("DBS_ENHANCED", "COUNCIL_APPROVAL", "PUBLIC_LIABILITY_INSURANCE", "TRAINING")


class Api:
    """The GraphQL endpoint of the demo server, as a broker's own client would call it."""

    def __init__(self, site: str) -> None:
        self.site = site

    def run(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.site}/graphql", body, headers)
        with urllib.request.urlopen(request, timeout=30) as answer:
            result = json.load(answer)
        assert not result.get("errors"), result["errors"]
        return result["data"]

    def change(self, mutation: str, input_type: str, values: dict, token: str, fields: str = "") -> dict:
        """Runs `mutation(input: values)` and returns its payload, which must have no userErrors."""
        data = self.run(
            f"mutation($input: {input_type}!) "
            f"{{ {mutation}(input: $input) {{ {fields} userErrors {{ field message }} }} }}",
            {"input": values},
            token,
        )
        payload = data[mutation]
        assert not payload["userErrors"], payload["userErrors"]
        return payload

    def token(self, email: str) -> str:
        data = self.run(
            "mutation($input: LoginInput!) { login(input: $input) { token } }",
            {"input": {"email": email, "password": DEMO_PASSWORD}},
        )
        assert data["login"]["token"]
        return data["login"]["token"]

    def new_provider_sign_in(self, email: str, name: str) -> None:
        self.change(
            "createUser",
            "CreateUserInput",
            {"email": email, "fullName": name, "role": "PROVIDER", "password": DEMO_PASSWORD},
            self.token(BROKER),
        )


def _plans_under(api: Api, broker: str, hours: float) -> list[dict]:
    plans = api.run(
        "{ supportPlans(first: 100, filter: {status: ACTIVE}) { nodes { id needs"
        " { hoursPerWeek service { code } slots { day start end } } } } }",
        token=broker,
    )["supportPlans"]["nodes"]
    return [p for p in plans if p["needs"] and sum(n["hoursPerWeek"] for n in p["needs"]) <= hours]


def _an_accredited_pa_with_two_requests(api: Api, email: str, name: str) -> list[dict]:
    """A published, accredited PA offering what two of the council's plans need, and a request
    from each plan; the plans, in the order their requests were sent."""
    broker = api.token(BROKER)
    api.new_provider_sign_in(email, name)
    own = api.token(email)
    plans = _plans_under(api, broker, 30)[-2:]
    services = sorted({n["service"]["code"] for p in plans for n in p["needs"]})
    listing = {
        "kind": "PA",
        "name": name,
        "bio": "Personal assistant in Leeds for six years; I drive and I am hoist trained.",
        "services": services,
        "languages": ["en"],
        "basePostcode": "LS8 1AA",
        "travelRadiusKm": 50,
        "hourlyRatePence": 1500,
        "weeklyCapacityHours": 60,
        "contactEmail": email,
    }
    provider_id = api.change("createProvider", "CreateProviderInput", listing, own, "provider { id }")[
        "provider"
    ]["id"]
    slots = [{"day": day, "start": "00:00", "end": "24:00"} for day in WEEK]
    api.change("setAvailability", "SetAvailabilityInput", {"providerId": provider_id, "slots": slots}, own)
    today = date.today()
    for check_type in PA_CHECKS:
        api.change(
            "recordAccreditation",
            "RecordAccreditationInput",
            {
                "providerId": provider_id,
                "checkType": check_type,
                "status": "PASSED",
                "reference": f"JOURNEY-{check_type}",
                "checkedOn": str(today - timedelta(days=10)),
                "expiresOn": str(today + timedelta(days=365)),
            },
            broker,
        )
    api.change("publishProvider", "ProviderIdInput", {"id": provider_id}, own)
    for plan in plans:
        api.change(
            "sendRequest",
            "SendRequestInput",
            {"planId": plan["id"], "providerId": provider_id, "message": "Could you start next week?"},
            broker,
        )
    return plans


def _agreement_and_payment_for(api: Api, email: str, plan: dict) -> None:
    """The broker turns the accepted request into an active agreement and pays its first week."""
    broker = api.token(BROKER)
    requests = api.run(
        "{ viewer { careRequests(first: 10) { nodes { id status planId } } } }", token=api.token(email)
    )["viewer"]["careRequests"]["nodes"]
    accepted = next(r for r in requests if r["status"] == "ACCEPTED" and r["planId"] == plan["id"])
    slots = [slot for need in plan["needs"] for slot in need["slots"]]
    today = date.today()
    agreement = api.change(
        "createAgreement",
        "CreateAgreementInput",
        {"requestId": accepted["id"], "slots": slots, "startDate": str(today)},
        broker,
        "agreement { id hoursPerWeek hourlyRatePence }",
    )["agreement"]
    api.change("activateAgreement", "AgreementIdInput", {"agreementId": agreement["id"]}, broker)
    hours = agreement["hoursPerWeek"]
    api.change(
        "recordPayment",
        "RecordPaymentInput",
        {
            "agreementId": agreement["id"],
            "periodStart": str(today),
            "periodEnd": str(today + timedelta(days=6)),
            "hours": hours,
            "amountPence": round(hours * agreement["hourlyRatePence"]),
            "method": "BANK_TRANSFER",
            "idempotencyKey": f"provider-journey-{agreement['id']}",
        },
        broker,
    )


def _tab_to(page: Page, text: str, presses: int = 120) -> None:
    """Presses Tab until the focused element reads `text` (a keyboard user finding a control)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const l = e && e.labels && e.labels[0];"
            " return ((l ? l.innerText : e.innerText) || e.value || '').trim(); })()"
        )
        if focused.startswith(text):
            return
    pytest.fail(f"Tab never reached {text!r}")


def test_a_new_pa_builds_their_listing_one_thing_per_page_and_publishes_it(site: str, page: Page):
    Api(site).new_provider_sign_in("sam.green@pa.example", "Sam Green")
    page.goto(site + "/sign-in")
    sign_in_as(page, "sam.green@pa.example")
    page.wait_for_url(site + "/provider")
    expect(page.get_by_role("heading", name="Create your listing")).to_be_visible()
    check(page, "provider-01-create-listing")

    page.get_by_role("button", name="Create listing").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "provider-02-create-listing-errors")
    page.get_by_label("Personal assistant").check()
    page.get_by_label("Name people will see").fill("Sam Green")
    page.get_by_role("button", name="Create listing").click()
    page.wait_for_url(site + "/provider")
    check(page, "provider-03-home-draft")

    page.get_by_role("button", name="Publish your listing").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="Your listing cannot be published yet")).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(9)
    check(page, "provider-04-publish-refused")

    summary.get_by_role("link", name="Write at least").click()
    page.wait_for_url("**/provider/listing/about#bio")
    check(page, "provider-05-about")
    page.get_by_label("About you").fill(
        "Ten years as a personal assistant in Leeds, most of them with people living with dementia."
    )
    page.get_by_label("Gender").select_option("MALE")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/provider?saved=about")
    check(page, "provider-06-saved")

    page.get_by_role("link", name="Change services").click()
    check(page, "provider-07-services")
    page.get_by_label("Personal care").check()
    page.get_by_label("Dementia care").check()
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="Change languages").click()
    check(page, "provider-08-languages")
    page.get_by_label("English").check()
    page.get_by_label("Punjabi").check()
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="Change where you work").click()
    page.get_by_label("Postcode you work from").fill("LS8 1AA")
    page.get_by_label("How far you will travel").fill("a long way")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_title(re.compile(r"^Error: Where you work"))
    check(page, "provider-09-area-error")
    page.get_by_label("How far you will travel").fill("8")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/provider?saved=area")

    page.get_by_role("link", name="Change hourly rate").click()
    check(page, "provider-10-rate")
    page.get_by_label("Your hourly rate").fill("15.25")
    page.get_by_label("Hours a week you can take on").fill("20")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="Change availability").click()
    page.get_by_label("Day of time 1").select_option("MONDAY")
    page.get_by_label("Start of time 1").fill("08:00")
    page.get_by_label("End of time 1").fill("12:00")
    page.get_by_label("Day of time 2").select_option("WEDNESDAY")
    page.get_by_label("Start of time 2").fill("14:00")
    page.get_by_label("End of time 2").fill("10:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.get_by_label("Start of time 2").input_value() == "14:00"  # the input shown again
    check(page, "provider-11-availability-error")
    page.get_by_label("End of time 2").fill("18:00")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/provider?saved=availability")

    page.get_by_role("link", name="Change contact details").click()
    check(page, "provider-12-contact")
    page.get_by_label("Email address").fill("sam.green@pa.example")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("button", name="Publish your listing").click()
    page.wait_for_url("**/provider?published=1")
    expect(page.locator("main")).to_contain_text("Your listing is published")
    expect(page.locator("main")).to_contain_text("Monday 08:00\u201312:00")
    check(page, "provider-13-published")


def test_a_pa_answers_their_requests_and_reads_their_agreements_and_payments(site: str, page: Page):
    api = Api(site)
    email = "kim.lee@pa.example"
    first, _ = _an_accredited_pa_with_two_requests(api, email, "Kim Lee")
    page.goto(site + "/sign-in")
    sign_in_as(page, email)
    page.wait_for_url(site + "/provider")
    expect(page.locator("main")).to_contain_text("2 care requests wait for your answer")
    check(page, "provider-20-home")

    page.get_by_role("link", name="Requests", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("thead")).to_contain_text("Answer by")
    check(page, "provider-21-requests")

    page.locator("tbody tr").last.get_by_role("link").click()  # the oldest: the first plan's
    expect(page.get_by_role("heading", name="A request for care")).to_be_visible()
    check(page, "provider-22-request")
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "provider-23-request-error")
    page.get_by_label("Yes, accept").check()
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator("main")).to_contain_text("Your answer is sent")
    check(page, "provider-24-request-accepted")

    _agreement_and_payment_for(api, email, first)
    page.get_by_role("link", name="Agreements", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    check(page, "provider-25-agreements")
    page.locator("tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Payments under this agreement")).to_be_visible()
    check(page, "provider-26-agreement")
    page.get_by_role("link", name="Payments", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    check(page, "provider-27-payments")


def test_a_pa_declines_a_request_with_the_keyboard_alone(site: str, page: Page):
    api = Api(site)
    email = "ali.khan@pa.example"
    _an_accredited_pa_with_two_requests(api, email, "Ali Khan")
    page.goto(site + "/sign-in")
    page.keyboard.press("Tab")
    _tab_to(page, "Email address")
    page.keyboard.type(email)
    _tab_to(page, "Password")
    page.keyboard.type(DEMO_PASSWORD)
    _tab_to(page, "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url(site + "/provider")

    _tab_to(page, "2 care requests wait")
    page.keyboard.press("Enter")
    page.wait_for_url("**/provider/requests?status=PENDING")
    _tab_to(page, page.locator("tbody a").first.inner_text())
    page.keyboard.press("Enter")
    page.wait_for_url("**/provider/requests/*")

    _tab_to(page, "Yes, accept")
    page.keyboard.press("ArrowDown")  # moves the choice to "No, decline"
    assert page.get_by_label("No, decline").is_checked()
    _tab_to(page, "Why you are declining")
    page.keyboard.type("I am fully booked on those days until March.")
    _tab_to(page, "Send your answer")
    page.keyboard.press("Enter")
    page.wait_for_url("**/provider/requests/*?answered=1")
    main = page.locator("main").inner_text()
    assert "Declined" in main and "I am fully booked on those days until March." in main
    check(page, "provider-30-request-declined-by-keyboard")


def test_a_support_organisation_reads_its_subcontracts_and_answers_a_referral(site: str, page: Page):
    api = Api(site)
    broker = api.token(BROKER)
    bureau = next(
        p
        for p in api.run(
            "{ providers(first: 100, filter: {kind: SUPPORT_ORG}) { nodes { id name } } }", token=broker
        )["providers"]["nodes"]
        if p["name"] == "Aire Payroll Bureau"
    )
    holder = api.run("{ dpHolders(first: 20) { nodes { id } } }", token=broker)["dpHolders"]["nodes"][-1]
    api.change(
        "chooseSupportProvider",
        "ChooseSupportProviderInput",
        {"holderId": holder["id"], "providerId": bureau["id"], "services": ["PAYROLL"]},
        broker,
    )
    page.goto(site + "/sign-in")
    sign_in_as(page, BUREAU)
    page.wait_for_url(site + "/provider")
    check(page, "provider-40-support-home")

    page.get_by_role("link", name="Subcontracts").click()
    expect(page.locator("tbody tr").first).to_be_visible()
    check(page, "provider-41-subcontracts")
    page.locator("tbody a").first.click()
    expect(page.get_by_role("heading", name="Subcontract for Payroll")).to_be_visible()
    check(page, "provider-42-subcontract")

    page.get_by_role("link", name="Your listing").first.click()
    page.get_by_role("link", name="Referrals").click()
    check(page, "provider-43-referrals")
    page.locator("tbody a").first.click()
    check(page, "provider-44-referral")
    page.get_by_label("Yes, accept").check()
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator("main")).to_contain_text("Your answer is recorded")
    check(page, "provider-45-referral-accepted")


def test_the_provider_pages_work_with_javascript_off(site: str, chromium):
    api = Api(site)
    email = "bea.jones@pa.example"
    _an_accredited_pa_with_two_requests(api, email, "Bea Jones")
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site + "/sign-in")
        sign_in_as(page, email)
        page.wait_for_url(site + "/provider")
        page.get_by_role("link", name="Requests", exact=True).click()
        page.locator("tbody a").first.click()
        # the reason is asked for on the page itself
        expect(page.get_by_label("Why you are declining")).to_be_visible()
        page.screenshot(
            path=ARTEFACTS / "provider-50-request-no-js.png", full_page=True
        )  # axe needs JavaScript
        page.get_by_label("No, decline").check()
        page.get_by_label("Why you are declining").fill("I do not cover that area.")
        page.get_by_role("button", name="Send your answer").click()
        expect(page.locator("main")).to_contain_text("Your answer is sent")
        page.get_by_role("link", name="Your listing").first.click()
        page.get_by_role("link", name="Change availability").click()
        expect(page.get_by_label("Day of time 1", exact=True)).to_have_value("MONDAY")
        page.screenshot(path=ARTEFACTS / "provider-51-availability-no-js.png", full_page=True)
    finally:
        context.close()
