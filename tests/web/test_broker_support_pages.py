"""A council broker's matching and DP support pages over HTTP, as a browser without JavaScript would:
why a provider is not a match, a team for a plan, allocating several plans and sending the requests,
the council's DP support contracts, proposing a subcontract, and recording a person's choice of
support provider with where it was routed. Who may do what is the API's answer; these tests check
the pages pass it on (sign in first, 403 for other roles, nothing written on a refused form)."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select

from broker.accounts.models import Role
from broker.agreements.models import CareRequest
from broker.db import Database
from broker.support.models import LeadContract, Subcontract, SupportReferral
from tests.factories import PASSWORD, make_council, make_user
from tests.web.reading import DASH, csrf_of, links_in, page_text, page_title, sign_in

BROKER = "broker@leeds.example"
HOLDER_ONE = "/holders/RFBIb2xkZXI6MQ=="  # Demo Dp Holder
PLAN_ONE = "/plans/U3VwcG9ydFBsYW46MQ=="
REFERRAL_ONE = "/support-referrals/U3VwcG9ydFJlZmVycmFsOjE="
PAGES = (
    f"{PLAN_ONE}/why-not",
    f"{PLAN_ONE}/team",
    "/allocation",
    "/dp-support",
    "/dp-support/subcontracts/new",
    "/dp-support/lead-contracts/new",
    f"{HOLDER_ONE}/dp-support",
)


async def _rows(db: Database, model: type) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def _options(page: str, name: str) -> dict[str, str]:
    """A select's choices: label to value."""
    block = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return {
        html.unescape(label): html.unescape(value)
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block)
        if value
    }


def _checkboxes(page: str, name: str) -> list[tuple[str, bool]]:
    return [
        (html.unescape(value), bool(checked))
        for value, checked in re.findall(
            rf'name="{name}" type="checkbox" value="([^"]*)"(?: aria-describedby="[^"]*")?( checked)?', page
        )
    ]


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
async def test_a_signed_out_visitor_is_asked_to_sign_in_and_comes_back(browser, demo, path):
    page = await browser.get(path)

    assert page.status_code == 303
    assert page.headers["location"] == f"/sign-in?next={quote(path, safe='/')}"
    landed = await sign_in(browser, BROKER, next_path=path)
    assert landed.headers["location"] == path
    assert (await browser.get(path)).status_code == 200


async def test_a_signed_out_form_post_goes_to_sign_in_and_writes_nothing(browser, demo, db):
    answer = await browser.post("/allocation/send", data={"assignments": "a b c"})

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in?next=")
    assert await _rows(db, CareRequest) == 0


@pytest.mark.parametrize("email", ["provider@leeds.example", "holder@leeds.example"])
@pytest.mark.parametrize("path", PAGES)
async def test_providers_and_holders_get_the_403_page(browser, demo, email, path):
    await sign_in(browser, email)

    page = await browser.get(path)

    assert page.status_code == 403
    assert page_title(page.text) == "You cannot see this page"


async def test_a_provider_posting_an_allocation_or_a_choice_gets_the_403_page_and_nothing_changes(
    browser, demo, db
):
    await sign_in(browser, "provider@leeds.example")
    token = csrf_of((await browser.get("/sign-in")).text)
    before = (await _rows(db, CareRequest), await _rows(db, Subcontract))

    proposed = await browser.post(
        "/allocation", data={"planIds": "U3VwcG9ydFBsYW46MQ==", "csrf_token": token}
    )
    subcontract = await browser.post(
        "/dp-support/subcontracts/new",
        data={
            "leadContractId": "TGVhZENvbnRyYWN0OjE=",
            "subcontractorId": "x",
            "services": "PAYROLL",
            "csrf_token": token,
        },
    )

    assert proposed.status_code == 403
    assert subcontract.status_code == 403
    assert (await _rows(db, CareRequest), await _rows(db, Subcontract)) == before


