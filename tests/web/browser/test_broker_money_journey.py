"""The broker's money journey clicked through in real Chromium: find people in the caseload, add a
person and their sign-in, set out the agreement from an accepted request and make it active (with the
card warning), record a payment, read the budget statement and the annual audit (and its CSV), record
an accreditation check, and reconcile an imported account statement. axe-core (WCAG 2.2 AA) runs on
every page at 1280 and 320 px; screenshots go to test-artefacts/web/broker-money-*.png.

The request to accept is set up the way any client would: through /graphql, signed in as the demo
broker answering for a listing without its own sign-in. The caseload search is done with the keyboard
alone, and the add-a-person form once with JavaScript off.
"""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.request
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import ARTEFACTS, DEMO_PASSWORD, check, sign_in_as

BROKER = "broker@leeds.example"
SETUP_ACCEPTED_REQUEST = """
query Plans { supportPlans(first: 30, filter: {status: ACTIVE}) { nodes { id holder { id } } } }
"""


def _graphql(site: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None):
    request = urllib.request.Request(
        site + "/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        body = json.loads(answer.read())
    assert "errors" not in body, body
    return body["data"]


def _broker_token(site: str) -> str:
    login = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token } }"
    return _graphql(site, login, {"e": BROKER, "p": DEMO_PASSWORD})["login"]["token"]


def _accepted_request(site: str, token: str) -> tuple[str, str]:
    """An accepted request of an active demo plan to a provider with a card category, whose holder
    pays by pre-paid card: the request's ID and the provider's merchant category."""
    plans = _graphql(site, SETUP_ACCEPTED_REQUEST, token=token)["supportPlans"]["nodes"]
    matches = """query($id: ID!) { matchesForPlan(planId: $id, first: 10) {
        coveredHours neededHours provider { id merchantCategoryCode contact { email } } } }"""
    for plan in plans:
        for match in _graphql(site, matches, {"id": plan["id"]}, token)["matchesForPlan"]:
            provider = match["provider"]
            if match["coveredHours"] < match["neededHours"] or not provider["merchantCategoryCode"]:
                continue
            sent = _graphql(
                site,
                """mutation($input: SendRequestInput!) { sendRequest(input: $input) {
                     careRequest { id } userErrors { message } } }""",
                {"input": {"planId": plan["id"], "providerId": provider["id"]}},
                token,
            )["sendRequest"]
            if not sent["careRequest"]:
                continue
            answered = _graphql(
                site,
                """mutation($input: RespondToRequestInput!) { respondToRequest(input: $input) {
                     userErrors { message } } }""",
                {"input": {"requestId": sent["careRequest"]["id"], "accept": True}},
                token,
            )["respondToRequest"]
            if answered["userErrors"]:
                continue  # a listing with its own sign-in answers for itself
            _graphql(
                site,
                """mutation($input: UpdateDpHolderInput!) { updateDpHolder(input: $input) {
                     userErrors { message } } }""",
                {"input": {"id": plan["holder"]["id"], "heldAs": "PREPAID_CARD"}},
                token,
            )
            return sent["careRequest"]["id"], provider["merchantCategoryCode"]
    raise AssertionError("no active demo plan with a full match to accept")


def _block(site: str, token: str, codes: list[str]) -> None:
    _graphql(
        site,
        """mutation($input: SetBlockedMerchantCategoriesInput!) {
             setBlockedMerchantCategories(input: $input) { userErrors { message } } }""",
        {"input": {"categories": [{"code": code} for code in codes]}},
        token,
    )


def _date(page: Page, name: str, day: date) -> None:
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


