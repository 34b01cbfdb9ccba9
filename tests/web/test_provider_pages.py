"""A provider's journey over HTTP, as a browser without JavaScript would: their home, creating and
editing the listing one thing per page, publishing it (a refusal links to each field missing), the
requests inbox, agreements, payments and, for DP support organisations, subcontracts and referrals to
answer. Who may see what is the API's answer; these tests check the pages pass it on."""

from __future__ import annotations

import re

import httpx
import pytest
from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.agreements.models import CareRequest
from broker.db import Database
from broker.providers.models import AvailabilitySlot, Provider, ProviderStatus
from broker.support.models import Subcontract, SupportReferral
from tests.factories import (
    PASSWORD,
    make_agreement,
    make_care_request,
    make_council,
    make_holder,
    make_lead_contract,
    make_payment,
    make_plan,
    make_provider,
    make_referral,
    make_subcontract,
    make_support_org,
    make_user,
    reload,
)
from tests.web.reading import DASH, csrf_of, links_in, page_text, page_title, sign_in


async def _signed_in(browser: httpx.AsyncClient, user: User) -> None:
    await sign_in(browser, user.email, PASSWORD)


async def _post(browser: httpx.AsyncClient, path: str, data: dict, form_path: str | None = None):
    form = await browser.get(form_path or path)
    return await browser.post(path, data={**data, "csrf_token": csrf_of(form.text)})


async def _a_pa_with_a_listing(db: Database, **listing):
    council = await make_council(db)
    user = await make_user(db, Role.PROVIDER, council)
    provider = await make_provider(db, council, owner=user, name="Amrit Kaur", **listing)
    return council, user, provider


async def _slots_of(db: Database, provider: Provider) -> list[tuple[int, int, int]]:
    from sqlalchemy import select

    async with db.session() as session:
        rows = await session.execute(
            select(AvailabilitySlot).where(AvailabilitySlot.provider_id == provider.id)
        )
        return sorted((int(s.day), s.start_minute, s.end_minute) for s in rows.scalars())


# --- home and the listing ----------------------------------------------------------------------


async def test_a_provider_lands_on_their_own_listing_after_signing_in(browser, db):
    _, user, _ = await _a_pa_with_a_listing(db)

    answer = await sign_in(browser, user.email, PASSWORD)
    home = await browser.get(answer.headers["location"])

    assert answer.headers["location"] == "/provider"
    assert page_title(home.text) == "Your listing"
    text = page_text(home.text)
    assert "Amrit Kaur" in text and "Published" in text
    assert "Personal care" in text and "Punjabi" in text and "£14.50" in text
    assert "Take your listing out of search" in text
    assert {"/provider/listing/about", "/provider/listing/services", "/provider/listing/availability"} <= set(
        links_in(home.text, "/provider/listing/")
    )
    assert '<a class="govuk-service-navigation__link" href="/provider/requests">Requests</a>' in home.text


async def test_a_new_provider_creates_a_listing_and_publishing_lists_what_is_missing_linked_to_each_field(
    browser, db
):
    council = await make_council(db)
    user = await make_user(db, Role.PROVIDER, council)
    await _signed_in(browser, user)

    start = await browser.get("/provider")
    assert page_title(start.text) == "Create your listing"
    created = await _post(browser, "/provider/listing/new", {"kind": "PA", "name": "Sam Green"}, "/provider")
    assert created.status_code == 303 and created.headers["location"] == "/provider"

    refused = await _post(browser, "/provider/listing/publish", {}, "/provider")

    assert refused.status_code == 400
    assert page_title(refused.text) == "Error: Your listing"
    assert "Your listing cannot be published yet" in refused.text
    start = refused.text.find("govuk-error-summary")
    summary = refused.text[start : refused.text.find("</ul>", start)]
    assert re.findall(r'href="([^"]+)"', summary) == [
        "/provider/listing/about#bio",
        "/provider/listing/services#services",
        "/provider/listing/languages#languages",
        "/provider/listing/area#basePostcode",
        "/provider/listing/area#travelRadiusKm",
        "/provider/listing/rate#hourlyRate",
        "/provider/listing/rate#weeklyCapacityHours",
        "/provider/listing/availability#slots-0-day",
        "/provider/listing/contact#contactEmail",
    ]
    for href in re.findall(r'href="([^"]+)"', summary):
        path, field = href.split("#")
        assert f'id="{field}"' in (await browser.get(path)).text, href