async def test_another_councils_broker_sees_none_of_leeds(browser, demo, db):
    elsewhere = await make_council(db, "Bradford Council")
    await make_user(db, Role.BROKER, elsewhere, email="broker@bradford.example")
    await sign_in(browser, "broker@bradford.example", PASSWORD)

    for path in (f"{PLAN_ONE}/why-not", f"{PLAN_ONE}/team", f"{HOLDER_ONE}/dp-support"):
        page = await browser.get(path)
        assert page.status_code in (403, 404), path
        assert "Demo Dp Holder" not in page.text
    contracts = await browser.get("/dp-support")
    allocation = await browser.get("/allocation")

    assert contracts.status_code == 200
    assert "Leeds Direct Payment Support" not in contracts.text
    assert "The council has no lead contract for DP support." in page_text(contracts.text)
    assert "No active support plans to allocate." in page_text(allocation.text)


# --- why not this provider? ----------------------------------------------------------------------


async def test_a_broker_asks_why_a_provider_is_not_a_match_and_reads_each_rule(browser, demo):
    await sign_in(browser, BROKER)
    plan = await browser.get(PLAN_ONE)
    assert f'href="{PLAN_ONE}/why-not"' in plan.text
    choices = await browser.get(f"{PLAN_ONE}/why-not")
    bureau = _options(choices.text, "provider")["Aire Payroll Bureau"]

    page = await browser.get(f"{PLAN_ONE}/why-not?provider={quote(bureau)}")

    assert page.status_code == 200
    assert page_title(page.text) == "Why Aire Payroll Bureau is not a match (plan for Demo Dp Holder)"
    text = page_text(page.text)
    assert "Aire Payroll Bureau is not a match for this plan" in text
    assert "Offers the services Failed" in text
    assert "Listing published Passed" in text
    assert text.count("Passed") + text.count("Failed") == 8  # every rule, each with its verdict
    assert "Send a request" not in text
    assert f'<option value="{bureau}" selected>' in page.text  # the choice is kept


async def test_a_broker_sees_why_a_matching_provider_matches_and_can_send_a_request(browser, demo):
    await sign_in(browser, BROKER)
    choices = await browser.get(f"{PLAN_ONE}/why-not")
    jo = _options(choices.text, "provider")["Jo Bloggs"]

    page = await browser.get(f"{PLAN_ONE}/why-not?provider={quote(jo)}")

    text = page_text(page.text)
    assert "Travels that far Passed" in text
    assert "Covers" in text and "hours a week" in text


async def test_explaining_without_choosing_a_provider_shows_the_error_summary(browser, demo):
    await sign_in(browser, BROKER)

    page = await browser.get(f"{PLAN_ONE}/why-not?provider=")

    assert page.status_code == 400
    assert page_title(page.text) == "Error: Why not this provider? (plan for Demo Dp Holder)"
    assert '<a href="#provider">Select a provider to see why they are or are not a match</a>' in page.text
    select = 'class="govuk-select govuk-select--error" id="provider" name="provider"'
    assert f'{select} aria-describedby="provider-error"' in page.text
    assert 'id="provider-error"' in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/plans/not-an-id/why-not",
        "/plans/%00/team",
        "/plans/" + "A" * 5000 + "/team",
        f"{PLAN_ONE}/why-not?provider=%00",
        f"{PLAN_ONE}/why-not?provider=" + "x" * 5000,
        f"{PLAN_ONE}/why-not?provider=U3VwcG9ydFBsYW46MQ==",  # a plan's ID where a provider's goes
        "/plans/UHJvdmlkZXI6OTk5OTk5OTk5OTk5OTk5OTk5OTk5/team",
        "/support-referrals/not-an-id",
        "/holders/%F0%9F%92%A9/dp-support",
    ],
)
async def test_hostile_ids_in_the_address_are_the_404_page(browser, demo, path):
    await sign_in(browser, BROKER)

    page = await browser.get(path)

    assert page.status_code == 404
    assert page_title(page.text) == "Page not found"


# --- a team ------------------------------------------------------------------------------------


