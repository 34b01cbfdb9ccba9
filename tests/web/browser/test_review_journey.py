"""A review's journey clicked through in real Chromium: the DP holder reviews the provider of an
agreement that has ended, the council's broker publishes it from the moderation queue, the provider
replies once, and the public listing shows the review with the reply and never who wrote it. axe-core
runs on every page at 1280 and 320 px (one review is sent with JavaScript off and rejected with the
keyboard alone), with a screenshot of each under test-artefacts/web/review-*.png.

The ended agreement is set up as a broker would, through /graphql on the same demo server (the demo's
own agreements were reviewed when it was seeded); every review step is a click in the browser.
"""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import ARTEFACTS, DEMO_PASSWORD, check, sign_in_as
from tests.web.browser.test_provider_journey import Api, _tab_to

BROKER = "broker@leeds.example"
HOLDER = "holder@leeds.example"
PROVIDER = "provider@leeds.example"
COMMENT = "Patient and kind; always let us know when running late."
SHOUTING = "Nobody came on Tuesday."
REPLY = "Thank you. We have shared this with the whole team."


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _a_free_hour(availability: list[dict], busy: list[dict]) -> dict:
    """An hour the provider is available and works under no other agreement."""
    for window in availability:
        start, end = _minutes(window["start"]), _minutes(window["end"])
        for begin in range(start, end - 59, 30):
            clash = any(
                b["day"] == window["day"] and _minutes(b["start"]) < begin + 60 and begin < _minutes(b["end"])
                for b in busy
            )
            if not clash:
                return {
                    "day": window["day"],
                    "start": f"{begin // 60:02}:{begin % 60:02}",
                    "end": f"{(begin + 60) // 60:02}:{(begin + 60) % 60:02}",
                }
    raise AssertionError("the demo provider has no free hour")


def _an_ended_agreement(api: Api) -> tuple[str, str]:
    """An agreement between the demo holder and the demo provider that ran and has ended: its ID and
    the provider's."""
    broker = api.token(BROKER)
    holder = api.run(
        "{ dpHolder { supportPlans { id status needs { id slots { day start end } } } } }",
        token=api.token(HOLDER),
    )["dpHolder"]
    plan = next(p for p in holder["supportPlans"] if p["needs"])
    provider = api.run(
        "{ viewer { provider { id availability { day start end } } } }", token=api.token(PROVIDER)
    )["viewer"]["provider"]
    provider_id = provider["id"]
    taken = api.run(
        "query($id: ID!) { agreements(first: 100, filter: {providerId: $id}) { nodes { status"
        " slots { day start end } } } }",
        {"id": provider_id},
        token=broker,
    )["agreements"]["nodes"]
    free = _a_free_hour(provider["availability"], [s for a in taken for s in a["slots"]])
    if plan["status"] == "DRAFT":
        api.change(
            "updateSupportPlan", "UpdateSupportPlanInput", {"id": plan["id"], "status": "ACTIVE"}, broker
        )
    need = plan["needs"][0]
    agreement = api.change(
        "createAgreement",
        "CreateAgreementInput",
        {
            "planId": plan["id"],
            "providerId": provider_id,
            "needIds": [need["id"]],
            "slots": [free],
            "hourlyRatePence": 1400,
            "hoursPerWeek": 1.0,
            "startDate": str(date.today()),
        },
        broker,
        "agreement { id }",
    )["agreement"]
    api.change("activateAgreement", "AgreementIdInput", {"agreementId": agreement["id"]}, broker)
    api.change(
        "endAgreement",
        "EndAgreementInput",
        {"agreementId": agreement["id"], "endDate": str(date.today()), "reason": "Moved to residential care"},
        broker,
    )
    return agreement["id"], provider_id


