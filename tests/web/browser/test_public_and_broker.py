"""The public search and sign-in journeys clicked through in real Chromium, with JavaScript on, at
desktop and at 320 px, and axe-core (WCAG 2.2 AA) run on every page visited. A screenshot of each page
goes to test-artefacts/web/ for a reviewer to look at.

Runs `broker serve` on a fresh data folder, as `make run` does: demo data seeded, index built.
Without Chromium these tests skip with the reason, except where BROKER_REQUIRE_BROWSER is set (CI).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import ARTEFACTS, check, sign_in_as


def test_a_resident_searches_for_a_dementia_carer_and_reads_a_listing(site: str, page: Page):
    page.goto(site + "/")
    assert page.title().startswith("Find a personal assistant or care agency")
    check(page, "01-search-start")

    page.get_by_label("What are you looking for?").fill("dementia")
    page.get_by_label("Postcode").fill("LS8 1AA")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/?*")
    assert page.title().startswith("Search results")
    assert page.locator(".broker-result").count() > 0
    check(page, "02-search-results")

    page.locator(".broker-result h3 a").first.click()
    page.wait_for_url("**/providers/*")
    expect(page.get_by_role("heading", name="Services")).to_be_visible()
    assert "@" not in page.locator("main").inner_text()  # no contact details
    check(page, "03-provider")


def test_a_bad_rate_shows_an_error_summary_linked_to_the_field(site: str, page: Page):
    page.goto(site + "/")
    page.get_by_label("Highest hourly rate in pounds").fill("a lot")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/?*")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert page.title().startswith("Error:")
    check(page, "04-search-error")


def test_a_broker_signs_in_and_out(site: str, page: Page):
    page.goto(site + "/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "05-sign-in-errors")

    page.get_by_label("Email address").fill("broker@leeds.example")
    page.get_by_label("Password").fill("demo-password-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site + "/caseload")  # a broker's home
    expect(page.locator("main")).to_contain_text("Signed in as")
    check(page, "06-signed-in")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    check(page, "07-signed-out")


@pytest.mark.parametrize(
    "path,name",
    [("/accessibility", "08-accessibility"), ("/privacy", "09-privacy"), ("/no-such-page", "10-not-found")],
)
def test_the_service_pages_pass_the_same_checks(site: str, page: Page, path: str, name: str):
    page.goto(site + path)
    check(page, name)


def test_pages_work_with_javascript_off(site: str, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/")
    page.get_by_label("What are you looking for?").fill("dementia")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/?*")
    assert page.locator(".broker-result").count() > 0
    context.close()


def test_graphiql_runs_with_every_request_off_this_machine_refused(site: str, chromium):
    context = chromium.new_context()
    context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(site) else route.abort()
    )
    page = context.new_page()
    page.goto(site + "/graphql", wait_until="networkidle")

    page.wait_for_selector(".graphiql-container", timeout=15_000)
    expect(page.locator(".graphiql-container")).to_contain_text("postcodeDistrict")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / "11-graphiql.png")
    context.close()


def test_a_broker_finds_a_match_for_a_plan_and_sends_a_request(site: str, page: Page):
    page.goto(site + "/caseload")
    page.wait_for_url("**/sign-in?next=/caseload")
    sign_in_as(page, "broker@leeds.example")
    page.wait_for_url(site + "/caseload")
    assert re.match(r"Caseload \(page 1 of \d+\)", page.title())
    assert page.locator("[aria-current=page]").inner_text() == "Caseload"
    check(page, "12-broker-caseload")

    page.get_by_role("link", name="Next page").click()
    page.wait_for_url("**/caseload?after=*")
    assert re.match(r"Caseload \(page 2 of \d+\)", page.title())
    check(page, "13-broker-caseload-page-2")
    page.get_by_role("link", name="First page").click()

    page.get_by_role("link", name="Holder 0", exact=True).click()
    page.wait_for_url("**/holders/*")
    expect(page.get_by_role("heading", name="Support plans")).to_be_visible()
    check(page, "14-broker-holder")

    page.locator("a[href^='/plans/']").first.click()
    page.wait_for_url("**/plans/*")
    assert page.title().startswith("Support plan for Holder 0")
    assert page.locator(".broker-reason").count() > 0
    check(page, "15-broker-plan")

    page.get_by_role("link", name="Send a request").first.click()
    page.wait_for_url("**/requests/new?provider=*")
    provider = page.title().removeprefix("Send a request to ").split(" \u2013 ")[0]
    check(page, "16-broker-request-form")

    page.get_by_label("Message to the provider (optional)").fill("x" * 2001)
    page.get_by_role("button", name="Send request").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert page.title().startswith("Error:")
    check(page, "17-broker-request-error")

    summary.get_by_role("link").click()  # the summary's link takes you to the field
    expect(page.locator("#message")).to_be_focused()
    page.get_by_label("Message to the provider (optional)").fill("Mornings matter most.")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/care-requests/*/sent")
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    assert provider in page.locator(".govuk-panel").inner_text()
    check(page, "18-broker-request-sent")

    page.get_by_role("link", name="See all care requests").click()
    page.wait_for_url("**/care-requests")
    page.get_by_label("Status").select_option("PENDING")
    page.get_by_role("button", name="Show requests").click()
    page.wait_for_url("**/care-requests?status=PENDING")
    expect(page.get_by_role("link", name=f"To {provider}").first).to_be_visible()
    check(page, "19-broker-care-requests")

    page.get_by_role("link", name=f"To {provider}").first.click()
    page.wait_for_url("**/care-requests/*")
    expect(page.locator("main")).to_contain_text("Waiting for an answer")
    check(page, "20-broker-care-request")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()


def test_a_broker_sends_a_request_with_the_keyboard_alone(site: str, page: Page):
    page.goto(site + "/sign-in?next=/caseload")
    page.get_by_label("Email address").focus()
    page.keyboard.type("broker@leeds.example")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-password-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(site + "/caseload")

    def follow(locator) -> None:
        """Tabs until `locator` has focus, then presses Enter, as a keyboard user would."""
        for _ in range(200):
            page.keyboard.press("Tab")
            if locator.evaluate("element => element === document.activeElement"):
                page.keyboard.press("Enter")
                return
        raise AssertionError(f"could not reach {locator} with Tab")

    follow(page.get_by_role("link", name="Holder 1", exact=True))
    page.wait_for_url("**/holders/*")
    follow(page.locator("a[href^='/plans/']").first)
    page.wait_for_url("**/plans/*")
    follow(page.get_by_role("link", name="Send a request").first)
    page.wait_for_url("**/requests/new?provider=*")
    follow(page.get_by_role("button", name="Send request"))
    page.wait_for_url("**/care-requests/*/sent")
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()


def test_a_provider_asking_for_the_caseload_gets_the_refusal_page(site: str, page: Page):
    page.goto(site + "/sign-in")
    sign_in_as(page, "provider@leeds.example")
    page.wait_for_url(site + "/provider")  # a provider's home: their listing
    page.goto(site + "/caseload")
    expect(page.get_by_role("heading", name="You cannot see this page")).to_be_visible()
    check(page, "21-forbidden")


def test_the_broker_pages_work_with_javascript_off(site: str, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/sign-in?next=/caseload")
    sign_in_as(page, "broker@leeds.example")
    page.wait_for_url(site + "/caseload")
    page.get_by_role("link", name="Holder 2", exact=True).click()
    page.locator("a[href^='/plans/']").first.click()
    page.get_by_role("link", name="Send a request").first.click()
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/care-requests/*/sent")
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    context.close()


def test_a_commissioner_reads_gaps_take_up_and_time_to_care(site: str, page: Page):
    page.goto(site + "/sign-in")
    page.get_by_label("Email address").fill("commissioner@leeds.example")
    page.get_by_label("Password").fill("demo-password-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site + "/market")
    check(page, "30-market-gaps-by-district")

    page.get_by_role("link", name="Service", exact=True).click()
    expect(page).to_have_title(re.compile("by service"))
    check(page, "31-market-gaps-by-service")

    page.get_by_role("link", name="Direct payment take-up").click()
    expect(page.locator("svg.broker-chart")).to_be_visible()
    check(page, "32-market-take-up")

    page.get_by_role("link", name="Time to care").click()
    check(page, "33-market-time-to-care")

    page.get_by_role("link", name="Rates").click()
    check(page, "34-market-rates")
