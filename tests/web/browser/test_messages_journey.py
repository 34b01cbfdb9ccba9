"""Messages clicked through in real Chromium: the demo provider writes to the demo holder about a
care request from the request's page, the holder finds it unread in their inbox, reads it (which
marks it read) and answers with the keyboard alone, reports a message, and reads their notifications
and their settings. axe-core runs on every page at 1280 and 320 px, with a screenshot of each under
test-artefacts/web/messages-*.png.

The request is found (or sent, as the broker would) through /graphql on the shared demo server; every
message step is a click or a key press in the browser.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import check, sign_in_as
from tests.web.browser.test_provider_journey import Api, _tab_to

BROKER = "broker@leeds.example"
HOLDER = "holder@leeds.example"
PROVIDER = "provider@leeds.example"


def _a_request_between_holder_and_provider(api: Api) -> tuple[str, str]:
    """A care request from the demo holder's plan to the demo provider: its ID and status."""
    provider_id = api.run("{ viewer { provider { id } } }", token=api.token(PROVIDER))["viewer"]["provider"][
        "id"
    ]
    holder = api.token(HOLDER)
    found = api.run(
        "{ viewer { careRequests(first: 100) { nodes { id status provider { id } } } } }", token=holder
    )["viewer"]["careRequests"]["nodes"]
    mine = [r for r in found if r["provider"]["id"] == provider_id]
    if mine:
        pending = [r for r in mine if r["status"] == "PENDING"]
        chosen = (pending or mine)[0]
        return chosen["id"], chosen["status"]
    broker = api.token(BROKER)
    plans = api.run("{ dpHolder { supportPlans { id status needs { id } } } }", token=holder)["dpHolder"]
    plan = next(p for p in plans["supportPlans"] if p["needs"])
    if plan["status"] == "DRAFT":
        api.change(
            "updateSupportPlan", "UpdateSupportPlanInput", {"id": plan["id"], "status": "ACTIVE"}, broker
        )
    for need in plan["needs"]:  # one the provider offers
        answer = api.run(
            "mutation($input: SendRequestInput!) { sendRequest(input: $input) {"
            " careRequest { id status } userErrors { field message } } }",
            {
                "input": {
                    "planId": plan["id"],
                    "providerId": provider_id,
                    "needIds": [need["id"]],
                    "message": "Could you help on weekdays?",
                }
            },
            broker,
        )["sendRequest"]
        if answer["careRequest"]:
            sent = answer["careRequest"]
            break
    else:
        raise AssertionError("the demo provider offers none of the demo holder's needs")
    return sent["id"], sent["status"]


def test_a_provider_and_a_holder_exchange_messages_about_a_request(site: str, page: Page, chromium):
    request_id, status = _a_request_between_holder_and_provider(Api(site))

    # The provider writes first, from the request's own page.
    page.goto(f"{site}/sign-in?next=/provider/requests/{request_id}")
    sign_in_as(page, PROVIDER)
    page.get_by_role("link", name="Send a message about this request").click()
    check(page, "messages-provider-start")
    if status == "PENDING":
        page.get_by_label("Send a message").fill("Email me at jo@example.com")
        page.get_by_role("button", name="Send message").click()
        expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
        expect(page.get_by_label("Send a message")).to_have_value("Email me at jo@example.com")
        check(page, "messages-provider-refused")
    page.get_by_label("Send a message").fill("Hello, I can visit on Tuesday mornings. Does that suit you?")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Your message is sent.")).to_be_visible()
    check(page, "messages-provider-thread")
    thread = page.url.split("?")[0]

    # The holder finds it unread, reads it and answers with the keyboard alone.
    holder = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    try:
        holder.goto(f"{site}/sign-in")
        sign_in_as(holder, HOLDER)
        holder.get_by_role("link", name="Messages", exact=True).click()
        expect(holder.get_by_text("unread").first).to_be_visible()
        check(holder, "messages-holder-inbox")
        holder.goto(thread)
        expect(holder.get_by_text("Does that suit you?")).to_be_visible()
        check(holder, "messages-holder-thread")
        holder.goto(f"{site}/conversations")
        holder.goto(thread)
        _tab_to(holder, "Send a message")
        holder.keyboard.type("Yes, Tuesday mornings suit me. Thank you.")
        _tab_to(holder, "Send message", presses=5)
        holder.keyboard.press("Enter")
        expect(holder.get_by_text("Your message is sent.")).to_be_visible()
        expect(holder.get_by_text("Yes, Tuesday mornings suit me.")).to_be_visible()
        check(holder, "messages-holder-replied")

        holder.get_by_role("link", name="Report this message").last.click()
        check(holder, "messages-holder-report")
        holder.get_by_role("button", name="Report to the council").click()
        expect(holder.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
        check(holder, "messages-holder-report-refused")
        holder.get_by_label("What is wrong with this message?").fill("Checking the report form works.")
        holder.get_by_role("button", name="Report to the council").click()
        expect(holder.get_by_text("The message is reported to the council.")).to_be_visible()

        holder.get_by_role("link", name="Notifications", exact=True).click()
        expect(holder.get_by_role("link", name="You have a new message").first).to_be_visible()
        check(holder, "messages-holder-notifications")
        holder.get_by_role("link", name="Choose how you are told").click()
        check(holder, "messages-holder-settings")
        holder.get_by_label("By email").first.uncheck()
        holder.get_by_role("button", name="Save your choices").click()
        expect(holder.get_by_text("Your choices are saved.")).to_be_visible()
    finally:
        holder.context.close()

    # The provider sees the answer, and that their message was read.
    page.goto(thread)
    expect(page.get_by_text("Yes, Tuesday mornings suit me.")).to_be_visible()
    expect(page.get_by_text("Read ", exact=False).first).to_be_visible()
    check(page, "messages-provider-answered")