async def test_a_broker_sees_which_provider_of_a_team_covers_which_slots(browser, demo):
    await sign_in(browser, BROKER)
    plan = await browser.get(PLAN_ONE)
    assert f'href="{PLAN_ONE}/team"' in plan.text

    page = await browser.get(f"{PLAN_ONE}/team")

    assert page.status_code == 200
    assert page_title(page.text) == "A team for the plan for Demo Dp Holder"
    text = page_text(page.text)
    assert "Hours covered 12.5 of 13.5 hours a week" in text
    assert "Jo Bloggs Personal assistant, £14.50 an hour: 12 hours a week in all." in text
    assert f"Personal care 9 hours Monday 08:00{DASH}09:30" in text
    assert f"Community access 3 hours Friday 12:00{DASH}15:00" in text
    assert "Send a request" not in text  # the plan is a draft: requests wait until it is active


# --- allocating several plans --------------------------------------------------------------------


async def test_a_broker_allocates_two_plans_and_sends_the_proposed_requests(browser, demo, db):
    await sign_in(browser, BROKER)
    caseload = await browser.get("/caseload")
    assert 'href="/allocation"' in caseload.text
    choose = await browser.get("/allocation")
    plans = [value for value, _ in _checkboxes(choose.text, "planIds")][:2]

    proposal = await browser.post("/allocation", data={"planIds": plans, "csrf_token": csrf_of(choose.text)})

    assert proposal.status_code == 200, page_text(proposal.text)
    assert page_title(proposal.text) == "Proposed allocation"
    assignments = _checkboxes(proposal.text, "assignments")
    assert assignments and all(checked for _, checked in assignments)
    assert {a.split(" ")[0] for a, _ in assignments} <= set(plans)
    assert await _rows(db, CareRequest) == 0  # a proposal books nothing

    sent = await browser.post(
        "/allocation/send",
        data={
            "assignments": [a for a, _ in assignments],
            "csrf_token": csrf_of(proposal.text),
            **dict(re.findall(r'name="(label [^"]+)" value="([^"]*)"', html.unescape(proposal.text))),
        },
    )

    assert sent.status_code == 200
    assert page_title(sent.text) == "Requests from the allocation"
    groups = {tuple(a.split(" ")[:2]) for a, _ in assignments}
    assert await _rows(db, CareRequest) == len(groups)
    assert f"{len(groups)} of {len(groups)}" in page_text(sent.text)
    assert len(links_in(sent.text, "/care-requests/")) == len(groups)


async def test_allocating_no_plan_or_a_bad_one_shows_the_error_summary_with_choices_kept(browser, demo, db):
    await sign_in(browser, BROKER)
    choose = await browser.get("/allocation")
    token = csrf_of(choose.text)
    good = _checkboxes(choose.text, "planIds")[0][0]

    nothing = await browser.post("/allocation", data={"csrf_token": token})
    hostile = await browser.post(
        "/allocation", data={"planIds": [good, "not-an-id\x00"], "csrf_token": token}
    )

    assert nothing.status_code == 400
    assert page_title(nothing.text) == "Error: Allocate several plans"
    assert '<a href="#planIds">Select at least one support plan to allocate</a>' in nothing.text
    assert hostile.status_code == 400
    assert "There is a problem" in hostile.text
    assert (good, True) in _checkboxes(hostile.text, "planIds")
    assert await _rows(db, CareRequest) == 0


async def test_sending_no_assignment_or_a_forged_one_sends_nothing(browser, demo, db):
    await sign_in(browser, BROKER)
    token = csrf_of((await browser.get("/allocation")).text)

    nothing = await browser.post("/allocation/send", data={"csrf_token": token})
    forged = await browser.post(
        "/allocation/send", data={"assignments": "U3VwcG9ydFBsYW46MQ== x\x00 y", "csrf_token": token}
    )
    malformed = await browser.post("/allocation/send", data={"assignments": "one-part", "csrf_token": token})

    assert nothing.status_code == 400 and "Select at least one assignment" in nothing.text
    assert forged.status_code == 200 and "Not sent" in page_text(forged.text)
    assert malformed.status_code == 404
    assert await _rows(db, CareRequest) == 0


