"""A DP holder's own journey clicked through in real Chromium, with axe-core (WCAG 2.2 AA) at 1280 px
and 320 px on every page visited and a screenshot of each (test-artefacts/web/holder-*.png): their
home, plan, payments and budget statement; their representative changing how the DP is held; a
holder sending a request from a match with the keyboard alone, and another with JavaScript off;
choosing a DP support provider.

The demo site is shared by every journey file, so what these tests change they change on holders of
their own (the seeded "Holder 7" to "Holder 9", each with an active plan), and the demo holder's
holding is put back as it was.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from seed.demo import DEMO_SEED
from tests.web.browser.conftest import DEMO_PASSWORD, check, sign_in_as


def plan_holder(n: int) -> str:
    """The sign-in of seeded "Holder n" (seed/plans.py), of the demo council (the first council)."""
    return f"plan-holder{n}.{DEMO_SEED}.1@benchmark.example"


def test_a_holder_reads_their_plan_payments_and_budget_statement(site: str, page: Page):
    page.goto(site + "/your-care")
    page.wait_for_url("**/sign-in?next=/your-care")
    sign_in_as(page, "holder@leeds.example")
    page.wait_for_url(site + "/your-care")
    assert page.title().startswith("Your care and support")
    assert page.locator("[aria-current=page]").inner_text() == "Your care"
    check(page, "holder-01-home")

    page.get_by_role("link", name=re.compile("^Support plan starting")).click()
    page.wait_for_url("**/your-care/plans/*")
    expect(page.get_by_role("heading", name="Providers who match the plan")).to_be_visible()
    assert page.locator(".broker-reason").count() > 0
    check(page, "holder-02-plan")

    page.get_by_role("link", name="Your care").first.click()
    page.get_by_role("link", name="Payments made").click()
    page.wait_for_url("**/payments")
    expect(page.get_by_role("heading", name="Payments made")).to_be_visible()
    check(page, "holder-03-payments")

    page.get_by_role("link", name="See the budget statement").click()
    page.wait_for_url("**/budget-statement")
    expect(page.locator("main")).to_contain_text("Allocated")
    check(page, "holder-04-budget-statement")

    page.get_by_label("Period").select_option(index=1)  # this month
    page.get_by_role("button", name="Show statement").click()
    page.wait_for_url("**/budget-statement?period=month-*")
    check(page, "holder-05-budget-statement-month")


def test_a_representative_changes_how_the_dp_is_held(site: str, page: Page):
    page.goto(site + "/sign-in")
    sign_in_as(page, "representative@leeds.example")
    page.wait_for_url(site + "/your-care")
    assert page.title().startswith("Demo Dp Holder's care")
    check(page, "holder-06-representative-home")

    page.get_by_role("link", name="Change how the payment is held").click()
    page.wait_for_url("**/how-it-is-held")
    check(page, "holder-07-how-it-is-held")
    page.get_by_label("Bank account").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/your-care/*?changed=held")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("now held as: bank account")
    check(page, "holder-08-holding-changed")

    page.get_by_role("link", name="Change how the payment is held").click()  # as it was, for the others
    page.get_by_label("Pre-paid card").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/your-care/*?changed=held")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("now held as: pre-paid card")


def test_a_holder_chooses_a_dp_support_provider(site: str, page: Page):
    page.goto(site + "/sign-in?next=/your-care")
    sign_in_as(page, plan_holder(8))
    page.wait_for_url(site + "/your-care")
    page.get_by_role("link", name=re.compile("^Help with managing the direct payment")).click()
    page.wait_for_url("**/support")
    check(page, "holder-09-support")

    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert page.title().startswith("Error:")
    check(page, "holder-10-support-error")

    page.get_by_label("Aire Payroll Bureau").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/support/services?provider=*")
    check(page, "holder-11-support-services")

    page.get_by_label("Payroll service").check()
    page.get_by_role("button", name="Choose Aire Payroll Bureau").click()
    page.wait_for_url("**/support/referrals/*?chosen=1")
    expect(page.get_by_role("heading", name="Your choice is recorded")).to_be_visible()
    expect(page.locator("main")).to_contain_text("under its agreement with Leeds Direct Payment Support")
    check(page, "holder-12-support-chosen")


def test_a_holder_sends_a_request_from_a_match_with_the_keyboard_alone(site: str, page: Page):
    page.goto(site + "/sign-in?next=/your-care")
    page.get_by_label("Email address").focus()
    page.keyboard.type(plan_holder(9))
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(site + "/your-care")

    def follow(locator: Locator) -> None:
        """Tabs until `locator` has focus, then presses Enter, as a keyboard user would."""
        for _ in range(200):
            page.keyboard.press("Tab")
            if locator.evaluate("element => element === document.activeElement"):
                page.keyboard.press("Enter")
                return
        raise AssertionError(f"could not reach {locator} with Tab")

    follow(page.get_by_role("link", name=re.compile("^Support plan starting")))
    page.wait_for_url("**/your-care/plans/*")
    assert page.title().startswith("Support plan starting")
    check(page, "holder-13-active-plan")
    follow(page.get_by_role("link", name=re.compile("^Send a request")).first)
    page.wait_for_url("**/requests/new?provider=*")
    check(page, "holder-14-request-form")
    follow(page.get_by_role("button", name="Send request"))
    page.wait_for_url("**/your-care/requests/*/sent")
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    check(page, "holder-15-request-sent")
    follow(page.get_by_role("link", name="Back to your care"))
    page.wait_for_url("**/your-care/*")
    expect(page.locator("main")).to_contain_text("Waiting for an answer")
    check(page, "holder-16-home-with-request")


def test_the_holder_pages_work_with_javascript_off(site: str, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/sign-in?next=/your-care")
    sign_in_as(page, plan_holder(7))
    page.wait_for_url(site + "/your-care")
    page.get_by_role("link", name=re.compile("^Support plan starting")).click()
    page.get_by_role("link", name=re.compile("^Send a request")).first.click()
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/your-care/requests/*/sent")
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    page.goto(site + "/your-care")
    page.get_by_role("link", name="Change how the payment is held").click()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/your-care/*")
    context.close()