def _tab_to(page: Page, element_id: str, most: int = 80) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_a_broker_finds_a_person_with_the_keyboard_alone(site: str, page: Page):
    page.goto(site + "/sign-in?next=/caseload")
    _tab_to(page, "email")
    page.keyboard.type(BROKER)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(site + "/caseload")

    _tab_to(page, "text")
    page.keyboard.type("demo")
    _tab_to(page, "sort")
    page.keyboard.press("End")  # the last order: weekly budget, largest first
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/caseload?*")

    assert page.title().startswith("Caseload (filtered)")
    expect(page.locator("main")).to_contain_text("Demo Dp Holder")
    check(page, "broker-money-01-caseload-found")
    link = page.get_by_role("link", name="Demo Dp Holder")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/holders/*")
    check(page, "broker-money-02-holder")


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_broker_adds_a_person_and_their_sign_in(site: str, chromium, javascript: bool):
    """With JavaScript off the pages are only looked at (axe-core needs JavaScript to run)."""
    context = chromium.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    suffix = "" if javascript else "-no-js"

    def look(name: str) -> None:
        if javascript:
            check(page, name)
        else:
            page.screenshot(path=ARTEFACTS / f"{name}{suffix}.png", full_page=True)

    try:
        page.goto(site + "/sign-in?next=/caseload/add")
        sign_in_as(page, BROKER)
        page.wait_for_url("**/caseload/add")
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_selector(".govuk-error-summary")
        assert page.title().startswith("Error:")
        look("broker-money-03-add-person-errors")

        page.get_by_label("Full name").fill("Zofia Nowak")
        page.get_by_label("Email address").fill(f"zofia.{time.time_ns()}@leeds.example")
        page.get_by_label("First password").fill("a long enough password 2026")
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_url("**/caseload/add/*")
        look("broker-money-04-add-person-payment")

        page.get_by_label("Personal budget a week").fill("325.00")
        page.get_by_label("Pre-paid card").check()
        page.get_by_label("Home postcode").fill("LS8 2QP")
        page.get_by_role("button", name="Add to the caseload").click()
        page.wait_for_url("**/holders/*?added=1")
        expect(page.locator("main")).to_contain_text("Zofia Nowak is in the caseload")
        look("broker-money-05-person-added")
    finally:
        context.close()


