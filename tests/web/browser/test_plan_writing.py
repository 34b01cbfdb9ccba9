"""A broker writes a new support plan in Chromium, one thing per page, checks the answers and makes it
active; then does it again with the keyboard alone. axe-core runs on every page on the way."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import check, sign_in_as

BROKER = "broker@leeds.example"


def _open_a_holder(page: Page, site: str) -> None:
    page.goto(site + "/caseload")
    if "Sign in" in page.title():
        sign_in_as(page, BROKER)
    page.locator("main a[href^='/holders/']").first.click()


def test_a_broker_writes_a_plan_checks_it_and_makes_it_active(site: str, page: Page):
    _open_a_holder(page, site)
    page.get_by_role("link", name="Write a new support plan").click()
    check(page, "plan-01-about")

    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "plan-02-about-errors")

    page.get_by_label("What does the person want to achieve?").fill("To get up and dressed each morning.")
    page.get_by_label("Day", exact=True).fill("4")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Add a need")).to_be_visible()
    check(page, "plan-03-need")

    page.get_by_label("Service needed").select_option(index=1)
    page.get_by_label("Hours a week").fill("3")
    page.get_by_label("Hourly rate the budget allows").fill("18.50")
    page.get_by_label("Day of time 1").select_option("MONDAY")
    page.get_by_label("Start of time 1").fill("08:00")
    page.get_by_label("End of time 1").fill("07:00")
    page.get_by_role("button", name="Save need").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "plan-04-need-errors")

    page.get_by_label("End of time 1").fill("09:30")
    page.get_by_label("Day of time 2").select_option("THURSDAY")
    page.get_by_label("Start of time 2").fill("08:00")
    page.get_by_label("End of time 2").fill("09:30")
    page.get_by_role("button", name="Save need").click()
    expect(page.get_by_role("heading", name="Check the plan before it is made active")).to_be_visible()
    check(page, "plan-05-check")

    page.get_by_role("link", name="Change preferences").click()
    check(page, "plan-06-preferences")
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Gender: Female")).to_be_visible()

    page.get_by_role("button", name="Make the plan active").click()
    expect(page.get_by_text("The plan is active")).to_be_visible()
    check(page, "plan-07-active")


def test_a_broker_writes_a_plan_with_the_keyboard_alone(site: str, page: Page):
    _open_a_holder(page, site)
    link = page.get_by_role("link", name="Write a new support plan")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/plans/new")

    page.get_by_label("What does the person want to achieve?").focus()
    page.keyboard.type("To see friends on Saturdays.")
    for value in ("6", "2", "2027"):
        page.keyboard.press("Tab")
        page.keyboard.type(value)
    page.keyboard.press("Tab")  # the postcode: left blank for the person's home
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Add a need")).to_be_visible()

    page.get_by_label("Service needed").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("20")
    page.keyboard.press("Tab")
    page.keyboard.type("S")  # Saturday, chosen by its first letter as a select allows
    page.keyboard.press("Tab")
    page.keyboard.type("14:00")
    page.keyboard.press("Tab")
    page.keyboard.type("16:00")
    page.get_by_role("button", name="Save need").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check the plan before it is made active")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Saturday")

    page.get_by_role("button", name="Make the plan active").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("The plan is active")).to_be_visible()
