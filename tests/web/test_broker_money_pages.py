"""A council broker's holder and money pages over HTTP, as a browser without JavaScript would: finding
people in the caseload, adding a person and their sign-in, the agreement from an accepted request
(with the card warning), payments, the budget statement, the annual audit and its CSV, accreditation
checks, and reconciling an imported account statement.

Who may see what is the API's answer; these tests check the pages pass it on: sign in first, the 403
page, another council's IDs the 404 page, a forged form refused, bad answers shown back with the error
summary and the input kept."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select
from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.agreements.models import Agreement, AgreementStatus, BlockedMerchantCategory
from broker.holders.models import DPHolder, DPHolding
from broker.payments.models import Payment
from broker.providers.models import Accreditation
from tests.factories import (
    PASSWORD,
    adjust_provider,
    count,
    make_agreement,
    make_care_request,
    make_council,
    make_holder,
    make_plan,
    make_provider,
    make_user,
)
from tests.web.reading import csrf_of, links_in, page_text, page_title

CARD_STATEMENT = (
    "Date,Merchant,MCC,Amount,Reference\n"
    "2026-11-03,Jo Bloggs,8099,145.00,INV-1103\n"
    "2026-11-18,Sunny Holidays,4722,400.00,H1\n"
)


@dataclass
class World:
    broker: User
    holder: Any
    holder_user: User
    provider_user: User
    jo: Any
    request: Any
    active: Any
    other_holder: Any

    @property
    def holder_id(self) -> str:
        return to_base64("DPHolder", self.holder.id)

    @property
    def request_id(self) -> str:
        return to_base64("CareRequest", self.request.id)

    @property
    def active_id(self) -> str:
        return to_base64("Agreement", self.active.id)

    @property
    def jo_id(self) -> str:
        return to_base64("Provider", self.jo.id)


async def _name(db, user: User, full_name: str) -> None:
    async with db.transaction() as session:
        (await session.get(User, user.id)).full_name = full_name


@pytest.fixture
async def world(db) -> World:
    leeds = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, leeds, email="broker@leeds.example")
    holder_user = await make_user(db, Role.DP_HOLDER, leeds, email="amina@leeds.example")
    await _name(db, holder_user, "Amina Khan")
    holder = await make_holder(db, leeds, user=holder_user)
    async with db.transaction() as session:
        (await session.get(DPHolder, holder.id)).held_as = DPHolding.PREPAID_CARD
    other = await make_user(db, Role.DP_HOLDER, leeds, email="brian@leeds.example")
    await _name(db, other, "Brian Oakes")
    other_holder = await make_holder(db, leeds, user=other, weekly_budget_pence=50_000, district="LS6")
    plan = await make_plan(db, holder)
    provider_user = await make_user(db, Role.PROVIDER, leeds, email="jo@pa.example")
    jo = await make_provider(db, leeds, owner=provider_user, name="Jo Bloggs")
    await adjust_provider(db, jo, merchant_category_code="7299")
    kim = await make_provider(db, leeds, name="Kim Care Ltd")
    async with db.transaction() as session:
        session.add(BlockedMerchantCategory(council_id=leeds.id, code="7299"))
    request = await make_care_request(
        db, plan, jo, sent_by=broker, status="ACCEPTED", responded_by=provider_user
    )
    active = await make_agreement(db, plan, kim, created_by=broker, start_date=date(2026, 4, 6))
    return World(broker, holder, holder_user, provider_user, jo, request, active, other_holder)


async def _sign_in(browser: httpx.AsyncClient, email: str) -> None:
    form = await browser.get("/sign-in")
    answer = await browser.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    )
    assert answer.status_code == 303, answer.text


def _pages(world: World) -> list[str]:
    return [
        "/caseload/add",
        f"/care-requests/{world.request_id}/agreement",
        f"/agreements/{world.active_id}",
        f"/agreements/{world.active_id}/payments/new",
        f"/holders/{world.holder_id}/budget",
        f"/audit?holder={world.holder_id}",
        f"/providers/{world.jo_id}/checks",
        f"/holders/{world.holder_id}/statement-lines",
        f"/holders/{world.holder_id}/statements/import",
    ]


# --- who may ------------------------------------------------------------------------------------


async def test_a_signed_out_visitor_is_asked_to_sign_in_first_on_every_page(browser, world):
    for path in _pages(world):
        page = await browser.get(path)
        assert page.status_code == 303, path
        assert page.headers["location"] == f"/sign-in?next={quote(path, safe='/')}", path


async def test_the_councils_broker_opens_every_page(browser, world):
    await _sign_in(browser, world.broker.email)
    titles = set()
    for path in _pages(world):
        page = await browser.get(path)
        assert page.status_code == 200, (path, page_text(page.text)[:300])
        assert "Sorry, there is a problem" not in page.text
        titles.add(page_title(page.text))
    assert len(titles) == len(_pages(world))  # each page its own title


async def test_a_broker_of_another_council_gets_the_404_page_for_leeds_people(browser, db, world):
    york = await make_council(db, "City of York Council")
    york_broker = await make_user(db, Role.BROKER, york, email="broker@york.example")
    await _sign_in(browser, york_broker.email)

    for path in _pages(world)[1:]:
        page = await browser.get(path)
        if path.startswith("/audit"):
            assert page.status_code == 404, path  # York's audit has no Leeds person in it
        elif path.startswith("/providers/"):
            # The listing is public, its check records are not: York reads none of them.
            assert page.status_code == 200 and "Checks on record" not in page.text
        else:
            assert page.status_code == 404, path
        assert "Amina Khan" not in page.text


@pytest.mark.parametrize("who", ["provider", "holder"])
async def test_a_provider_or_holder_is_refused_the_brokers_pages(browser, db, world, who):
    user = world.provider_user if who == "provider" else world.holder_user
    await _sign_in(browser, user.email)

    brian = to_base64("DPHolder", world.other_holder.id)
    for path in ("/caseload", "/audit", f"/holders/{brian}/statement-lines", f"/holders/{brian}/budget"):
        page = await browser.get(path)
        assert page.status_code in (403, 404), path
        assert "Sorry, there is a problem" not in page.text
    created = await browser.post(
        "/caseload/add",
        data={
            "csrf_token": csrf_of((await browser.get("/caseload/add")).text),
            "fullName": "Someone New",
            "email": "new@leeds.example",
            "password": "a long enough password 2026",
        },
    )
    assert created.status_code in (400, 403)
    assert await count(db, User) == 4


# --- the caseload -------------------------------------------------------------------------------


async def test_a_broker_finds_a_person_by_name_and_filters_and_orders_the_caseload(browser, world):
    await _sign_in(browser, world.broker.email)

    found = await browser.get("/caseload", params={"text": "khan"})
    by_card = await browser.get("/caseload", params={"heldAs": "PREPAID_CARD"})
    by_budget = await browser.get("/caseload", params={"sort": "WEEKLY_BUDGET"})

    assert page_title(found.text) == "Caseload (filtered)"
    assert "1 person found" in page_text(found.text)
    assert "Amina Khan" in found.text and "Brian Oakes" not in found.text
    assert 'value="khan"' in found.text  # the search is kept in the box
    assert "Amina Khan" in by_card.text and "Brian Oakes" not in by_card.text
    text = page_text(by_budget.text)
    assert text.index("Brian Oakes") < text.index("Amina Khan")
    assert '<option value="WEEKLY_BUDGET" selected>' in by_budget.text


@pytest.mark.parametrize("text", ["Amina\x00", "%", "x" * 5000])
async def test_hostile_caseload_searches_get_a_page_never_a_crash(browser, world, text):
    await _sign_in(browser, world.broker.email)

    page = await browser.get(
        "/caseload", params={"text": text, "heldAs": "<script>alert(1)</script>", "sort": "DROP"}
    )

    assert page.status_code in (200, 400)
    assert "Sorry, there is a problem" not in page.text
    assert "<script>alert" not in page.text
    if page.status_code == 400:
        assert "There is a problem" in page.text and 'href="#text"' in page.text


# --- adding a person ----------------------------------------------------------------------------


async def test_a_broker_adds_a_person_and_their_sign_in_in_two_steps(browser, db, world):
    await _sign_in(browser, world.broker.email)
    form = await browser.get("/caseload/add")

    made = await browser.post(
        "/caseload/add",
        data={
            "csrf_token": csrf_of(form.text),
            "fullName": "Zofia Nowak",
            "email": "zofia@leeds.example",
            "password": "a long enough password 2026",
        },
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/caseload/add/")
    profile = await browser.get(made.headers["location"])
    assert page_title(profile.text) == "Add a person: their direct payment"
    assert "Their sign-in is saved as zofia@leeds.example" in page_text(profile.text)

    refused = await browser.post(
        made.headers["location"],
        data={
            "csrf_token": csrf_of(profile.text),
            "weeklyBudget": "325",
            "heldAs": "BANK_ACCOUNT",
            "homePostcode": "ZZ99 9ZZ",
        },
    )
    assert refused.status_code == 400
    assert 'href="#homePostcode"' in refused.text and 'value="325"' in refused.text
    saved = await browser.post(
        made.headers["location"],
        data={
            "csrf_token": csrf_of(profile.text),
            "weeklyBudget": "325.00",
            "heldAs": "BANK_ACCOUNT",
            "homePostcode": "LS8 2CD",
        },
    )

    assert saved.status_code == 303
    holder = await browser.get(saved.headers["location"])
    text = page_text(holder.text)
    assert "Zofia Nowak is in the caseload and can sign in" in text
    assert "Personal budget £325.00 a week" in text and "How the payment is held Bank account" in text
    async with db.session() as session:
        user = (await session.execute(select(User).where(User.email == "zofia@leeds.example"))).scalar_one()
    assert user.role is Role.DP_HOLDER


async def test_adding_a_person_with_bad_answers_shows_them_back_with_the_errors(browser, db, world):
    await _sign_in(browser, world.broker.email)
    form = await browser.get("/caseload/add")

    empty = await browser.post("/caseload/add", data={"csrf_token": csrf_of(form.text), "fullName": "Zofia"})
    taken = await browser.post(
        "/caseload/add",
        data={
            "csrf_token": csrf_of(form.text),
            "fullName": "Amina Again",
            "email": "amina@leeds.example",
            "password": "a long enough password 2026",
        },
    )

    assert empty.status_code == 400 and page_title(empty.text).startswith("Error:")
    assert 'href="#email"' in empty.text and 'href="#password"' in empty.text
    assert 'value="Zofia"' in empty.text
    assert taken.status_code == 400 and 'href="#email"' in taken.text and 'value="Amina Again"' in taken.text
    assert await count(db, User) == 4


async def test_a_forged_add_a_person_form_is_refused_and_adds_nobody(browser, db, world):
    await _sign_in(browser, world.broker.email)

    page = await browser.post(
        "/caseload/add",
        data={"csrf_token": "forged", "fullName": "X", "email": "x@leeds.example", "password": "p" * 20},
    )

    assert page.status_code == 400 and "This form has expired" in page.text
    assert await count(db, User) == 4


# --- the agreement ------------------------------------------------------------------------------


async def test_a_broker_makes_the_agreement_from_an_accepted_request_and_sees_the_card_warning(
    browser, db, world
):
    await _sign_in(browser, world.broker.email)
    request_page = await browser.get(f"/care-requests/{world.request_id}")
    assert f"/care-requests/{world.request_id}/agreement" in links_in(request_page.text, "/care-requests/")
    form = await browser.get(f"/care-requests/{world.request_id}/agreement")
    assert page_title(form.text) == "Set out the agreement with Jo Bloggs"
    slots = re.findall(r'name="slots" type="checkbox" value="([^"]+)" checked', form.text)
    assert slots == ["MONDAY|09:00|14:00", "WEDNESDAY|09:00|14:00"]
    assert 'value="14.50"' in form.text and 'value="10"' in form.text

    made = await browser.post(
        f"/care-requests/{world.request_id}/agreement",
        data={
            "csrf_token": csrf_of(form.text),
            "slots": slots,
            "hoursPerWeek": "10",
            "hourlyRate": "14.50",
            "startDate-day": "7",
            "startDate-month": "12",
            "startDate-year": "2026",
        },
    )
    assert made.status_code == 303, page_text(made.text)
    proposed = await browser.get(made.headers["location"])
    text = page_text(proposed.text)
    assert "Agreement saved" in text and "Status Proposed" in text
    assert "Warning" in text and "merchant category 7299" in text  # the card warning

    activated = await browser.post(
        made.headers["location"].split("?")[0] + "/activate", data={"csrf_token": csrf_of(proposed.text)}
    )
    assert activated.status_code == 303
    active = page_text((await browser.get(activated.headers["location"])).text)
    assert "Agreement active" in active and "Status Active" in active and "merchant category 7299" in active
    async with db.session() as session:
        statuses = [a.status for a in (await session.execute(select(Agreement))).scalars()]
    assert sorted(statuses) == [AgreementStatus.ACTIVE, AgreementStatus.ACTIVE]


async def test_a_bad_agreement_form_shows_the_errors_and_keeps_the_answers(browser, db, world):
    await _sign_in(browser, world.broker.email)
    form = await browser.get(f"/care-requests/{world.request_id}/agreement")

    page = await browser.post(
        f"/care-requests/{world.request_id}/agreement",
        data={
            "csrf_token": csrf_of(form.text),
            "hoursPerWeek": "-3",
            "hourlyRate": "lots",
            "startDate-day": "31",
            "startDate-month": "2",
            "startDate-year": "2027",
        },
    )
    api_refused = await browser.post(
        f"/care-requests/{world.request_id}/agreement",
        data={
            "csrf_token": csrf_of(form.text),
            "slots": ["MONDAY|09:00|14:00"],
            "hoursPerWeek": "40",
            "hourlyRate": "14.50",
            "startDate-day": "7",
            "startDate-month": "12",
            "startDate-year": "2026",
        },
    )

    assert page.status_code == 400
    for field in ("slots", "hoursPerWeek", "hourlyRate", "startDate"):
        assert f'href="#{field}"' in page.text, field
    assert 'value="-3"' in page.text and 'value="lots"' in page.text and 'value="31"' in page.text
    assert api_refused.status_code == 400 and 'href="#hoursPerWeek"' in api_refused.text
    assert await count(db, Agreement) == 1


async def test_a_forged_activation_changes_nothing(browser, db, world):
    await _sign_in(browser, world.broker.email)
    async with db.transaction() as session:
        (await session.get(Agreement, world.active.id)).status = AgreementStatus.PROPOSED

    page = await browser.post(f"/agreements/{world.active_id}/activate", data={"csrf_token": "forged"})

    assert page.status_code == 400
    async with db.session() as session:
        assert (await session.get(Agreement, world.active.id)).status is AgreementStatus.PROPOSED


# --- payments and the budget statement ----------------------------------------------------------


async def test_a_broker_records_a_payment_and_reads_it_on_the_budget_statement(browser, db, world):
    await _sign_in(browser, world.broker.email)
    form = await browser.get(f"/agreements/{world.active_id}/payments/new")
    answers = {
        "csrf_token": csrf_of(form.text),
        "idempotencyKey": re.search(r'name="idempotencyKey" value="([^"]+)"', form.text).group(1),
        "periodStart-day": "2",
        "periodStart-month": "11",
        "periodStart-year": "2026",
        "periodEnd-day": "8",
        "periodEnd-month": "11",
        "periodEnd-year": "2026",
        "hours": "10",
        "amount": "145.00",
        "method": "BANK_TRANSFER",
    }

    paid = await browser.post(f"/agreements/{world.active_id}/payments/new", data=answers)
    again = await browser.post(f"/agreements/{world.active_id}/payments/new", data=answers)

    assert paid.status_code == 303 and again.status_code == 303
    assert await count(db, Payment) == 1  # the same form sent twice pays once
    agreement = page_text((await browser.get(paid.headers["location"])).text)
    assert "Payment recorded" in agreement and "10 hours Bank transfer £145.00 Paid" in agreement
    statement = await browser.get(
        f"/holders/{world.holder_id}/budget",
        params={
            "from-day": "1",
            "from-month": "11",
            "from-year": "2026",
            "to-day": "30",
            "to-month": "11",
            "to-year": "2026",
        },
    )
    text = page_text(statement.text)
    assert (
        page_title(statement.text) == "Budget statement for Amina Khan, 1 November 2026 to 30 November 2026"
    )
    assert "Spent £145.00" in text and "Kim Care Ltd" in text


async def test_a_bad_payment_is_shown_back_with_the_apis_words_and_nothing_is_paid(browser, db, world):
    await _sign_in(browser, world.broker.email)
    form = await browser.get(f"/agreements/{world.active_id}/payments/new")
    base = {
        "csrf_token": csrf_of(form.text),
        "idempotencyKey": "key-1",
        "periodStart-day": "2",
        "periodStart-month": "11",
        "periodStart-year": "2026",
        "periodEnd-day": "8",
        "periodEnd-month": "11",
        "periodEnd-year": "2026",
        "method": "BANK_TRANSFER",
    }

    shape = await browser.post(
        f"/agreements/{world.active_id}/payments/new", data={**base, "hours": "ten", "amount": "-5"}
    )
    too_much = await browser.post(
        f"/agreements/{world.active_id}/payments/new", data={**base, "hours": "10", "amount": "900.00"}
    )

    assert shape.status_code == 400 and 'href="#hours"' in shape.text and 'href="#amount"' in shape.text
    assert 'value="ten"' in shape.text
    assert (
        too_much.status_code == 400
        and 'href="#amount"' in too_much.text
        and 'value="900.00"' in too_much.text
    )
    assert await count(db, Payment) == 0


async def test_a_budget_statement_for_a_period_that_ends_before_it_starts_says_so(browser, world):
    await _sign_in(browser, world.broker.email)

    page = await browser.get(
        f"/holders/{world.holder_id}/budget",
        params={
            "from-day": "30",
            "from-month": "11",
            "from-year": "2026",
            "to-day": "1",
            "to-month": "11",
            "to-year": "2026",
        },
    )
    not_a_date = await browser.get(
        f"/holders/{world.holder_id}/budget", params={"from-day": "99", "from-month": "x"}
    )

    assert page.status_code == 400 and 'href="#to"' in page.text
    assert not_a_date.status_code == 400 and 'href="#from"' in not_a_date.text


# --- the annual audit ---------------------------------------------------------------------------


async def test_the_annual_audit_for_a_person_downloads_as_the_same_rows(browser, world):
    await _sign_in(browser, world.broker.email)

    page = await browser.get("/audit", params={"holder": world.holder_id, "year": "2026"})
    download = await browser.get("/audit.csv", params={"holder": world.holder_id, "year": "2026"})

    assert page_title(page.text) == "Annual audit 2026 to 2027: Amina Khan"
    assert page.status_code == 200 and "Amina Khan" in page.text and "Brian Oakes" not in page.text
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0][0] == "Person" and [r[0] for r in rows[1:]] == ["Amina Khan"]
    whole = list(csv.reader(io.StringIO((await browser.get("/audit.csv", params={"year": "2026"})).text)))
    assert sorted(r[0] for r in whole[1:]) == ["Amina Khan", "Brian Oakes"]


async def test_a_name_that_looks_like_a_formula_is_escaped_in_the_csv(browser, db, world):
    await _name(db, world.holder_user, '=HYPERLINK("http://x")')
    await _sign_in(browser, world.broker.email)

    download = await browser.get("/audit.csv", params={"holder": world.holder_id})

    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize("query", ["?year=99999", "?year=-1", "?holder=" + "A" * 5000, "?holder=%00"])
async def test_hostile_audit_urls_get_a_page_never_a_crash(browser, world, query):
    await _sign_in(browser, world.broker.email)

    page = await browser.get("/audit" + query)

    assert page.status_code in (200, 404)
    assert "Sorry, there is a problem" not in page.text


# --- accreditation checks -----------------------------------------------------------------------


async def test_a_broker_records_an_accreditation_check(browser, db, world):
    await _sign_in(browser, world.broker.email)
    form = await browser.get(f"/providers/{world.jo_id}/checks")
    before = await count(db, Accreditation)

    saved = await browser.post(
        f"/providers/{world.jo_id}/checks",
        data={
            "csrf_token": csrf_of(form.text),
            "checkType": "TRAINING",
            "status": "PASSED",
            "reference": "MOVING-AND-HANDLING-2026",
            "checkedOn-day": "20",
            "checkedOn-month": "11",
            "checkedOn-year": "2026",
            "expiresOn-day": "20",
            "expiresOn-month": "11",
            "expiresOn-year": "2027",
        },
    )

    assert saved.status_code == 303
    page = page_text((await browser.get(saved.headers["location"])).text)
    assert "Training recorded" in page and "MOVING-AND-HANDLING-2026" in page
    assert await count(db, Accreditation) in (before, before + 1)  # it replaces the last result


async def test_a_bad_accreditation_check_shows_the_errors_and_keeps_the_answers(browser, db, world):
    await _sign_in(browser, world.broker.email)
    form = await browser.get(f"/providers/{world.jo_id}/checks")
    before = await count(db, Accreditation)

    page = await browser.post(
        f"/providers/{world.jo_id}/checks",
        data={
            "csrf_token": csrf_of(form.text),
            "checkType": "NOT_A_CHECK",
            "reference": "R1",
            "checkedOn-day": "40",
        },
    )
    in_future = await browser.post(
        f"/providers/{world.jo_id}/checks",
        data={
            "csrf_token": csrf_of(form.text),
            "checkType": "TRAINING",
            "status": "PASSED",
            "checkedOn-day": "1",
            "checkedOn-month": "1",
            "checkedOn-year": "2999",
        },
    )

    assert page.status_code == 400
    for field in ("checkType", "status", "checkedOn"):
        assert f'href="#{field}"' in page.text, field
    assert 'value="R1"' in page.text and 'value="40"' in page.text
    assert in_future.status_code == 400 and "There is a problem" in in_future.text
    assert await count(db, Accreditation) == before


# --- reconciling an account statement -----------------------------------------------------------


async def _import(browser, world, text: str, fmt: str = "PREPAID_CARD", csrf: str | None = None):
    form = await browser.get(f"/holders/{world.holder_id}/statements/import")
    return await browser.post(
        f"/holders/{world.holder_id}/statements/import",
        data={"csrf_token": csrf or csrf_of(form.text), "format": fmt},
        files={"file": ("statement.csv", text.encode(), "text/csv")},
    )


async def test_a_broker_imports_a_statement_and_reimporting_it_changes_nothing(browser, world):
    await _sign_in(browser, world.broker.email)

    first = await _import(browser, world, CARD_STATEMENT)
    again = await _import(browser, world, CARD_STATEMENT)

    assert first.status_code == 200, page_text(first.text)
    assert page_title(first.text) == "Statement imported for Amina Khan"
    assert "2 new lines of 2" in page_text(first.text)
    assert "Nothing new to import" in page_text(again.text) and "2 lines were imported before" in page_text(
        again.text
    )
    lines = await browser.get(f"/holders/{world.holder_id}/statement-lines")
    text = page_text(lines.text)
    assert "2 lines." in text and "Sunny Holidays" in text and "Jo Bloggs" in text


async def test_a_broker_allows_a_line_with_a_reason_and_it_shows_as_decided(browser, world):
    await _sign_in(browser, world.broker.email)
    await _import(browser, world, CARD_STATEMENT)
    undecided = await browser.get(f"/holders/{world.holder_id}/statement-lines", params={"resolved": "no"})
    line = next(href for href in links_in(undecided.text, "/statement-lines/"))
    form = await browser.get(line)
    assert "Sunny Holidays" in page_title(form.text)

    no_reason = await browser.post(line, data={"csrf_token": csrf_of(form.text), "action": "ALLOW"})
    decided = await browser.post(
        line, data={"csrf_token": csrf_of(form.text), "action": "RECOVER", "reason": "A holiday is not care."}
    )

    assert no_reason.status_code == 400 and 'href="#reason"' in no_reason.text
    assert decided.status_code == 303
    listed = page_text((await browser.get(decided.headers["location"])).text)
    assert "Your decision about the line is saved" in listed and "To be recovered" in listed
    shown = page_text((await browser.get(line)).text)
    assert "To be recovered: A holiday is not care." in shown
    assert "Earlier decisions" not in shown

    form = await browser.get(line)
    await browser.post(
        line,
        data={"csrf_token": csrf_of(form.text), "action": "ALLOW", "reason": "Respite, agreed at review."},
    )
    redecided = page_text((await browser.get(line)).text)
    assert "Allowed: Respite, agreed at review." in redecided
    assert "Earlier decisions" in redecided and "A holiday is not care." in redecided


async def test_a_bad_statement_file_or_format_is_shown_in_the_summary_and_imports_nothing(browser, world):
    await _sign_in(browser, world.broker.email)

    no_format = await _import(browser, world, CARD_STATEMENT, fmt="")
    bad_file = await _import(browser, world, "Date,Merchant,MCC,Amount,Reference\nnot-a-date,X,1,abc,R\n")
    not_utf8 = await _import(browser, world, "")
    forged = await _import(browser, world, CARD_STATEMENT, csrf="forged")

    assert no_format.status_code == 400 and 'href="#format"' in no_format.text
    assert bad_file.status_code == 400 and "There is a problem" in bad_file.text
    assert not_utf8.status_code == 400 and 'href="#file"' in not_utf8.text
    assert forged.status_code == 400 and "This form has expired" in forged.text
    lines = await browser.get(f"/holders/{world.holder_id}/statement-lines")
    assert "0 lines." in page_text(lines.text)


@pytest.mark.parametrize(
    "path",
    [
        "/agreements/%00",
        "/agreements/" + "A" * 5000,
        "/agreements/U3VwcG9ydFBsYW46MQ==/payments/new",
        "/care-requests/QWdyZWVtZW50OjE=/agreement",
        "/holders/bm90LWFuLWlk/budget",
        "/holders/RFBIb2xkZXI6OTk5OTk5OTk5OTk5/statement-lines?status=NOPE&after=%00",
        "/statement-lines/" + "%ff" * 100,
        "/providers/" + "x" * 3000 + "/checks",
        "/caseload/add/VXNlcjox",
    ],
)
async def test_hostile_ids_get_the_404_page_never_a_crash(browser, world, path):
    await _sign_in(browser, world.broker.email)

    page = await browser.get(path)

    assert page.status_code == 404, (path, page.status_code)
    assert "Page not found" in page.text


async def test_hostile_ids_in_posted_forms_get_a_page_never_a_crash(browser, world):
    await _sign_in(browser, world.broker.email)
    csrf = csrf_of((await browser.get("/caseload/add")).text)

    for path in (
        "/agreements/%00/activate",
        "/agreements/QWdyZWVtZW50Ojk5OTk5/activate",
        "/statement-lines/U3RhdGVtZW50TGluZTox",
        "/caseload/add/VXNlcjo5OTk5OTk5OTk5OTk5OTk5",
    ):
        page = await browser.post(path, data={"csrf_token": csrf, "action": "ALLOW", "reason": "x"})
        assert page.status_code in (400, 404), (path, page.status_code)
        assert "Sorry, there is a problem" not in page.text


# --- a statement in another layout (CUSTOM, with its columns named) -------------------------------

CUSTOM_STATEMENT = (
    "When,Paid to,Spent,Our ref\n03/11/2026,Jo Bloggs,145.00,INV-1103\n18/11/2026,Sunny Holidays,400.00,H1\n"
)
CUSTOM_COLUMNS = {
    "columnDate": "When",
    "columnPayee": "Paid to",
    "columnAmount": "Spent",
    "columnReference": "Our ref",
    "dateFormat": "DAY_MONTH_YEAR",
    "moneyOut": "POSITIVE",
}


async def _import_custom(browser, world, text: str, **columns: str):
    form = await browser.get(f"/holders/{world.holder_id}/statements/import")
    return await browser.post(
        f"/holders/{world.holder_id}/statements/import",
        data={"csrf_token": csrf_of(form.text), "format": "CUSTOM", **columns},
        files={"file": ("statement.csv", text.encode(), "text/csv")},
    )


async def test_the_import_form_offers_another_layout_with_its_columns(browser, world):
    await _sign_in(browser, world.broker.email)

    form = await browser.get(f"/holders/{world.holder_id}/statements/import")

    assert form.status_code == 200
    assert 'value="CUSTOM"' in form.text
    text = page_text(form.text)
    assert "If it is another layout: its columns" in text
    for label in (
        "Date column",
        "Payee or merchant column",
        "Amount column",
        "Paid out column",
        "Balance column",
    ):
        assert label in text
    assert '<option value="ISO" selected>' in form.text
    assert '<option value="NEGATIVE" selected>' in form.text


async def test_a_broker_imports_a_statement_in_another_layout_by_naming_its_columns(browser, world):
    await _sign_in(browser, world.broker.email)

    first = await _import_custom(browser, world, CUSTOM_STATEMENT, **CUSTOM_COLUMNS)
    again = await _import_custom(browser, world, CUSTOM_STATEMENT, **CUSTOM_COLUMNS)

    assert first.status_code == 200, page_text(first.text)
    assert page_title(first.text) == "Statement imported for Amina Khan"
    assert "2 new lines of 2" in page_text(first.text)
    assert "Nothing new to import" in page_text(again.text)
    lines = page_text((await browser.get(f"/holders/{world.holder_id}/statement-lines")).text)
    assert "2 lines." in lines and "Sunny Holidays" in lines and "Jo Bloggs" in lines


async def test_a_wrong_column_mapping_is_shown_beside_its_box_with_the_answers_kept(browser, world):
    await _sign_in(browser, world.broker.email)

    no_columns = await _import_custom(browser, world, CUSTOM_STATEMENT, dateFormat="ISO", moneyOut="NEGATIVE")
    both_amounts = await _import_custom(
        browser, world, CUSTOM_STATEMENT, **(CUSTOM_COLUMNS | {"columnPaidOut": "Spent"})
    )
    not_in_file = await _import_custom(
        browser, world, CUSTOM_STATEMENT, **(CUSTOM_COLUMNS | {"columnDate": "Posted on"})
    )
    bad_choice = await _import_custom(
        browser, world, CUSTOM_STATEMENT, **(CUSTOM_COLUMNS | {"dateFormat": "SOMETIMES"})
    )

    assert no_columns.status_code == 400
    assert page_title(no_columns.text).startswith("Error: ")
    for field in ("columnDate", "columnPayee", "columnAmount"):
        assert f'href="#{field}"' in no_columns.text, field
        assert f'id="{field}"' in no_columns.text, field
    assert both_amounts.status_code == 400 and 'href="#columnAmount"' in both_amounts.text
    assert 'id="columnPaidOut" name="columnPaidOut" type="text" value="Spent"' in both_amounts.text
    assert not_in_file.status_code == 400 and "There is a problem" in not_in_file.text
    assert 'value="Posted on"' in not_in_file.text
    assert '<option value="DAY_MONTH_YEAR" selected>' in not_in_file.text
    assert bad_choice.status_code == 400 and 'href="#dateFormat"' in bad_choice.text
    lines = await browser.get(f"/holders/{world.holder_id}/statement-lines")
    assert "0 lines." in page_text(lines.text)


async def test_a_column_mapping_with_a_named_format_is_ignored(browser, world):
    await _sign_in(browser, world.broker.email)

    imported = await _import_custom(browser, world, CARD_STATEMENT, format="PREPAID_CARD", columnDate="When")

    assert imported.status_code == 200, page_text(imported.text)
    assert "2 new lines of 2" in page_text(imported.text)