async def test_a_provider_fills_in_every_page_of_the_listing_and_publishes_it(browser, db):
    council = await make_council(db)
    user = await make_user(db, Role.PROVIDER, council)
    await _signed_in(browser, user)
    await _post(browser, "/provider/listing/new", {"kind": "PA", "name": "Sam Green"}, "/provider")
    bio = "Ten years as a personal assistant in Leeds, most of them with people living with dementia."
    pages = [
        ("about", {"name": "Sam Green", "bio": bio, "gender": "MALE"}),
        ("services", {"services": ["PERSONAL_CARE", "DEMENTIA"]}),
        ("languages", {"languages": ["en", "pa"]}),
        ("area", {"basePostcode": "LS8 1AA", "travelRadiusKm": "8"}),
        ("rate", {"hourlyRate": "15.25", "weeklyCapacityHours": "20"}),
        (
            "availability",
            {"slotRows": "7", "slots-0-day": "MONDAY", "slots-0-start": "08:00", "slots-0-end": "12:00"},
        ),
        ("contact", {"contactEmail": "sam@example.org", "contactPhone": "0113 496 0999"}),
    ]
    for section, data in pages:
        saved = await _post(browser, f"/provider/listing/{section}", data)
        assert saved.status_code == 303, (section, page_text(saved.text))
        assert saved.headers["location"] == f"/provider?saved={section}"

    published = await _post(browser, "/provider/listing/publish", {}, "/provider")
    home = await browser.get(published.headers["location"])

    assert published.headers["location"] == "/provider?published=1"
    assert "Your listing is published" in page_text(home.text)
    text = page_text(home.text)
    assert (
        "Dementia care" in text
        and "Punjabi" in text
        and "£15.25" in text
        and f"Monday 08:00{DASH}12:00" in text
    )
    assert "From LS8 1AA, up to 8 km" in text


async def test_each_edit_page_shows_what_is_saved_and_has_its_own_title(browser, db):
    _, user, _ = await _a_pa_with_a_listing(db)
    await _signed_in(browser, user)
    titles = set()

    for section in ("about", "services", "languages", "area", "rate", "availability", "contact"):
        page = await browser.get(f"/provider/listing/{section}")
        assert page.status_code == 200, section
        titles.add(page_title(page.text))

    assert len(titles) == 7
    assert 'value="14.50"' in (await browser.get("/provider/listing/rate")).text
    assert 'value="LS8 1AB"' in (await browser.get("/provider/listing/area")).text
    assert 'value="pa" checked' in (await browser.get("/provider/listing/languages")).text
    assert 'value="09:00"' in (await browser.get("/provider/listing/availability")).text


async def test_a_rate_that_is_not_money_is_shown_again_with_its_error_and_nothing_is_saved(browser, db):
    _, user, provider = await _a_pa_with_a_listing(db)
    await _signed_in(browser, user)

    answer = await _post(
        browser, "/provider/listing/rate", {"hourlyRate": "a lot", "weeklyCapacityHours": "-3"}
    )

    assert answer.status_code == 400
    assert page_title(answer.text) == "Error: Your rate and hours"
    assert '<a href="#hourlyRate">Enter your hourly rate in pounds, for example 16.50</a>' in answer.text
    assert '<a href="#weeklyCapacityHours">' in answer.text
    assert 'value="a lot"' in answer.text and 'value="-3"' in answer.text
    described_by = {i for ids in re.findall(r'aria-describedby="([^"]*)"', answer.text) for i in ids.split()}
    assert {"hourlyRate-error", "weeklyCapacityHours-error"} <= described_by
    assert described_by <= set(re.findall(r'\sid="([^"]+)"', answer.text)), (
        "a screen reader is pointed at nothing"
    )
    saved = await reload(db, Provider, provider.id)
    assert (saved.hourly_rate_pence, saved.weekly_capacity_hours) == (1450, 20.0)