def test_a_review_is_written_published_answered_and_shown(site: str, page: Page):
    agreement_id, provider_id = _an_ended_agreement(Api(site))

    page.goto(f"{site}/sign-in")
    sign_in_as(page, HOLDER)
    page.locator(f'a[href="/your-care/agreements/{agreement_id}/review"]').click()
    check(page, "review-form")
    page.get_by_role("button", name="Send your review").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    check(page, "review-form-errors")
    for group, rating in (
        ("Overall", "5 excellent"),
        ("Care and support", "4 good"),
        ("Treated with dignity and respect", "5 excellent"),
        ("Staff", "4 good"),
        ("Management", "3 fair"),
        ("Value for money", "4 good"),
    ):
        page.get_by_role("group", name=group, exact=True).get_by_label(rating).check()
    page.get_by_label("Tell others about the care (optional)").fill(COMMENT)
    page.get_by_role("button", name="Send your review").click()
    expect(page.get_by_text("Your review is sent")).to_be_visible()
    check(page, "review-sent")
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{site}/sign-in")
    sign_in_as(page, BROKER)
    page.get_by_role("link", name="Reviews", exact=True).click()
    check(page, "review-moderation")
    page.locator("tr", has_text="5 out of 5").get_by_role("link", name="Read and decide").first.click()
    expect(page.get_by_text(COMMENT)).to_be_visible()
    check(page, "review-moderate")
    page.get_by_label("Yes, publish it").check()
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("The review is published")).to_be_visible()
    check(page, "review-moderation-decided")
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{site}/sign-in")
    sign_in_as(page, PROVIDER)
    page.get_by_role("link", name="Reviews", exact=True).click()
    check(page, "review-provider")
    card = page.locator(".govuk-summary-card", has_text=COMMENT)
    card.get_by_role("link", name="Reply").click()
    check(page, "review-reply")
    page.get_by_label("Your reply").fill(REPLY)
    page.get_by_role("button", name="Publish your reply").click()
    expect(page.get_by_text("Your reply is published")).to_be_visible()
    expect(
        page.locator(".govuk-summary-card", has_text=COMMENT).get_by_role("link", name="Reply")
    ).to_have_count(0)
    check(page, "review-replied")
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{site}/providers/{provider_id}")
    review = page.locator(".govuk-summary-card", has_text=COMMENT)
    expect(review.get_by_text(REPLY)).to_be_visible()
    assert "holder@leeds.example" not in page.content()
    check(page, "review-public-listing")


def test_with_javascript_off_a_review_is_sent_and_the_broker_rejects_it_with_the_keyboard_alone(
    site: str, chromium, page: Page
):
    api = Api(site)
    agreement_id, _ = _an_ended_agreement(api)
    context = chromium.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{site}/sign-in?next=/your-care/agreements/{agreement_id}/review")
    sign_in_as(plain, HOLDER)
    for name in ("overall", "careAndSupport", "dignity", "staff", "management", "value"):
        plain.locator(f"input[name={name}][value='2']").check()
    plain.get_by_label("Tell others about the care (optional)").fill(f"{SHOUTING} Ring me on 07700 900123.")
    plain.get_by_role("button", name="Send your review").click()
    expect(plain.get_by_text("Your review is sent")).to_be_visible()
    plain.screenshot(path=ARTEFACTS / "review-sent-no-javascript.png", full_page=True)
    context.close()

    waiting = api.run(
        "{ reviews(first: 50, filter: {status: PENDING}) { nodes { id comment } } }", token=api.token(BROKER)
    )["reviews"]["nodes"]
    (review,) = [r for r in waiting if r["comment"].startswith(SHOUTING)]
    page.goto(f"{site}/sign-in?next=/reviews/moderation/{review['id']}")
    page.keyboard.press("Tab")
    _tab_to(page, "Email address")
    page.keyboard.type(BROKER)
    _tab_to(page, "Password")
    page.keyboard.type(DEMO_PASSWORD)
    _tab_to(page, "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/reviews/moderation/{review['id']}")
    _tab_to(page, "Yes, publish it")
    page.keyboard.press("ArrowDown")  # moves the choice to "No, reject it"
    assert page.get_by_label("No, reject it").is_checked()
    _tab_to(page, "Save the decision")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-error-summary")
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    check(page, "review-reject-needs-a-reason")
    _tab_to(page, "Why it is rejected")
    page.keyboard.type("It gives a phone number.")
    _tab_to(page, "Save the decision")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reviews/moderation?decided=rejected")
    expect(page.get_by_text("The review is rejected")).to_be_visible()
