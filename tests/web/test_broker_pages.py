"""A council broker's journey over HTTP, as a browser without JavaScript would: the caseload, a holder,
a plan with its matches, sending a request and following it. Who may see what is the API's answer;
these tests check the pages pass it on (sign in first, the 403 page, another council's 404)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select

from broker.accounts.models import Role, User
from broker.agreements.models import CareRequest
from broker.db import Database
from tests.factories import PASSWORD, make_council, make_user
from tests.web.reading import DASH, csrf_of, links_in, page_text, page_title, sign_in

BROKER = "broker@leeds.example"


async def _open_plan(browser: httpx.AsyncClient) -> tuple[str, str]:
    """The first active plan in the caseload that has matches: its path and page."""
    caseload = await browser.get("/caseload")
    for holder in links_in(caseload.text, "/holders/"):
        page = await browser.get(holder)
        for plan in links_in(page.text, "/plans/"):
            shown = await browser.get(plan)
            if "Send a request" in shown.text and ">Active<" in shown.text:
                return plan, shown.text
    raise AssertionError("no active plan with matches in the demo caseload")


MATCH = re.compile(
    r'href="/providers/([^"]+)">([^<]+)</a></h3>\s*'
    r'<p class="govuk-body broker-reason">Covers ([\d.]+) of ([\d.]+) hours'
)


async def _plan_with_a_full_match(browser: httpx.AsyncClient) -> tuple[str, str, str, str]:
    """An active plan with a match covering every hour: the plan's path and page, the provider's ID
    and name."""
    caseload = await browser.get("/caseload")
    for holder in links_in(caseload.text, "/holders/"):
        for plan in links_in((await browser.get(holder)).text, "/plans/"):
            page = (await browser.get(plan)).text
            for provider_id, name, covered, needed in MATCH.findall(page):
                if covered == needed and ">Active<" in page:
                    return plan, page, html.unescape(provider_id), html.unescape(name)
    raise AssertionError("no plan in the demo caseload has a match covering every hour")


async def _requests_in_db(db: Database) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(CareRequest))).scalar_one()


PAGES = (
    "/caseload",
    "/holders/RFBIb2xkZXI6MQ==",
    "/plans/U3VwcG9ydFBsYW46MQ==",
    "/plans/U3VwcG9ydFBsYW46MQ==/requests/new?provider=UHJvdmlkZXI6MQ==",
    "/care-requests",
    "/care-requests/Q2FyZVJlcXVlc3Q6MQ==",
)


@pytest.mark.parametrize("path", PAGES)
async def test_a_signed_out_visitor_is_asked_to_sign_in_and_comes_back(browser, demo, path):
    page = await browser.get(path)

    assert page.status_code == 303
    assert page.headers["location"] == f"/sign-in?next={quote(path, safe='/')}"
    landed = await sign_in(browser, BROKER, next_path=path)
    assert landed.headers["location"] == path


async def test_a_broker_lands_on_their_councils_caseload_and_pages_through_it(browser, demo):
    landed = await sign_in(browser, BROKER)
    assert landed.headers["location"] == "/caseload"

    first = await browser.get("/caseload")

    assert first.status_code == 200
    assert page_title(first.text) == "Caseload (page 1 of 2)"
    text = page_text(first.text)
    assert "Caseload" in text and "23 people receive a direct payment from the council" in text
    assert "Demo Dp Holder LS8 Pre-paid card £420.00 Draft" in text
    assert len(links_in(first.text, "/holders/")) == 20
    assert 'aria-current="page">Caseload<' in first.text  # the navigation says where you are
    assert "Sign out" in first.text
    (next_page,) = [href for href in links_in(first.text, "/caseload?") if "after=" in href]

    second = await browser.get(next_page)

    assert page_title(second.text) == "Caseload (page 2 of 2)"
    assert len(links_in(second.text, "/holders/")) == 3
    assert "Demo Dp Holder" not in second.text
    assert not [href for href in links_in(second.text, "/caseload?") if "after=" in href]
    assert 'href="/caseload" rel="first"' in second.text


async def test_a_holder_page_shows_their_details_plans_and_agreements(browser, demo):
    await sign_in(browser, BROKER)
    caseload = await browser.get("/caseload")
    demo_holder = re.search(r'href="(/holders/[^"]+)">Demo Dp Holder<', caseload.text).group(1)

    page = await browser.get(demo_holder)

    assert page.status_code == 200
    assert page_title(page.text) == "Demo Dp Holder"
    text = page_text(page.text)
    assert "Email address holder@leeds.example" in text
    assert "Home postcode LS8 2QP" in text
    assert "Personal budget £420.00 a week" in text
    assert "How the payment is held Pre-paid card" in text
    assert "Demo Representative (representative@leeds.example)" in text
    assert "Support plan starting 26 November 2026 Draft" in text
    assert "Personal care: 10.5 hours a week" in text and "Community access: 3 hours a week" in text
    assert "No agreements yet." in text
    assert 'aria-current="page">Caseload<' in page.text
    assert len(links_in(page.text, "/plans/")) == 1


async def test_a_plan_shows_its_needs_and_matches_with_their_reason_lines(browser, demo):
    await sign_in(browser, BROKER)
    caseload = await browser.get("/caseload")
    holder = re.search(r'href="(/holders/[^"]+)">Demo Dp Holder<', caseload.text).group(1)
    plan = links_in((await browser.get(holder)).text, "/plans/")[0]

    page = await browser.get(plan)

    assert page.status_code == 200
    assert page_title(page.text) == "Support plan for Demo Dp Holder"
    text = page_text(page.text)
    assert "Outcomes Stay living at home with my wife" in text
    assert f"Personal care 10.5 hours £15.50 an hour Monday 08:00{DASH}09:30" in text
    assert f"Community access 3 hours £15.00 an hour Friday 12:00{DASH}15:00" in text
    assert "Language: pa (preferred)" in text and "Gender: Male (preferred)" in text
    assert "This plan is a draft. Requests can be sent once it is active." in text
    reasons = re.findall(r'<p class="govuk-body broker-reason">([^<]+)</p>', page.text)
    assert reasons and all(re.match(r"Covers [\d.]+ of 13\.5 hours; ", html.unescape(r)) for r in reasons)
    assert re.search(r"Score [\d.]+ out of 100", text)
    assert re.search(r"How the score is made up for .+? Covers the times needed: [\d.]+ of 35 points", text)
    assert len(links_in(page.text, f"{plan}/requests/new?provider=")) == len(reasons)
    assert "No requests sent for this plan yet." in text


async def test_a_broker_sends_a_request_to_a_match_and_follows_its_status(browser, db, demo):
    await sign_in(browser, BROKER)
    plan, plan_page = await _open_plan(browser)
    form_path = links_in(plan_page, f"{plan}/requests/new?provider=")[0]
    form = await browser.get(form_path)
    assert form.status_code == 200 and page_title(form.text).startswith("Send a request to ")
    provider = page_title(form.text).removeprefix("Send a request to ")
    needs = re.findall(r'name="needIds" type="checkbox" value="([^"]+)" checked', form.text)
    provider_id = re.search(r'name="providerId" value="([^"]+)"', form.text).group(1)

    sent = await browser.post(
        f"{plan}/requests/new",
        data={
            "csrf_token": csrf_of(form.text),
            "providerId": provider_id,
            "needIds": needs,
            "message": "Mornings matter most.",
        },
    )

    assert sent.status_code == 303 and re.fullmatch(r"/care-requests/[^/]+/sent", sent.headers["location"])
    confirmation = await browser.get(sent.headers["location"])
    assert page_title(confirmation.text) == "Request sent"
    text = page_text(confirmation.text)
    assert f"Request sent to {provider}" in text
    assert "has until 3 December 2026 at 10:00am to accept or decline" in text
    assert "Status Waiting for an answer" in text and "Message Mornings matter most." in text
    assert await _requests_in_db(db) == 1

    listed = await browser.get("/care-requests", params={"status": "PENDING"})
    assert page_title(listed.text) == "Care requests: waiting for an answer"
    assert f"To {provider}" in page_text(listed.text) and "1 request waiting for an answer" in page_text(
        listed.text
    )
    none_accepted = await browser.get("/care-requests", params={"status": "ACCEPTED"})
    assert (
        "0 requests accepted" in page_text(none_accepted.text) and f"To {provider}" not in none_accepted.text
    )
    back_on_plan = page_text((await browser.get(plan)).text)
    assert f"{provider} 26 November 2026 at 10:00am Waiting for an answer" in back_on_plan


@pytest.mark.parametrize(
    "change,error,field",
    [
        ({"message": "x" * 2001}, "At most 2000 characters.", "message"),
        ({"needIds": []}, "Select at least one need to ask about", "needIds"),
    ],
)
async def test_a_bad_request_form_shows_the_error_summary_keeps_the_input_and_sends_nothing(
    browser, db, demo, change, error, field
):
    await sign_in(browser, BROKER)
    plan, plan_page = await _open_plan(browser)
    form = await browser.get(links_in(plan_page, f"{plan}/requests/new?provider=")[0])
    needs = re.findall(r'name="needIds" type="checkbox" value="([^"]+)" checked', form.text)
    data = {
        "csrf_token": csrf_of(form.text),
        "providerId": re.search(r'name="providerId" value="([^"]+)"', form.text).group(1),
        "needIds": needs[:1],
        "message": "Please call first.",
    } | change

    page = await browser.post(f"{plan}/requests/new", data=data)

    assert page.status_code == 400
    assert page_title(page.text).startswith("Error: Send a request to")
    assert "There is a problem" in page.text
    assert f'<a href="#{field}">{error}</a>' in page.text
    assert f'id="{field}-error"' in page.text
    kept = re.findall(r'name="needIds" type="checkbox" value="([^"]+)" checked', page.text)
    assert kept == data["needIds"]
    assert f">{data['message']}</textarea>" in page.text
    assert await _requests_in_db(db) == 0


async def test_a_draft_plans_request_is_refused_in_the_apis_words(browser, db, demo):
    await sign_in(browser, BROKER)
    caseload = await browser.get("/caseload")
    holder = re.search(r'href="(/holders/[^"]+)">Demo Dp Holder<', caseload.text).group(1)
    plan = links_in((await browser.get(holder)).text, "/plans/")[0]
    form = await browser.get(links_in((await browser.get(plan)).text, f"{plan}/requests/new?provider=")[0])

    page = await browser.post(
        f"{plan}/requests/new",
        data={
            "csrf_token": csrf_of(form.text),
            "providerId": re.search(r'name="providerId" value="([^"]+)"', form.text).group(1),
            "needIds": re.findall(r'name="needIds" type="checkbox" value="([^"]+)"', form.text),
        },
    )

    assert page.status_code == 400
    assert "<li>The plan is DRAFT; activate it before sending requests.</li>" in page.text
    assert await _requests_in_db(db) == 0


async def test_a_request_form_without_its_csrf_token_sends_nothing(browser, db, demo):
    await sign_in(browser, BROKER)
    plan, plan_page = await _open_plan(browser)
    form = await browser.get(links_in(plan_page, f"{plan}/requests/new?provider=")[0])

    page = await browser.post(
        f"{plan}/requests/new",
        data={
            "providerId": re.search(r'name="providerId" value="([^"]+)"', form.text).group(1),
            "needIds": re.findall(r'name="needIds" type="checkbox" value="([^"]+)"', form.text),
        },
    )

    assert page.status_code == 400
    assert "This form has expired" in page.text
    assert await _requests_in_db(db) == 0


@pytest.mark.parametrize("email", ["provider@leeds.example", "holder@leeds.example"])
async def test_a_provider_or_holder_is_refused_the_caseload_in_the_same_style(browser, demo, email):
    await sign_in(browser, BROKER)
    holder_paths = links_in((await browser.get("/caseload")).text, "/holders/")
    other_holder = holder_paths[1]  # not the demo holder
    await browser.post("/sign-out", data={"csrf_token": csrf_of((await browser.get("/")).text)})
    await sign_in(browser, email)

    caseload = await browser.get("/caseload")
    holder = await browser.get(other_holder)

    assert caseload.status_code == 403
    assert page_title(caseload.text) == "You cannot see this page"
    assert not re.search(r"Holder \d", caseload.text)  # nobody of the caseload
    assert holder.status_code == 404 and "Page not found" in holder.text
    assert 'href="/caseload"' not in caseload.text  # staff navigation is for staff


async def test_a_broker_of_another_council_sees_none_of_leeds(browser, db, demo):
    await sign_in(browser, BROKER)
    leeds_holder = links_in((await browser.get("/caseload")).text, "/holders/")[1]
    plan, plan_page = await _open_plan(browser)
    request_form = links_in(plan_page, f"{plan}/requests/new?provider=")[0]
    await browser.post("/sign-out", data={"csrf_token": csrf_of((await browser.get("/")).text)})
    york = await make_council(db, "City of York Council")
    york_broker = await make_user(db, Role.BROKER, york, email="broker@york.example")
    await sign_in(browser, york_broker.email, PASSWORD)

    caseload = await browser.get("/caseload")
    requests = await browser.get("/care-requests")

    assert caseload.status_code == 200 and "0 people receive a direct payment" in page_text(caseload.text)
    assert "City of York Council" in caseload.text and "Holder 0" not in caseload.text
    assert "0 requests" in page_text(requests.text)
    for path in (leeds_holder, plan, request_form):
        page = await browser.get(path)
        assert page.status_code == 404, path
        assert "Page not found" in page.text


CREATE_AGREEMENT = """mutation($input: CreateAgreementInput!) {
  createAgreement(input: $input) { agreement { id status } userErrors { field message } } }"""
PLAN_SLOTS = """query($id: ID!) { supportPlan(id: $id) { needs { slots { day start end } } } }"""


async def test_a_holder_page_lists_the_agreements_made_for_them(browser, api, db, demo):
    await sign_in(browser, BROKER)
    plan, plan_page, provider_id, provider = await _plan_with_a_full_match(browser)
    async with db.session() as session:
        broker = (await session.execute(select(User).where(User.email == BROKER))).scalar_one()
    plan_id = plan.removeprefix("/plans/")
    needs = (await api.data(PLAN_SLOTS, {"id": plan_id}, as_user=broker))["supportPlan"]["needs"]
    slots = [slot for need in needs for slot in need["slots"]]
    made = await api.data(
        CREATE_AGREEMENT,
        {"input": {"planId": plan_id, "providerId": provider_id, "slots": slots, "startDate": "2026-12-07"}},
        as_user=broker,
    )
    assert made["createAgreement"]["userErrors"] == []
    holder = re.search(r'href="(/holders/[^"]+)"', plan_page[plan_page.find("govuk-breadcrumbs") :]).group(1)

    page = await browser.get(holder)

    text = page_text(page.text)
    assert f"{provider} " in text and "From 7 December 2026 Proposed" in text
    assert "No agreements yet." not in text


async def test_an_expired_session_on_a_broker_page_returns_to_sign_in_and_then_to_it(browser, demo, clock):
    await sign_in(browser, BROKER)
    clock.at += timedelta(days=2)  # past the token's lifetime

    page = await browser.get("/care-requests", params={"status": "PENDING"})

    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=/care-requests&expired=1"
    assert "Your session has ended" in (await browser.get(page.headers["location"])).text


@pytest.mark.parametrize(
    "query",
    [
        "/caseload?after=not-a-cursor",
        "/caseload?after=b2Zmc2V0OjE5&page=" + "9" * 5000,
        "/care-requests?status=NOT_A_STATUS&after=%00",
        "/plans/%00/requests/new?provider=" + "x" * 5000,
        "/holders/" + "A" * 5000,
    ],
)
async def test_hostile_broker_urls_get_a_page_never_a_crash(browser, demo, query):
    await sign_in(browser, BROKER)

    page = await browser.get(query)

    assert page.status_code in (200, 404), page.status_code
    assert "Traceback" not in page.text and "Sorry, there is a problem" not in page.text


async def test_a_forged_request_form_is_refused_in_the_summary_and_sends_nothing(browser, db, demo):
    await sign_in(browser, BROKER)
    plan, plan_page = await _open_plan(browser)
    form = await browser.get(links_in(plan_page, f"{plan}/requests/new?provider=")[0])

    page = await browser.post(
        f"{plan}/requests/new",
        data={
            "csrf_token": csrf_of(form.text),
            "providerId": re.search(r'name="providerId" value="([^"]+)"', form.text).group(1),
            "needIds": ["not-a-need"],
        },
    )

    assert page.status_code == 400
    assert "There is a problem" in page.text and "Sorry, there is a problem" not in page.text
    assert await _requests_in_db(db) == 0