async def test_the_apis_refusal_lands_on_the_field_it_is_about(browser, db):
    _, user, provider = await _a_pa_with_a_listing(db)
    await _signed_in(browser, user)

    answer = await _post(
        browser, "/provider/listing/area", {"basePostcode": "ZZ99 9ZZ", "travelRadiusKm": "10"}
    )

    assert answer.status_code == 400
    assert re.search(r'<a href="#basePostcode">[^<]+</a>', answer.text)
    assert 'value="ZZ99 9ZZ"' in answer.text
    assert (await reload(db, Provider, provider.id)).base_postcode == "LS8 1AB"


async def test_a_bad_time_is_shown_on_its_own_row_of_the_availability(browser, db):
    _, user, provider = await _a_pa_with_a_listing(db)
    await _signed_in(browser, user)
    before = await _slots_of(db, provider)

    answer = await _post(
        browser,
        "/provider/listing/availability",
        {
            "slotRows": "7",
            "slots-1-day": "TUESDAY",
            "slots-1-start": "09:00",
            "slots-1-end": "17:00",
            "slots-3-day": "FRIDAY",
            "slots-3-start": "14:00",
            "slots-3-end": "10:00",
        },
    )

    assert answer.status_code == 400
    assert re.search(r'<a href="#slots-3-(start|end)">', answer.text), page_text(answer.text)
    assert 'value="14:00"' in answer.text
    assert await _slots_of(db, provider) == before


async def test_emptying_a_published_listing_is_refused_and_changes_nothing(browser, db):
    _, user, provider = await _a_pa_with_a_listing(db)
    await _signed_in(browser, user)

    answer = await _post(browser, "/provider/listing/services", {})

    assert answer.status_code == 400
    assert '<a href="#services">' in answer.text
    assert (await reload(db, Provider, provider.id)).status is ProviderStatus.PUBLISHED


async def test_taking_a_listing_out_of_search_and_publishing_it_again(browser, db):
    _, user, provider = await _a_pa_with_a_listing(db)
    await _signed_in(browser, user)

    withdrawn = await _post(browser, "/provider/listing/withdraw", {}, "/provider")
    assert withdrawn.status_code == 303
    assert (await reload(db, Provider, provider.id)).status is ProviderStatus.DRAFT
    assert "Publish your listing" in (await browser.get("/provider")).text

    published = await _post(browser, "/provider/listing/publish", {}, "/provider")
    assert published.headers["location"] == "/provider?published=1"
    assert (await reload(db, Provider, provider.id)).status is ProviderStatus.PUBLISHED


@pytest.mark.parametrize(
    "section,data",
    [
        ("about", {"name": "A\x00B", "bio": "x" * 6000}),
        ("rate", {"hourlyRate": "1e308", "weeklyCapacityHours": "1e400"}),
        ("rate", {"hourlyRate": "99999999999", "weeklyCapacityHours": "nan"}),
        ("area", {"basePostcode": "\x00", "travelRadiusKm": "inf"}),
        ("services", {"services": ["NO_SUCH_SERVICE", "\x00"]}),
        ("languages", {"languages": ["xx-not-a-language"]}),
        (
            "availability",
            {"slotRows": "99", "slots-0-day": "MONDAY", "slots-0-start": "25:99", "slots-0-end": "x"},
        ),
        ("contact", {"contactEmail": "not an email", "contactPhone": "\x00" * 50}),
    ],
)
async def test_hostile_answers_get_an_error_never_a_server_error(browser, db, section, data):
    _, user, provider = await _a_pa_with_a_listing(db)
    await _signed_in(browser, user)

    answer = await _post(browser, f"/provider/listing/{section}", data)

    assert answer.status_code == 400, page_text(answer.text)
    assert "There is a problem" in answer.text
    saved = await reload(db, Provider, provider.id)
    assert (saved.name, saved.hourly_rate_pence, saved.contact_email) == (
        "Amrit Kaur",
        1450,
        "jo@example.org",
    )


async def test_an_unknown_listing_page_is_not_found(browser, db):
    _, user, _ = await _a_pa_with_a_listing(db)
    await _signed_in(browser, user)

    assert (await browser.get("/provider/listing/secrets")).status_code == 404