def test_a_broker_agrees_pays_audits_checks_and_reconciles(site: str, page: Page):
    token = _broker_token(site)
    request_id, category = _accepted_request(site, token)
    _block(site, token, [category])
    today = date.today()
    try:
        page.goto(site + f"/care-requests/{request_id}")
        sign_in_as(page, BROKER)
        page.wait_for_url(f"**/care-requests/{request_id}")
        check(page, "broker-money-06-accepted-request")

        page.get_by_role("link", name="Set out the agreement").click()
        page.wait_for_url("**/agreement")
        check(page, "broker-money-07-agreement-form")
        _date(page, "startDate", today)
        page.get_by_role("button", name="Save the agreement").click()
        page.wait_for_url("**/agreements/*?created=1")
        main = page.locator("main").inner_text()
        assert "Proposed" in main and f"merchant category {category}" in main
        check(page, "broker-money-08-agreement-proposed-card-warning")

        page.get_by_role("button", name="Make the agreement active").click()
        page.wait_for_url("**/agreements/*?activated=1")
        expect(page.locator("main")).to_contain_text("Agreement active")
        check(page, "broker-money-09-agreement-active")

        page.get_by_role("link", name="Record a payment").click()
        page.wait_for_url("**/payments/new")
        page.get_by_role("button", name="Record the payment").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        check(page, "broker-money-10-payment-errors")
        rate = page.locator(".govuk-caption-l").inner_text().split(" at £")[1].split(" ")[0]
        _date(page, "periodStart", today)
        _date(page, "periodEnd", today)
        page.get_by_label("Hours of care paid for").fill("1")
        page.get_by_label("Amount paid").fill(rate)
        page.get_by_label("Bank transfer").check()
        page.get_by_role("button", name="Record the payment").click()
        page.wait_for_url("**/agreements/*?paid=1")
        expect(page.locator("main")).to_contain_text("Payment recorded")
        check(page, "broker-money-11-payment-recorded")
        agreement_url = page.url.split("?")[0]

        page.get_by_role("link", name="budget statement").click()
        page.wait_for_url("**/budget")
        assert f"£{rate}" in page.locator("main").inner_text()
        check(page, "broker-money-12-budget-statement")

        page.get_by_role("link", name="The annual audit for").click()
        page.wait_for_url("**/audit?holder=*")
        check(page, "broker-money-13-audit-one-person")
        csv_path = page.get_by_role("link", name="Download this audit").get_attribute("href")
        download = page.request.get(site + str(csv_path))
        rows = list(csv.reader(io.StringIO(download.text())))
        assert rows[0][0] == "Person" and len(rows) == 2
        page.get_by_role("link", name="Annual audit", exact=True).click()
        page.wait_for_url("**/audit")
        check(page, "broker-money-14-audit-council")

        page.goto(agreement_url)
        page.get_by_role("link", name="checks").click()
        page.wait_for_url("**/checks")
        page.get_by_label("Check", exact=True).select_option("TRAINING")
        page.get_by_label("Passed").check()
        page.get_by_label("Certificate or registration number").fill("MH-2026-118")
        _date(page, "checkedOn", today)
        _date(page, "expiresOn", today.replace(year=today.year + 1, day=min(today.day, 28)))
        page.get_by_role("button", name="Record the check").click()
        page.wait_for_url("**/checks?recorded=TRAINING")
        expect(page.locator("main")).to_contain_text("Training recorded")
        check(page, "broker-money-15-check-recorded")

        page.goto(agreement_url)
        page.locator(".govuk-breadcrumbs a").nth(1).click()
        page.wait_for_url("**/holders/*")
        page.get_by_role("link", name="Account statement lines").click()
        page.wait_for_url("**/statement-lines")
        check(page, "broker-money-16-statement-lines-empty")
        page.get_by_role("link", name="Import a statement").click()
        page.wait_for_url("**/statements/import")
        check(page, "broker-money-17-statement-import")
        page.get_by_label("Pre-paid card export").check()
        statement = (
            "Date,Merchant,MCC,Amount,Reference\n"
            f"{today.isoformat()},Sunny Holidays,4722,400.00,H1\n"
            f"{today.isoformat()},Corner Shop,5411,12.40,\n"
        )
        page.get_by_label("Statement file").set_input_files(
            files=[{"name": "card.csv", "mimeType": "text/csv", "buffer": statement.encode()}]
        )
        page.get_by_role("button", name="Import the statement").click()
        page.wait_for_url("**/statements/import")
        expect(page.locator("main")).to_contain_text("Statement imported")
        check(page, "broker-money-18-statement-imported")

        page.get_by_role("link", name="See the lines to decide about").click()
        page.wait_for_url("**/statement-lines?resolved=no")
        check(page, "broker-money-19-lines-to-decide")
        page.get_by_role("link", name="Sunny Holidays").first.click()
        page.wait_for_url("**/statement-lines/*")
        page.get_by_role("button", name="Save the decision").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        check(page, "broker-money-20-line-errors")
        page.get_by_label("Mark it for the council to recover").check()
        page.get_by_label("Why?").fill("A holiday is not part of the support plan.")
        page.get_by_role("button", name="Save the decision").click()
        page.wait_for_url("**/statement-lines?decided=1")
        expect(page.locator("main")).to_contain_text("To be recovered")
        check(page, "broker-money-21-line-decided")

        page.get_by_role("link", name="Import a statement").click()
        page.wait_for_url("**/statements/import")
        page.get_by_label("Another layout").check()
        custom = f"Posted,Paid to,Spent\n{today:%d/%m/%Y},Green Grocer,8.20\n"
        upload = [{"name": "other.csv", "mimeType": "text/csv", "buffer": custom.encode()}]
        page.get_by_label("Statement file").set_input_files(files=upload)
        page.get_by_role("button", name="Import the statement").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        assert page.title().startswith("Error:")
        check(page, "broker-money-22-custom-import-errors")
        summary.get_by_role("link").first.click()
        expect(page.locator("#columnDate")).to_be_focused()
        page.get_by_label("Date column", exact=True).fill("Posted")
        page.get_by_label("Payee or merchant column").fill("Paid to")
        page.get_by_label("Amount column", exact=True).fill("Spent")
        page.get_by_label("How the dates are written").select_option("DAY_MONTH_YEAR")
        page.get_by_label("How the amount column shows money out").select_option("POSITIVE")
        page.get_by_label("Statement file").set_input_files(files=upload)
        page.get_by_role("button", name="Import the statement").click()
        expect(page.locator("main")).to_contain_text("Statement imported")
        check(page, "broker-money-23-custom-imported")
    finally:
        _block(site, token, [])


@pytest.mark.parametrize("path", ["/audit?year=1", "/holders/not-an-id/budget"])
def test_odd_addresses_get_a_page_in_the_same_style(site: str, page: Page, path: str):
    page.goto(site + "/sign-in")
    sign_in_as(page, BROKER)
    page.wait_for_url(site + "/caseload")
    page.goto(site + path)
    assert "Sorry, there is a problem" not in page.locator("main").inner_text()
