"""A council broker's matching and DP support journey clicked through in real Chromium: why a provider
is not a match, a team for a plan, allocating several plans and sending the requests, the council's DP
support contracts, recording a lead contract, proposing a subcontract and recording a person's choice
of support provider.
axe-core runs on every page at 1280 and 320 px; screenshots go to test-artefacts/web/broker-support-*.
One part is done with the keyboard alone and one with JavaScript off.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.web.browser.conftest import ARTEFACTS, check, sign_in_as

BROKER = "broker@leeds.example"


def _signed_in(page: Page, site: str, path: str) -> None:
    page.goto(site + path)
    page.wait_for_url("**/sign-in?next=**")
    sign_in_as(page, BROKER)
    page.wait_for_url(site + path)


def _tab_to(page: Page, locator: Locator) -> None:
    """Presses Tab until `locator` has focus, as a keyboard user would."""
    for _ in range(250):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"could not reach {locator} with Tab")


def test_a_broker_asks_why_not_a_provider_and_looks_for_a_team(site: str, page: Page):
    _signed_in(page, site, "/caseload")
    page.get_by_role("link", name="Demo Dp Holder", exact=True).click()
    page.wait_for_url("**/holders/*")
    page.locator("a[href^='/plans/']").first.click()
    page.wait_for_url("**/plans/*")

    page.get_by_role("link", name="Why not this provider?").click()
    page.wait_for_url("**/why-not")
    check(page, "broker-support-01-why-not")

    page.get_by_role("button", name="Explain").click()
    page.wait_for_url("**/why-not?provider=")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert page.title().startswith("Error:")
    check(page, "broker-support-02-why-not-error")
    summary.get_by_role("link").click()
    expect(page.locator("#provider")).to_be_focused()

    page.get_by_label("Provider").select_option(label="Aire Payroll Bureau")
    page.get_by_role("button", name="Explain").click()
    page.wait_for_url("**/why-not?provider=**")
    main = page.locator("main").inner_text()
    assert "Aire Payroll Bureau is not a match for this plan" in main
    assert "Failed" in main and "Passed" in main
    check(page, "broker-support-03-why-not-explained")

    page.get_by_role("link", name="Back to the support plan").click()
    page.get_by_role("link", name="A team for this plan").click()
    page.wait_for_url("**/team")
    expect(page.get_by_role("heading", name="A team for this plan")).to_be_visible()
    expect(page.locator(".broker-result").first).to_be_visible()
    check(page, "broker-support-04-team")


def test_a_broker_allocates_several_plans_and_sends_the_requests(site: str, page: Page):
    _signed_in(page, site, "/caseload")
    page.get_by_role("link", name="Allocate several plans together").click()
    page.wait_for_url("**/allocation")
    check(page, "broker-support-05-allocation-choose")

    page.get_by_role("button", name="Propose an allocation").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "broker-support-06-allocation-error")

    plans = page.locator("input[name=planIds]")
    plans.nth(0).check()
    plans.nth(1).check()
    page.get_by_role("button", name="Propose an allocation").click()
    expect(page.get_by_role("heading", name="Proposed allocation")).to_be_visible()
    assert page.locator("input[name=assignments]").count() > 0
    check(page, "broker-support-07-allocation-proposal")

    page.get_by_role("button", name="Send the requests").click()
    expect(page.get_by_role("heading", name="Requests from the allocation")).to_be_visible()
    assert page.locator("main a[href^='/care-requests/']").count() > 0
    check(page, "broker-support-08-allocation-sent")


def test_a_broker_proposes_a_subcontract_and_records_a_persons_choice(site: str, page: Page):
    _signed_in(page, site, "/caseload")
    page.get_by_role("link", name="DP support contracts").click()
    page.wait_for_url("**/dp-support")
    expect(page.locator("main")).to_contain_text("Leeds Direct Payment Support")
    check(page, "broker-support-09-contracts")

    page.get_by_role("link", name="Propose a subcontract").click()
    page.wait_for_url("**/subcontracts/new")
    check(page, "broker-support-10-subcontract-form")
    page.get_by_role("button", name="Propose subcontract").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "broker-support-11-subcontract-errors")

    page.get_by_label("Lead contract").select_option(index=1)
    organisation = page.get_by_label("Organisation to subcontract to")
    organisation.select_option(label="Port Lydiafort Payroll and Support")
    page.get_by_label("Third-party supported (managed) account").check()
    page.get_by_role("button", name="Propose subcontract").click()
    page.wait_for_url("**/dp-support?proposed=1")
    waiting = "Waiting for the lead provider and the subcontractor to accept"
    assert waiting in page.locator("main").inner_text()
    check(page, "broker-support-12-subcontract-proposed")

    page.goto(site + "/caseload")
    page.get_by_role("link", name="Holder 5", exact=True).click()
    page.wait_for_url("**/holders/*")
    page.get_by_role("link", name="DP support for Holder 5").click()
    page.wait_for_url("**/dp-support")
    check(page, "broker-support-13-holder-support")

    page.get_by_role("button", name="Record their choice").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "broker-support-14-holder-support-errors")

    page.get_by_label("Organisation they chose").select_option(label="Aire Payroll Bureau (subcontractor)")
    page.get_by_label("Payroll service").check()
    page.get_by_role("button", name="Record their choice").click()
    page.wait_for_url("**/support-referrals/**")
    main = page.locator("main").inner_text()
    assert "Choice recorded for Holder 5." in main
    assert "Under a subcontract" in main
    check(page, "broker-support-15-referral")


def test_a_broker_records_a_lead_contract(site: str, page: Page):
    _signed_in(page, site, "/dp-support")
    page.get_by_role("link", name="Record a lead contract").click()
    page.wait_for_url("**/dp-support/lead-contracts/new")
    check(page, "broker-support-17-lead-contract-form")

    page.get_by_role("button", name="Record lead contract").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert page.title().startswith("Error:")
    check(page, "broker-support-18-lead-contract-errors")
    summary.get_by_role("link", name="Select the lead provider").click()
    expect(page.locator("#leadProviderId")).to_be_focused()

    page.get_by_label("Lead provider").select_option(label="Lake Melanie Payroll and Support")
    page.get_by_label("Third-party supported (managed) account").check()
    start, end = page.get_by_role("group", name="Start date"), page.get_by_role("group", name="End date")
    for group, (day, month, year) in ((start, ("1", "4", "2031")), (end, ("31", "3", "2032"))):
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
    page.get_by_label("What the contract is worth a year").fill("90000")
    page.get_by_role("button", name="Record lead contract").click()
    page.wait_for_url("**/dp-support?contracted=1")
    main = page.locator("main").inner_text()
    assert "Lead contract recorded." in main
    assert "Lake Melanie Payroll and Support" in main and "1 April 2031 to 31 March 2032" in main
    check(page, "broker-support-19-lead-contract-recorded")


def test_a_broker_explains_a_provider_and_records_a_choice_with_the_keyboard_alone(site: str, page: Page):
    _signed_in(page, site, "/plans/U3VwcG9ydFBsYW46Mg==/why-not")  # Holder 0's plan
    _tab_to(page, page.get_by_label("Provider"))
    page.keyboard.type("Jo Bloggs")
    _tab_to(page, page.get_by_role("button", name="Explain"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/why-not?provider=**")
    expect(page.get_by_role("heading", name="Jo Bloggs")).to_be_visible()

    page.goto(site + "/caseload")
    _tab_to(page, page.get_by_role("link", name="Holder 6", exact=True))
    page.keyboard.press("Enter")
    page.wait_for_url("**/holders/*")
    _tab_to(page, page.get_by_role("link", name="DP support for Holder 6"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/dp-support")
    _tab_to(page, page.get_by_label("Organisation they chose"))
    page.keyboard.type("Leeds Direct")
    _tab_to(page, page.get_by_label("Direct payment support service"))
    page.keyboard.press("Space")
    _tab_to(page, page.get_by_role("button", name="Record their choice"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/support-referrals/**")
    expect(page.locator("main")).to_contain_text("Direct to the lead provider")


def test_allocation_works_with_javascript_off(site: str, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    _signed_in(page, site, "/allocation")
    page.locator("input[name=planIds]").nth(2).check()
    # Without JavaScript each answer is a whole new page; the solver may take a while on a busy
    # machine, so wait for the page rather than look at the one being left.
    page.get_by_role("button", name="Propose an allocation").click()
    proposed = page.get_by_role("heading", name="Proposed allocation")
    proposed.wait_for(timeout=30_000)
    expect(proposed).to_be_visible()
    page.get_by_role("button", name="Send the requests").click()
    sent = page.get_by_role("heading", name="Requests from the allocation")
    sent.wait_for(timeout=30_000)
    expect(sent).to_be_visible()
    page.screenshot(path=ARTEFACTS / "broker-support-16-allocation-no-javascript.png", full_page=True)
    context.close()