# --- requests ----------------------------------------------------------------------------------


async def _a_request_to(db: Database, council, provider: Provider, **kwargs):
    broker = await make_user(db, Role.BROKER, council)
    plan = await make_plan(db, await make_holder(db, council))
    return await make_care_request(db, plan, provider, sent_by=broker, **kwargs), plan, broker


async def test_the_inbox_lists_requests_to_the_provider_with_when_they_expire(browser, db):
    council, user, provider = await _a_pa_with_a_listing(db)
    care_request, _, _ = await _a_request_to(db, council, provider)
    await _signed_in(browser, user)

    inbox = await browser.get("/provider/requests")
    home = await browser.get("/provider")

    assert inbox.status_code == 200
    assert page_title(inbox.text) == "Care requests to Amrit Kaur"
    text = page_text(inbox.text)
    assert "1 request, newest first" in text
    assert "Personal care, 10 hours a week" in text
    assert "10 December 2026 at 9:00am" in text  # sent 26 November, 14 days to answer
    assert "Waiting for your answer" in text
    assert links_in(inbox.text, "/provider/requests/") == [
        f"/provider/requests/{to_base64('CareRequest', care_request.id)}"
    ]
    assert "1 care request waits for your answer" in page_text(home.text)


async def test_a_provider_declines_a_request_with_a_reason(browser, db):
    council, user, provider = await _a_pa_with_a_listing(db)
    care_request, _, _ = await _a_request_to(db, council, provider)
    await _signed_in(browser, user)
    path = f"/provider/requests/{to_base64('CareRequest', care_request.id)}"

    page = await browser.get(path)
    assert "Answer by 10 December 2026 at 9:00am" in page_text(page.text)
    assert f"Monday 09:00{DASH}14:00" in page_text(page.text)
    no_reason = await _post(browser, path, {"answer": "decline", "reason": "  "})
    assert no_reason.status_code == 400
    assert '<a href="#reason">Enter why you are declining</a>' in no_reason.text
    assert (await reload(db, CareRequest, care_request.id)).status.value == "PENDING"

    declined = await _post(browser, path, {"answer": "decline", "reason": "I am fully booked on Mondays."})
    shown = await browser.get(declined.headers["location"])

    assert declined.status_code == 303
    saved = await reload(db, CareRequest, care_request.id)
    assert (saved.status.value, saved.reason) == ("DECLINED", "I am fully booked on Mondays.")
    assert "Your answer is sent" in page_text(shown.text)
    assert "I am fully booked on Mondays." in page_text(shown.text)
    assert "Send your answer" not in shown.text


async def test_a_provider_accepts_a_request(browser, db):
    council, user, provider = await _a_pa_with_a_listing(db)
    care_request, _, _ = await _a_request_to(db, council, provider)
    await _signed_in(browser, user)
    path = f"/provider/requests/{to_base64('CareRequest', care_request.id)}"

    no_answer = await _post(browser, path, {})
    accepted = await _post(browser, path, {"answer": "accept"})

    assert (
        no_answer.status_code == 400 and '<a href="#answer">Select whether you accept</a>' in no_answer.text
    )
    assert accepted.status_code == 303
    assert (await reload(db, CareRequest, care_request.id)).status.value == "ACCEPTED"


async def test_another_providers_request_is_not_shown_or_answered(browser, db):
    council, user, _ = await _a_pa_with_a_listing(db)
    other = await make_provider(db, council, name="Someone else")
    care_request, _, _ = await _a_request_to(db, council, other)
    await _signed_in(browser, user)
    path = f"/provider/requests/{to_base64('CareRequest', care_request.id)}"

    page = await browser.get(path)
    answer = await _post(browser, path, {"answer": "accept"}, "/provider")

    assert page.status_code in (403, 404)
    assert answer.status_code in (403, 404)
    assert (await reload(db, CareRequest, care_request.id)).status.value == "PENDING"
    assert "0 requests" in page_text((await browser.get("/provider/requests")).text)