@pytest.mark.parametrize(
    "path,data",
    [
        ("/allocation", {"planIds": "U3VwcG9ydFBsYW46MQ=="}),
        ("/allocation/send", {"assignments": "a b c"}),
        ("/dp-support/subcontracts/new", {"leadContractId": "x", "subcontractorId": "y"}),
        ("/dp-support/lead-contracts/new", {"leadProviderId": "x", "services": "PAYROLL"}),
        (f"{HOLDER_ONE}/dp-support", {"providerId": "x", "services": "PAYROLL"}),
    ],
)
async def test_a_forged_csrf_token_is_refused_and_nothing_is_written(browser, demo, db, path, data):
    await sign_in(browser, BROKER)
    before = [await _rows(db, m) for m in (CareRequest, Subcontract, SupportReferral)]

    answer = await browser.post(path, data={**data, "csrf_token": "forged"})

    assert answer.status_code == 400
    assert "This form has expired" in page_text(answer.text)
    assert [await _rows(db, m) for m in (CareRequest, Subcontract, SupportReferral)] == before


# --- DP support ----------------------------------------------------------------------------------


async def test_a_broker_reads_the_councils_lead_contract_and_its_subcontracts(browser, demo):
    await sign_in(browser, BROKER)
    assert 'href="/dp-support"' in (await browser.get("/caseload")).text

    page = await browser.get("/dp-support")

    assert page_title(page.text) == "DP support contracts"
    text = page_text(page.text)
    assert "Leeds Direct Payment Support Runs 1 April 2026 to 31 March 2029 In force" in text
    assert "Worth £250,000.00 a year" in text
    assert "Aire Payroll Bureau Leeds Direct Payment Support Payroll service" in text
    assert "0 referrals" in text


async def test_a_broker_proposes_a_subcontract_and_sees_who_must_accept(browser, demo, db):
    await sign_in(browser, BROKER)
    form = await browser.get("/dp-support/subcontracts/new")
    contract = _options(form.text, "leadContractId")
    organisation = _options(form.text, "subcontractorId")["Lake Melanie Payroll and Support"]

    answer = await browser.post(
        "/dp-support/subcontracts/new",
        data={
            "leadContractId": next(iter(contract.values())),
            "subcontractorId": organisation,
            "services": ["MANAGED_ACCOUNT"],
            "csrf_token": csrf_of(form.text),
        },
    )

    assert answer.status_code == 303, page_text(answer.text)
    assert answer.headers["location"] == "/dp-support?proposed=1"
    page = page_text((await browser.get(answer.headers["location"])).text)
    assert "Subcontract proposed." in page
    assert (
        "Lake Melanie Payroll and Support Leeds Direct Payment Support "
        "Third-party supported (managed) account" in page
    )
    assert "Proposed Waiting for the lead provider and the subcontractor to accept" in page
    assert await _rows(db, Subcontract) == 2


async def test_a_subcontract_form_with_answers_missing_or_refused_keeps_what_was_entered(browser, demo, db):
    await sign_in(browser, BROKER)
    form = await browser.get("/dp-support/subcontracts/new")
    token = csrf_of(form.text)
    contract = next(iter(_options(form.text, "leadContractId").values()))
    lead = _options(form.text, "subcontractorId")["Leeds Direct Payment Support"]

    missing = await browser.post(
        "/dp-support/subcontracts/new", data={"leadContractId": contract, "csrf_token": token}
    )
    to_the_lead = await browser.post(
        "/dp-support/subcontracts/new",
        data={
            "leadContractId": contract,
            "subcontractorId": lead,
            "services": "PAYROLL",
            "csrf_token": token,
        },
    )
    not_a_service = await browser.post(
        "/dp-support/subcontracts/new",
        data={
            "leadContractId": contract,
            "subcontractorId": lead,
            "services": "NOT_A_SERVICE\x00",
            "csrf_token": token,
        },
    )

    assert missing.status_code == 400
    assert page_title(missing.text) == "Error: Propose a subcontract"
    assert '<a href="#subcontractorId">Select the organisation to subcontract to</a>' in missing.text
    assert '<a href="#services">Select at least one service</a>' in missing.text
    assert f'<option value="{contract}" selected>' in missing.text
    assert to_the_lead.status_code == 400 and "There is a problem" in to_the_lead.text
    assert f'<option value="{lead}" selected>' in to_the_lead.text
    assert 'value="PAYROLL" checked' in to_the_lead.text
    assert not_a_service.status_code == 400 and "There is a problem" in not_a_service.text
    assert await _rows(db, Subcontract) == 1


