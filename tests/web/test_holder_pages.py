"""A DP holder's own journey over HTTP, as a browser without JavaScript would (and their
representative's, who acts with them): their home, their plan with its matches, sending a request
from a match, payments and the budget statement, how the DP is held and their DP support provider.
Whose pages they are is the API's answer; these tests check the pages pass it on: another holder's
pages are 404, signed out you sign in first, forged forms change nothing."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select
from strawberry.relay import to_base64

from broker.accounts.models import Council, Role, User
from broker.agreements.models import CareRequest
from broker.db import Database
from broker.holders.models import DPHolder, DPHolding
from broker.plans.models import SupportPlan
from broker.providers.models import Provider
from broker.support.models import SupportReferral
from tests.factories import PASSWORD, make_agreement, make_holder, make_payment, make_user
from tests.web.reading import DASH, csrf_of, links_in, page_text, page_title, sign_in

HOLDER = "holder@leeds.example"
REPRESENTATIVE = "representative@leeds.example"
BROKER = "broker@leeds.example"
ACTIVATE = """mutation($id: ID!) { updateSupportPlan(input: {id: $id, status: ACTIVE}) {
  userErrors { message } } }"""


async def _user(db: Database, email: str) -> User:
    async with db.session() as session:
        return (await session.execute(select(User).where(User.email == email))).scalar_one()


async def _demo_holder(db: Database) -> DPHolder:
    user = await _user(db, HOLDER)
    async with db.session() as session:
        return (await session.execute(select(DPHolder).where(DPHolder.user_id == user.id))).scalar_one()


async def _demo_plan(db: Database) -> SupportPlan:
    holder = await _demo_holder(db)
    async with db.session() as session:
        return (
            await session.execute(select(SupportPlan).where(SupportPlan.holder_id == holder.id))
        ).scalar_one()


async def _count(db: Database, model: type) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def _home_links(browser: httpx.AsyncClient) -> tuple[str, str]:
    """The signed-in holder's own home path (with their ID) and their plan's path."""
    home = (await browser.get("/your-care")).text
    (payments,) = [path for path in links_in(home, "/your-care/") if path.endswith("/payments")]
    (plan,) = links_in(home, "/your-care/plans/")
    return payments.removesuffix("/payments"), plan


async def _activate_demo_plan(api, db: Database) -> None:
    plan = await _demo_plan(db)
    answer = await api.data(
        ACTIVATE, {"id": to_base64("SupportPlan", plan.id)}, as_user=await _user(db, BROKER)
    )
    assert answer["updateSupportPlan"]["userErrors"] == []


# --- home ------------------------------------------------------------------------------------------


async def test_a_holder_signs_in_to_their_own_home(browser, demo):
    landed = await sign_in(browser, HOLDER)
    assert landed.headers["location"] == "/your-care"

    page = await browser.get("/your-care")

    assert page.status_code == 200
    assert page_title(page.text) == "Your care and support"
    text = page_text(page.text)
    assert "Direct payment from Leeds City Council" in text
    assert "Personal budget £420.00 a week" in text
    assert "How the payment is held Pre-paid card Change how the payment is held" in text
    assert "Home postcode LS8 2QP" in text and "Representatives Demo Representative" in text
    assert "Support plan starting 26 November 2026 Draft" in text
    assert "Personal care: 10.5 hours a week" in text and "Community access: 3 hours a week" in text
    assert "No agreements yet." in text and "No requests sent yet." in text
    assert 'aria-current="page">Your care<' in page.text
    assert 'href="/caseload"' not in page.text  # staff navigation is for staff
    assert "representative@leeds.example" not in page.text


async def test_a_representative_lands_on_the_home_of_the_person_they_act_for(browser, demo):
    landed = await sign_in(browser, REPRESENTATIVE)
    assert landed.headers["location"] == "/your-care"

    page = await browser.get("/your-care")

    assert page_title(page.text) == "Demo Dp Holder's care"
    text = page_text(page.text)
    assert "You act with and for Demo Dp Holder." in text
    assert "Support plan starting 26 November 2026 Draft" in text


async def test_the_holders_plan_is_read_only_with_its_matches(browser, demo):
    await sign_in(browser, HOLDER)
    _, plan = await _home_links(browser)

    page = await browser.get(plan)

    assert page.status_code == 200
    assert page_title(page.text) == "Support plan starting 26 November 2026"
    text = page_text(page.text)
    assert "What you want to achieve Stay living at home with my wife" in text
    assert f"Personal care 10.5 hours £15.50 an hour Monday 08:00{DASH}09:30" in text
    assert "Language: pa (would like)" in text and "Gender: Male (would like)" in text
    assert "This plan is a draft. You can send requests once the council makes it active." in text
    reasons = re.findall(r'<p class="govuk-body broker-reason">([^<]+)</p>', page.text)
    assert reasons and all(r.startswith("Covers ") for r in reasons)
    assert "Send a request" not in text  # a draft is never sent
    assert "/check" not in page.text and "/about" not in page.text  # nothing to change here


# --- sending a request from a match ----------------------------------------------------------------


async def _send_from_first_match(browser: httpx.AsyncClient, plan: str, message: str) -> httpx.Response:
    plan_page = (await browser.get(plan)).text
    form_path = links_in(plan_page, f"{plan}/requests/new?provider=")[0]
    form = await browser.get(form_path)
    assert form.status_code == 200 and page_title(form.text).startswith("Send a request to ")
    return await browser.post(
        f"{plan}/requests/new",
        data={
            "csrf_token": csrf_of(form.text),
            "providerId": re.search(r'name="providerId" value="([^"]+)"', form.text).group(1),
            "needIds": re.findall(r'name="needIds" type="checkbox" value="([^"]+)" checked', form.text),
            "message": message,
        },
    )


@pytest.mark.parametrize("email", [HOLDER, REPRESENTATIVE])
async def test_the_holder_or_their_representative_sends_a_request_from_a_match(browser, api, db, demo, email):
    await _activate_demo_plan(api, db)
    await sign_in(browser, email)
    _, plan = await _home_links(browser)

    sent = await _send_from_first_match(browser, plan, "Mornings matter most.")

    assert sent.status_code == 303
    assert re.fullmatch(r"/your-care/requests/[^/]+/sent", sent.headers["location"])
    confirmation = await browser.get(sent.headers["location"])
    assert page_title(confirmation.text) == "Request sent"
    text = page_text(confirmation.text)
    assert "has until 3 December 2026 at 10:00am to accept or decline" in text
    assert "Status Waiting for an answer" in text and "Message Mornings matter most." in text
    assert await _count(db, CareRequest) == 1
    home = page_text((await browser.get("/your-care")).text)
    assert "sent 26 November 2026 at 10:00am: Waiting for an answer" in home
    assert "No requests sent for this plan yet." not in page_text((await browser.get(plan)).text)


async def test_a_request_without_needs_shows_the_error_and_keeps_the_message(browser, api, db, demo):
    await _activate_demo_plan(api, db)
    await sign_in(browser, HOLDER)
    _, plan = await _home_links(browser)
    form = await browser.get(links_in((await browser.get(plan)).text, f"{plan}/requests/new?provider=")[0])

    page = await browser.post(
        f"{plan}/requests/new",
        data={
            "csrf_token": csrf_of(form.text),
            "providerId": re.search(r'name="providerId" value="([^"]+)"', form.text).group(1),
            "message": "Please call first.",
        },
    )

    assert page.status_code == 400 and page_title(page.text).startswith("Error: Send a request to")
    assert '<a href="#needIds">Select at least one need to ask about</a>' in page.text
    assert ">Please call first.</textarea>" in page.text
    assert await _count(db, CareRequest) == 0


# --- payments and the budget statement -------------------------------------------------------------


async def test_payments_and_the_budget_statement_show_the_holders_money(browser, db, demo):
    plan = await _demo_plan(db)
    async with db.session() as session:
        provider = (await session.execute(select(Provider).where(Provider.name == "Jo Bloggs"))).scalar_one()
    agreement = await make_agreement(
        db, plan, provider, created_by=await _user(db, BROKER), start_date=date(2026, 11, 2)
    )
    await make_payment(db, agreement, period_start=date(2026, 11, 2), hours=10, amount_pence=14_500)
    await make_payment(
        db, agreement, period_start=date(2026, 11, 9), hours=10, amount_pence=14_500, status="FAILED"
    )
    await sign_in(browser, HOLDER)
    home_path, _ = await _home_links(browser)
    home = page_text((await browser.get(home_path)).text)
    assert (
        "Jo Bloggs Personal care, Community access 10 hours a week at £14.50 an hour (£145.00 a week)" in home
    )

    payments = await browser.get(f"{home_path}/payments")

    assert payments.status_code == 200 and page_title(payments.text) == "Payments made"
    text = page_text(payments.text)
    assert "2 payments from the direct payment" in text
    assert "9 November 2026 to 15 November 2026, 10 hours Jo Bloggs Bank transfer £145.00 Failed" in text
    assert "2 November 2026 to 8 November 2026, 10 hours Jo Bloggs Bank transfer £145.00 Paid" in text

    statement = await browser.get(f"{home_path}/budget-statement", params={"period": "month-2026-11"})

    assert statement.status_code == 200
    assert page_title(statement.text) == "Budget statement: November 2026"
    text = page_text(statement.text)
    assert "1 November 2026 to 30 November 2026" in text
    assert "Allocated £1800.00" in text  # £420 a week for 30 days
    assert "Spent £145.00" in text and "Unspent £1655.00" in text  # the failed payment spent nothing
    assert "Committed £" in text and "The DP year to 31 March 2027" in text
    assert '<option value="month-2026-11" selected>' in statement.text


@pytest.mark.parametrize("period", ["", "year-1999", "month-2026-13", "x" * 5000, "so-far%00"])
async def test_any_other_period_is_the_dp_year_so_far(browser, demo, period):
    await sign_in(browser, HOLDER)
    home_path, _ = await _home_links(browser)

    page = await browser.get(f"{home_path}/budget-statement", params={"period": period})

    assert page.status_code == 200
    assert re.fullmatch(r"Budget statement: 1 April \d{4} to today", page_title(page.text))


# --- how the DP is held ----------------------------------------------------------------------------


@pytest.mark.parametrize("email", [HOLDER, REPRESENTATIVE])
async def test_the_holder_or_representative_changes_how_the_dp_is_held(browser, db, demo, email):
    await sign_in(browser, email)
    home_path, _ = await _home_links(browser)
    form = await browser.get(f"{home_path}/how-it-is-held")
    assert page_title(form.text) == "How the direct payment is held"
    assert 'value="PREPAID_CARD" aria-describedby="heldAs-hint" checked' in form.text

    saved = await browser.post(
        f"{home_path}/how-it-is-held", data={"csrf_token": csrf_of(form.text), "heldAs": "MANAGED_ACCOUNT"}
    )

    assert saved.status_code == 303 and saved.headers["location"] == f"{home_path}?changed=held"
    home = page_text((await browser.get(saved.headers["location"])).text)
    assert "The direct payment is now held as: managed account." in home
    assert "How the payment is held Managed account" in home
    assert (await _demo_holder(db)).held_as is DPHolding.MANAGED_ACCOUNT


@pytest.mark.parametrize("chosen", ["", "OFFSHORE_ACCOUNT", "\x00", "\ud800"])
async def test_no_or_a_made_up_choice_of_holding_is_an_error_and_changes_nothing(browser, db, demo, chosen):
    await sign_in(browser, HOLDER)
    home_path, _ = await _home_links(browser)
    form = await browser.get(f"{home_path}/how-it-is-held")

    page = await browser.post(
        f"{home_path}/how-it-is-held",
        content=f"csrf_token={csrf_of(form.text)}&heldAs={quote(chosen, errors='surrogatepass')}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert page.status_code == 400 and page_title(page.text) == "Error: How the direct payment is held"
    assert '<a href="#heldAs">Select how you want your direct payment to be held</a>' in page.text
    assert (await _demo_holder(db)).held_as is DPHolding.PREPAID_CARD


# --- choosing a DP support provider ----------------------------------------------------------------


async def _choose(browser: httpx.AsyncClient, home_path: str, organisation: str, services: list[str]):
    page = await browser.get(f"{home_path}/support")
    provider_id = re.search(
        rf'value="([^"]+)" aria-describedby="[^"]+">\s*<label class="govuk-label govuk-radios__label" '
        rf'for="[^"]+">{re.escape(organisation)}',
        page.text,
    ).group(1)
    chosen = await browser.post(
        f"{home_path}/support", data={"csrf_token": csrf_of(page.text), "providerId": provider_id}
    )
    assert chosen.status_code == 303, chosen.text
    form = await browser.get(chosen.headers["location"])
    assert page_title(form.text) == f"What do you want {organisation} to do?"
    return await browser.post(
        f"{home_path}/support/services",
        data={"csrf_token": csrf_of(form.text), "providerId": provider_id, "services": services},
    )


async def test_choosing_the_lead_provider_goes_to_them_directly(browser, db, demo):
    await sign_in(browser, HOLDER)
    home_path, _ = await _home_links(browser)
    page = await browser.get(f"{home_path}/support")
    assert page_title(page.text) == "Help with managing the direct payment"
    assert "Leeds Direct Payment Support (the council's lead organisation)" in page_text(page.text)

    done = await _choose(browser, home_path, "Leeds Direct Payment Support", ["MANAGED_ACCOUNT"])

    assert done.status_code == 303 and "/support/referrals/" in done.headers["location"]
    confirmation = await browser.get(done.headers["location"])
    assert page_title(confirmation.text) == "Your choice is recorded"
    text = page_text(confirmation.text)
    assert "Leeds Direct Payment Support has your choice. They will contact you" in text
    assert "Services Third-party supported (managed) account" in text
    assert "How it is arranged Directly with the council's lead organisation" in text
    listed = page_text((await browser.get(f"{home_path}/support")).text)
    assert "Leeds Direct Payment Support : Third-party supported (managed) account Sent" in listed


async def test_the_representative_chooses_another_organisation_under_the_leads_subcontract(browser, db, demo):
    await sign_in(browser, REPRESENTATIVE)
    home_path, _ = await _home_links(browser)

    done = await _choose(browser, home_path, "Aire Payroll Bureau", ["PAYROLL"])

    assert done.status_code == 303
    text = page_text((await browser.get(done.headers["location"])).text)
    assert (
        "Aire Payroll Bureau has your choice, under its agreement with Leeds Direct Payment Support" in text
    )
    async with db.session() as session:
        (referral,) = (await session.execute(select(SupportReferral))).scalars().all()
    assert referral.route.value == "SUBCONTRACT"


async def test_a_support_choice_without_services_or_organisation_is_an_error_and_records_nothing(
    browser, db, demo
):
    await sign_in(browser, HOLDER)
    home_path, _ = await _home_links(browser)
    page = await browser.get(f"{home_path}/support")

    nothing = await browser.post(f"{home_path}/support", data={"csrf_token": csrf_of(page.text)})
    no_services = await _choose(browser, home_path, "Aire Payroll Bureau", [])

    assert nothing.status_code == 400
    assert '<a href="#providerId">Select the organisation you want to support you</a>' in nothing.text
    assert no_services.status_code == 400
    assert '<a href="#services">Select at least one service you want</a>' in no_services.text
    assert await _count(db, SupportReferral) == 0


# --- who may see what ------------------------------------------------------------------------------

SIGNED_IN_PAGES = (
    "/your-care",
    "/your-care/RFBIb2xkZXI6MQ==",
    "/your-care/RFBIb2xkZXI6MQ==/payments",
    "/your-care/RFBIb2xkZXI6MQ==/budget-statement",
    "/your-care/RFBIb2xkZXI6MQ==/how-it-is-held",
    "/your-care/RFBIb2xkZXI6MQ==/support",
    "/your-care/plans/U3VwcG9ydFBsYW46MQ==",
    "/your-care/plans/U3VwcG9ydFBsYW46MQ==/requests/new?provider=UHJvdmlkZXI6MQ==",
    "/your-care/requests/Q2FyZVJlcXVlc3Q6MQ==",
)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
async def test_a_signed_out_visitor_is_asked_to_sign_in_and_comes_back(browser, demo, path):
    page = await browser.get(path)

    assert page.status_code == 303
    assert page.headers["location"] == f"/sign-in?next={quote(path, safe='/')}"
    landed = await sign_in(browser, HOLDER, next_path=path)
    assert landed.headers["location"] == path


async def test_another_holder_sees_none_of_the_demo_holders_pages(browser, api, db, demo):
    await _activate_demo_plan(api, db)
    await sign_in(browser, HOLDER)
    home_path, plan = await _home_links(browser)
    request_form = links_in((await browser.get(plan)).text, f"{plan}/requests/new?provider=")[0]
    sent = await _send_from_first_match(browser, plan, "")
    request_page = sent.headers["location"].removesuffix("/sent")
    await browser.post("/sign-out", data={"csrf_token": csrf_of((await browser.get("/")).text)})
    demo_holder = await _demo_holder(db)
    async with db.session() as session:
        leeds = await session.get(Council, demo_holder.council_id)
    neighbour = await make_user(db, Role.DP_HOLDER, leeds, email="neighbour@leeds.example")
    await make_holder(db, leeds, user=neighbour)
    await sign_in(browser, neighbour.email, PASSWORD)

    own = await browser.get("/your-care")
    assert (
        own.status_code == 200 and "Demo Dp Holder" not in own.text and "Stay living at home" not in own.text
    )
    for path in (
        home_path,
        f"{home_path}/payments",
        f"{home_path}/budget-statement",
        f"{home_path}/how-it-is-held",
        f"{home_path}/support",
        f"{home_path}/support/services?provider=UHJvdmlkZXI6MQ==",
        plan,
        request_form,
        request_page,
    ):
        page = await browser.get(path)
        assert page.status_code == 404, path
        assert "Page not found" in page.text and "Demo Dp Holder" not in page.text
    csrf = csrf_of(own.text)
    changed = await browser.post(
        f"{home_path}/how-it-is-held", data={"csrf_token": csrf, "heldAs": "BANK_ACCOUNT"}
    )
    chosen = await browser.post(f"{home_path}/support", data={"csrf_token": csrf, "providerId": "x"})
    assert changed.status_code == 404 and chosen.status_code == 404
    assert (await _demo_holder(db)).held_as is DPHolding.PREPAID_CARD
    assert await _count(db, SupportReferral) == 0


async def test_forged_holder_forms_are_refused_and_change_nothing(browser, api, db, demo):
    await _activate_demo_plan(api, db)
    await sign_in(browser, HOLDER)
    home_path, plan = await _home_links(browser)
    form = await browser.get(links_in((await browser.get(plan)).text, f"{plan}/requests/new?provider=")[0])
    provider_id = re.search(r'name="providerId" value="([^"]+)"', form.text).group(1)
    forged = "not-this-sessions-token"

    answers = [
        await browser.post(
            f"{home_path}/how-it-is-held", data={"csrf_token": forged, "heldAs": "BANK_ACCOUNT"}
        ),
        await browser.post(f"{home_path}/how-it-is-held", data={"heldAs": "BANK_ACCOUNT"}),
        await browser.post(f"{home_path}/support", data={"csrf_token": forged, "providerId": provider_id}),
        await browser.post(
            f"{home_path}/support/services",
            data={"csrf_token": forged, "providerId": provider_id, "services": ["PAYROLL"]},
        ),
        await browser.post(
            f"{plan}/requests/new", data={"csrf_token": forged, "providerId": provider_id, "needIds": ["x"]}
        ),
    ]

    for answer in answers:
        assert answer.status_code == 400 and "This form has expired" in answer.text
    assert (await _demo_holder(db)).held_as is DPHolding.PREPAID_CARD
    assert await _count(db, CareRequest) == 0 and await _count(db, SupportReferral) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/your-care/%00",
        "/your-care/" + "A" * 5000,
        "/your-care/RFBIb2xkZXI6OTk5OTk5OTk5OTk5OTk5OTk5OQ==/payments?after=%00&page=-1",
        "/your-care/RFBIb2xkZXI6MQ==/payments?after=not-a-cursor",
        "/your-care/plans/%ED%A0%80",
        "/your-care/plans/U3VwcG9ydFBsYW46MQ==/requests/new?provider=" + "x" * 5000,
        "/your-care/requests/UHJvdmlkZXI6MQ==",  # a listing's ID where a request's belongs
        "/your-care/RFBIb2xkZXI6MQ==/support/services?provider=%00",
        "/your-care/RFBIb2xkZXI6MQ==/support/referrals/-1",
    ],
)
async def test_hostile_holder_urls_get_a_page_never_a_crash(browser, demo, path):
    await sign_in(browser, HOLDER)

    page = await browser.get(path)

    assert page.status_code in (200, 404), page.status_code
    assert "Traceback" not in page.text and "Sorry, there is a problem" not in page.text


async def test_staff_have_no_holder_home(browser, demo):
    await sign_in(browser, BROKER)

    page = await browser.get("/your-care")

    assert page.status_code == 404
    assert 'href="/your-care"' not in page.text  # nor the holder's navigation