@pytest.mark.parametrize(
    "path",
    [
        "/provider/requests/nonsense",
        "/provider/requests/" + "A" * 5000,
        "/provider/requests/" + to_base64("Agreement", 1),
        "/provider/requests/" + to_base64("CareRequest", 2**62),
        "/provider/requests/%00",
        "/provider/agreements/nonsense",
        "/provider/agreements/" + to_base64("Agreement", -1),
        "/provider/subcontracts/" + to_base64("Provider", 1),
        "/provider/referrals/%ED%A0%80",
    ],
)
async def test_hostile_ids_in_the_address_are_not_found(browser, db, path):
    _, user, _ = await _a_pa_with_a_listing(db)
    await _signed_in(browser, user)

    assert (await browser.get(path)).status_code == 404


async def test_an_expired_request_shows_when_it_expired_and_cannot_be_answered(browser, db, clock):
    from datetime import timedelta

    council, user, provider = await _a_pa_with_a_listing(db)
    care_request, _, _ = await _a_request_to(
        db, council, provider, status="EXPIRED", expires_in=timedelta(hours=1)
    )
    await _signed_in(browser, user)

    page = await browser.get(f"/provider/requests/{to_base64('CareRequest', care_request.id)}")

    assert "Expired 26 November 2026 at 10:00am" in page_text(page.text)
    assert "Send your answer" not in page.text


# --- agreements and payments -------------------------------------------------------------------


async def test_a_provider_sees_their_agreements_and_the_payments_made_to_them(browser, db):
    from datetime import date

    council, user, provider = await _a_pa_with_a_listing(db)
    broker = await make_user(db, Role.BROKER, council)
    plan = await make_plan(db, await make_holder(db, council))
    agreement = await make_agreement(db, plan, provider, created_by=broker)
    await make_payment(db, agreement, period_start=date(2026, 11, 2))
    other = await make_provider(db, council, name="Someone else")
    theirs = await make_agreement(
        db, await make_plan(db, await make_holder(db, council)), other, created_by=broker
    )
    await _signed_in(browser, user)

    listed = await browser.get("/provider/agreements")
    shown = await browser.get(f"/provider/agreements/{to_base64('Agreement', agreement.id)}")
    payments = await browser.get("/provider/payments")

    assert "1 agreement, newest first" in page_text(listed.text)
    assert links_in(listed.text, "/provider/agreements/") == [
        f"/provider/agreements/{to_base64('Agreement', agreement.id)}"
    ]
    text = page_text(shown.text)
    assert "£14.50 an hour (£145.00 a week)" in text and f"Monday 09:00{DASH}14:00" in text
    assert "2 November 2026 to 8 November 2026" in text and "£145.00" in text
    assert page_title(payments.text) == "Payments to Amrit Kaur"
    assert "1 payment, latest period first" in page_text(payments.text)
    assert "Bank transfer" in page_text(payments.text)
    assert (await browser.get(f"/provider/agreements/{to_base64('Agreement', theirs.id)}")).status_code == 404
    assert "1 agreement" in page_text((await browser.get("/provider/agreements?status=ACTIVE")).text)
    assert "0 agreements" in page_text((await browser.get("/provider/agreements?status=ENDED")).text)


# --- DP support organisations ------------------------------------------------------------------


async def _support_world(db: Database, subcontract_status: str = "PROPOSED"):
    council = await make_council(db)
    lead_user = await make_user(db, Role.PROVIDER, council)
    bureau_user = await make_user(db, Role.PROVIDER, council)
    lead = await make_support_org(db, council, owner=lead_user, name="Leeds DP Support")
    bureau = await make_support_org(
        db, council, owner=bureau_user, name="Aire Payroll", services=("PAYROLL",)
    )
    contract = await make_lead_contract(db, council, lead)
    subcontract = await make_subcontract(db, contract, bureau, status=subcontract_status)
    return council, lead_user, bureau_user, lead, bureau, contract, subcontract