def _lead_contract(token: str, provider: str, **changes: object) -> dict[str, object]:
    return {
        "leadProviderId": provider,
        "services": ["PAYROLL"],
        "startDate-day": "1",
        "startDate-month": "4",
        "startDate-year": "2029",
        "endDate-day": "31",
        "endDate-month": "3",
        "endDate-year": "2030",
        "annualValue": "120,000",
        "csrf_token": token,
    } | changes


async def test_a_broker_records_a_lead_contract_and_sees_it_listed(browser, demo, db):
    await sign_in(browser, BROKER)
    listed = await browser.get("/dp-support")
    assert 'href="/dp-support/lead-contracts/new"' in listed.text
    form = await browser.get("/dp-support/lead-contracts/new")
    organisation = _options(form.text, "leadProviderId")["Lake Melanie Payroll and Support"]

    answer = await browser.post(
        "/dp-support/lead-contracts/new",
        data=_lead_contract(csrf_of(form.text), organisation, services=["MANAGED_ACCOUNT"]),
    )

    assert page_title(form.text) == "Record a lead contract"
    assert dict(_checkboxes(form.text, "services"))["PAYROLL"] is False
    assert answer.status_code == 303, page_text(answer.text)
    assert answer.headers["location"] == "/dp-support?contracted=1"
    page = page_text((await browser.get(answer.headers["location"])).text)
    assert "Lead contract recorded." in page
    assert "Lake Melanie Payroll and Support Runs 1 April 2029 to 31 March 2030 Not in force" in page
    assert "Worth £120,000.00 a year" in page
    assert await _rows(db, LeadContract) == 2


async def test_a_lead_contract_form_with_answers_missing_or_refused_keeps_what_was_entered(browser, demo, db):
    await sign_in(browser, BROKER)
    form = await browser.get("/dp-support/lead-contracts/new")
    token = csrf_of(form.text)
    lead = _options(form.text, "leadProviderId")["Leeds Direct Payment Support (lead provider)"]

    missing = await browser.post(
        "/dp-support/lead-contracts/new",
        data={"csrf_token": token, "startDate-day": "31", "startDate-month": "2", "startDate-year": "2029"},
    )
    overlapping = await browser.post(
        "/dp-support/lead-contracts/new",
        data=_lead_contract(token, lead, **{"startDate-year": "2027", "endDate-year": "2028"}),
    )
    backwards = await browser.post(
        "/dp-support/lead-contracts/new",
        data=_lead_contract(token, lead, **{"endDate-year": "2028"}),
    )

    assert missing.status_code == 400
    assert page_title(missing.text) == "Error: Record a lead contract"
    for field, message in (
        ("leadProviderId", "Select the lead provider"),
        ("services", "Select at least one service"),
        ("startDate", "Start date must be a real date, for example 1 4 2027"),
        ("endDate", "Enter the last day of the contract"),
        ("annualValue", "Enter what the contract is worth a year in pounds, for example 120000"),
    ):
        assert f'<a href="#{field}">{message}</a>' in missing.text
    assert 'name="startDate-day" type="text" inputmode="numeric" value="31"' in missing.text
    assert overlapping.status_code == 400
    assert '<a href="#services">The council already has a lead contract for' in overlapping.text
    assert f'<option value="{lead}" selected>' in overlapping.text
    assert 'value="PAYROLL" checked' in overlapping.text
    assert 'name="annualValue" type="text" inputmode="decimal" spellcheck="false" value="120,000"' in (
        overlapping.text
    )
    assert backwards.status_code == 400 and "There is a problem" in backwards.text
    assert await _rows(db, LeadContract) == 1


async def test_a_provider_posting_a_lead_contract_gets_the_403_page_and_nothing_is_written(browser, demo, db):
    await sign_in(browser, "provider@leeds.example")
    token = csrf_of((await browser.get("/sign-in")).text)

    answer = await browser.post(
        "/dp-support/lead-contracts/new", data=_lead_contract(token, "UHJvdmlkZXI6MQ==")
    )

    assert answer.status_code == 403
    assert await _rows(db, LeadContract) == 1