async def test_both_organisations_answer_a_proposed_subcontract(browser, db):
    _, lead_user, bureau_user, _, _, _, subcontract = await _support_world(db)
    path = f"/provider/subcontracts/{to_base64('Subcontract', subcontract.id)}"
    await _signed_in(browser, bureau_user)

    home = await browser.get("/provider")
    listed = await browser.get("/provider/subcontracts")
    assert "/provider/subcontracts" in links_in(home.text, "/provider/subcontracts")
    waiting = listed.text[
        listed.text.find("Waiting for your answer") : listed.text.find("Your other subcontracts")
    ]
    assert path in waiting
    accepted = await _post(browser, path, {"answer": "accept"})
    assert accepted.status_code == 303
    after = await browser.get(accepted.headers["location"])
    assert "It starts once the lead provider accepts too" in page_text(after.text)

    await browser.post("/sign-out", data={"csrf_token": csrf_of(after.text)})
    await _signed_in(browser, lead_user)
    declined = await _post(
        browser, path, {"answer": "decline", "reason": "We already run payroll for this area."}
    )

    assert declined.status_code == 303
    saved = await reload(db, Subcontract, subcontract.id)
    assert (saved.status.value, saved.decline_reason) == ("DECLINED", "We already run payroll for this area.")


async def test_an_organisation_answers_a_referral_sent_to_it(browser, db):
    council, _, bureau_user, _, bureau, contract, subcontract = await _support_world(db, "ACTIVE")
    holder = await make_holder(db, council)
    referral = await make_referral(db, holder, contract, bureau, subcontract=subcontract)
    await _signed_in(browser, bureau_user)
    path = f"/provider/referrals/{to_base64('SupportReferral', referral.id)}"

    listed = await browser.get("/provider/referrals")
    assert links_in(listed.text, "/provider/referrals/") == [path]
    assert "Under a subcontract from the lead" in page_text(listed.text)
    accepted = await _post(browser, path, {"answer": "accept"})

    assert accepted.status_code == 303
    assert (await reload(db, SupportReferral, referral.id)).status.value == "ACCEPTED"
    assert "Send your answer" not in (await browser.get(path)).text


async def test_a_referral_to_another_organisation_is_not_shown(browser, db):
    council, lead_user, _, _, bureau, contract, subcontract = await _support_world(db, "ACTIVE")
    referral = await make_referral(
        db, await make_holder(db, council), contract, bureau, subcontract=subcontract
    )
    await _signed_in(browser, lead_user)

    page = await browser.get(f"/provider/referrals/{to_base64('SupportReferral', referral.id)}")

    assert page.status_code == 404


# --- who may, and forged forms -----------------------------------------------------------------

PAGES = [
    "/provider",
    "/provider/listing/about",
    "/provider/listing/availability",
    "/provider/requests",
    "/provider/agreements",
    "/provider/payments",
    "/provider/subcontracts",
    "/provider/referrals",
]


@pytest.mark.parametrize("path", PAGES)
async def test_anonymous_visitors_are_asked_to_sign_in_first(browser, path):
    answer = await browser.get(path)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=" + path


@pytest.mark.parametrize("role", [Role.BROKER, Role.DP_HOLDER, Role.COMMISSIONER])
async def test_people_who_sign_in_for_no_listing_get_the_403_page(browser, db, role):
    council = await make_council(db)
    user = await make_user(db, role, council)
    await _signed_in(browser, user)

    for path in PAGES:
        answer = await browser.get(path)
        assert answer.status_code == 403, path
        assert "You cannot see this page" in answer.text


async def test_a_forged_form_changes_nothing(browser, db):
    council, user, provider = await _a_pa_with_a_listing(db)
    care_request, _, _ = await _a_request_to(db, council, provider)
    await _signed_in(browser, user)

    for path, data in [
        ("/provider/listing/rate", {"hourlyRate": "99", "weeklyCapacityHours": "1"}),
        ("/provider/listing/withdraw", {}),
        (f"/provider/requests/{to_base64('CareRequest', care_request.id)}", {"answer": "accept"}),
    ]:
        answer = await browser.post(path, data={**data, "csrf_token": "forged"})
        assert answer.status_code == 400, path
        assert "This form has expired" in answer.text

    saved = await reload(db, Provider, provider.id)
    assert (saved.hourly_rate_pence, saved.status) == (1450, ProviderStatus.PUBLISHED)
    assert (await reload(db, CareRequest, care_request.id)).status.value == "PENDING"