async def _choose(browser: httpx.AsyncClient, organisation: str, services: list[str]) -> httpx.Response:
    form = await browser.get(f"{HOLDER_ONE}/dp-support")
    provider = _options(form.text, "providerId")[organisation]
    return await browser.post(
        f"{HOLDER_ONE}/dp-support",
        data={"providerId": provider, "services": services, "csrf_token": csrf_of(form.text)},
    )


@pytest.mark.parametrize(
    "organisation,services,route,why",
    [
        (
            "Leeds Direct Payment Support (lead provider)",
            ["DP_SUPPORT_SERVICE"],
            "Direct to the lead provider",
            "It went straight to Leeds Direct Payment Support, the council's lead provider",
        ),
        (
            "Aire Payroll Bureau (subcontractor)",
            ["PAYROLL"],
            "Under a subcontract",
            "it works under a subcontract from Leeds Direct Payment Support",
        ),
        (
            "Lake Melanie Payroll and Support",
            ["MANAGED_ACCOUNT"],
            "Under a subcontract",
            "no active subcontract from Leeds Direct Payment Support covers these services, so a subcontract "
            "was proposed",
        ),
    ],
)
async def test_a_broker_records_a_persons_choice_and_sees_where_it_was_routed_and_why(
    browser, demo, db, organisation, services, route, why
):
    await sign_in(browser, BROKER)
    holder = await browser.get(HOLDER_ONE)
    assert f'href="{HOLDER_ONE}/dp-support"' in holder.text

    answer = await _choose(browser, organisation, services)

    assert answer.status_code == 303, page_text(answer.text)
    assert answer.headers["location"].startswith("/support-referrals/")
    page = await browser.get(answer.headers["location"])
    text = page_text(page.text)
    assert "Choice recorded for Demo Dp Holder." in text
    assert f"Route {route}" in text
    assert why in text
    assert await _rows(db, SupportReferral) == 1
    listed = page_text((await browser.get(f"{HOLDER_ONE}/dp-support")).text)
    assert route in listed


async def test_a_choice_with_answers_missing_keeps_what_was_entered(browser, demo, db):
    await sign_in(browser, BROKER)
    form = await browser.get(f"{HOLDER_ONE}/dp-support")
    lead = _options(form.text, "providerId")["Leeds Direct Payment Support (lead provider)"]

    no_services = await browser.post(
        f"{HOLDER_ONE}/dp-support", data={"providerId": lead, "csrf_token": csrf_of(form.text)}
    )
    nobody = await browser.post(
        f"{HOLDER_ONE}/dp-support", data={"services": "PAYROLL", "csrf_token": csrf_of(form.text)}
    )
    hostile = await browser.post(
        f"{HOLDER_ONE}/dp-support",
        data={"providerId": "\x00" * 300, "services": "PAYROLL", "csrf_token": csrf_of(form.text)},
    )

    assert no_services.status_code == 400
    assert page_title(no_services.text) == "Error: DP support for Demo Dp Holder"
    assert '<a href="#services">Select at least one service</a>' in no_services.text
    assert f'<option value="{lead}" selected>' in no_services.text
    assert nobody.status_code == 400 and 'value="PAYROLL" checked' in nobody.text
    assert hostile.status_code == 400 and "There is a problem" in hostile.text
    assert await _rows(db, SupportReferral) == 0


async def test_another_councils_broker_cannot_open_a_leeds_referral(browser, demo, db):
    await sign_in(browser, BROKER)
    answer = await _choose(browser, "Leeds Direct Payment Support (lead provider)", ["DP_SUPPORT_SERVICE"])
    referral = answer.headers["location"].split("?")[0]
    await browser.post("/sign-out", data={"csrf_token": csrf_of((await browser.get("/caseload")).text)})
    elsewhere = await make_council(db, "Bradford Council")
    await make_user(db, Role.BROKER, elsewhere, email="broker@bradford.example")
    await sign_in(browser, "broker@bradford.example", PASSWORD)

    page = await browser.get(referral)

    assert page.status_code in (403, 404)
    assert "Demo Dp Holder" not in page.text
