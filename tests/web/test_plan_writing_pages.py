"""A council broker writes a person's support plan in the browser, one thing per page: what it is for,
each need with its weekly times and budgeted rate, the preferences, then "check your answers", where
the draft becomes active. Every answer is judged by the API as it is given; a bad one comes back as an
error summary with the broker's input kept and nothing saved."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from broker.accounts.models import Role
from broker.db import Database
from broker.plans.models import NeedSlot, PlanNeed, PlanStatus, SupportPlan
from tests.factories import PASSWORD, make_council, make_user
from tests.web.reading import csrf_of, links_in, page_text, page_title, sign_in

BROKER = "broker@leeds.example"
PLAN_PATH = re.compile(r"^/plans/([^/]+)/needs/new$")


async def _a_holder(browser: httpx.AsyncClient) -> str:
    caseload = await browser.get("/caseload")
    return links_in(caseload.text, "/holders/")[0]


async def _start_a_plan(browser: httpx.AsyncClient) -> str:
    """Answers the first page for the caseload's first holder; the new draft's path."""
    holder = await _a_holder(browser)
    form = await browser.get(f"{holder}/plans/new")
    answer = await browser.post(
        f"{holder}/plans/new",
        data={
            "csrf_token": csrf_of(form.text),
            "outcomes": "To get up and dressed each morning.\nTo go to the library on Fridays.",
            "startDate-day": "4",
            "startDate-month": "1",
            "startDate-year": "2027",
        },
    )
    assert answer.status_code == 303, page_text(answer.text)
    found = PLAN_PATH.match(answer.headers["location"])
    assert found, answer.headers["location"]
    return f"/plans/{found.group(1)}"


def _first_service(page: str) -> str:
    return re.search(r'<option value="([^"]+)"', page[page.find('id="serviceCode"') :]).group(1)


async def _add_a_need(browser: httpx.AsyncClient, plan: str, **answers: str) -> httpx.Response:
    form = await browser.get(f"{plan}/needs/new")
    data = {
        "csrf_token": csrf_of(form.text),
        "slotRows": "5",
        "serviceCode": _first_service(form.text),
        "hoursPerWeek": "3",
        "budgetedRate": "18.50",
        "slots-0-day": "MONDAY",
        "slots-0-start": "08:00",
        "slots-0-end": "09:30",
        "slots-2-day": "THURSDAY",
        "slots-2-start": "08:00",
        "slots-2-end": "09:30",
    } | answers
    return await browser.post(f"{plan}/needs/new", data=data)


def _row_id(plan: str) -> int:
    """The database key behind a plan page's address (`/plans/<global ID>`)."""
    return int(GlobalID.from_id(plan.split("/")[2]).node_id)


async def _plan_row(db: Database, plan: str) -> SupportPlan:
    async with db.session() as session:
        found = await session.execute(select(SupportPlan).where(SupportPlan.id == _row_id(plan)))
        return found.scalar_one()


async def _needs_of(db: Database, plan: str) -> list[tuple[int, list[tuple[int, int, int]]]]:
    """Each need's budgeted rate and its slots (weekday from Monday = 0, start and end minute)."""
    async with db.session() as session:
        needs = (await session.execute(select(PlanNeed).where(PlanNeed.plan_id == _row_id(plan)))).scalars()
        found = []
        for need in needs:
            slots = (await session.execute(select(NeedSlot).where(NeedSlot.need_id == need.id))).scalars()
            found.append(
                (need.budgeted_rate_pence, sorted((int(s.day), s.start_minute, s.end_minute) for s in slots))
            )
        return found


async def _plans_in_db(db: Database) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(SupportPlan))).scalar_one()


async def test_a_broker_writes_a_plan_page_by_page_checks_it_and_makes_it_active(browser, db, demo):
    await sign_in(browser, BROKER)
    holder = await _a_holder(browser)
    holder_page = await browser.get(holder)
    assert f"{holder}/plans/new" in links_in(holder_page.text, f"{holder}/plans/new")

    plan = await _start_a_plan(browser)
    assert (await _plan_row(db, plan)).status == PlanStatus.DRAFT

    added = await _add_a_need(browser, plan)
    assert added.status_code == 303 and added.headers["location"] == f"{plan}/check"
    assert await _needs_of(db, plan) == [(1850, [(0, 480, 570), (3, 480, 570)])]

    preferences = await browser.get(f"{plan}/preferences")
    assert page_title(preferences.text) == "Preferences"
    saved = await browser.post(
        f"{plan}/preferences",
        data={
            "csrf_token": csrf_of(preferences.text),
            "gender": "FEMALE",
            "genderStrength": "REQUIRED",
            "languages": "pa, ur",
            "languagesStrength": "PREFERRED",
        },
    )
    assert saved.status_code == 303, page_text(saved.text)

    check = await browser.get(f"{plan}/check")
    text = page_text(check.text)
    assert page_title(check.text) == "Check the plan before it is made active"
    assert "To get up and dressed each morning." in text and "4 January 2027" in text
    assert "£18.50 an hour (£55.50 a week)" in text
    assert "Monday" in text and "Thursday" in text

    made_active = await browser.post(f"{plan}/check", data={"csrf_token": csrf_of(check.text)})
    assert made_active.status_code == 303 and made_active.headers["location"] == f"{plan}?activated=1"
    assert (await _plan_row(db, plan)).status == PlanStatus.ACTIVE
    shown = await browser.get(made_active.headers["location"])
    assert "The plan is active" in page_text(shown.text)


async def test_the_first_page_needs_outcomes_and_a_real_start_date_and_keeps_what_was_typed(
    browser, db, demo
):
    await sign_in(browser, BROKER)
    holder = await _a_holder(browser)
    form = await browser.get(f"{holder}/plans/new")
    before = await _plans_in_db(db)

    page = await browser.post(
        f"{holder}/plans/new",
        data={
            "csrf_token": csrf_of(form.text),
            "outcomes": "",
            "postcode": "LS6 2AB",
            "startDate-day": "31",
            "startDate-month": "2",
            "startDate-year": "2027",
        },
    )

    assert page.status_code == 400
    text = page_text(page.text)
    assert "There is a problem" in text
    assert "Enter what the person wants to achieve" in text
    assert "Start date must be a real date" in text
    assert 'href="#outcomes"' in page.text and 'href="#startDate"' in page.text
    assert 'value="LS6 2AB"' in page.text and 'value="31"' in page.text
    assert await _plans_in_db(db) == before


@pytest.mark.parametrize(
    "answers, field, message",
    [
        ({"budgetedRate": "NaN"}, "budgetedRate", "Enter the hourly rate in pounds"),
        ({"budgetedRate": "-18.50"}, "budgetedRate", "Enter the hourly rate in pounds"),
        ({"budgetedRate": "1e400"}, "budgetedRate", "Enter the hourly rate in pounds"),
        ({"budgetedRate": "18.505"}, "budgetedRate", "Enter the hourly rate in pounds"),
        ({"hoursPerWeek": "inf"}, "hoursPerWeek", "Enter the hours a week as a number"),
        ({"hoursPerWeek": "9" * 400}, "hoursPerWeek", "Enter the hours a week as a number"),
        ({"slots-2-day": "FUNDAY"}, "slots-2-day", "Select the day of time 3"),
        ({"slots-2-end": "07:00"}, "slots-2-end", ""),
        ({"slots-2-start": "\x00"}, "slots-2-start", ""),
        ({"serviceCode": "NOT-A-SERVICE"}, "serviceCode", ""),
    ],
)
async def test_a_bad_need_is_shown_at_its_field_with_the_input_kept_and_nothing_saved(
    browser, db, demo, answers, field, message
):
    await sign_in(browser, BROKER)
    plan = await _start_a_plan(browser)

    page = await _add_a_need(browser, plan, **answers)

    assert page.status_code == 400, page_text(page.text)
    assert "There is a problem" in page.text and "Sorry, there is a problem" not in page.text
    assert f'href="#{field}"' in page.text, page_text(page.text)
    assert message in page_text(page.text)
    assert 'value="08:00"' in page.text and 'value="09:30"' in page.text
    assert await _needs_of(db, plan) == []


async def test_a_need_can_be_changed_and_removed_from_the_check_page(browser, db, demo):
    await sign_in(browser, BROKER)
    plan = await _start_a_plan(browser)
    await _add_a_need(browser, plan)
    check = await browser.get(f"{plan}/check")
    change = next(link for link in links_in(check.text, f"{plan}/needs/") if not link.endswith("/remove"))

    form = await browser.get(change)
    assert page_title(form.text) == "Change a need" and 'value="18.50"' in form.text
    changed = await browser.post(
        change,
        data={
            "csrf_token": csrf_of(form.text),
            "slotRows": "5",
            "serviceCode": _first_service(form.text),
            "hoursPerWeek": "1.5",
            "budgetedRate": "20",
            "slots-0-day": "FRIDAY",
            "slots-0-start": "10:00",
            "slots-0-end": "11:30",
        },
    )
    assert changed.status_code == 303, page_text(changed.text)
    assert await _needs_of(db, plan) == [(2000, [(4, 600, 690)])]

    remove = await browser.get(f"{change}/remove")
    assert remove.status_code == 200
    removed = await browser.post(f"{change}/remove", data={"csrf_token": csrf_of(remove.text)})
    assert removed.status_code == 303
    assert await _needs_of(db, plan) == []


async def test_a_plan_without_needs_is_not_made_active(browser, db, demo):
    await sign_in(browser, BROKER)
    plan = await _start_a_plan(browser)
    check = await browser.get(f"{plan}/check")

    page = await browser.post(f"{plan}/check", data={"csrf_token": csrf_of(check.text)})

    assert page.status_code == 400
    assert "Add at least one need before the plan is made active" in page_text(page.text)
    assert (await _plan_row(db, plan)).status == PlanStatus.DRAFT


async def test_a_forged_plan_form_is_refused_and_saves_nothing(browser, db, demo):
    await sign_in(browser, BROKER)
    holder = await _a_holder(browser)
    before = await _plans_in_db(db)

    page = await browser.post(
        f"{holder}/plans/new",
        data={
            "csrf_token": "forged",
            "outcomes": "x",
            "startDate-day": "1",
            "startDate-month": "1",
            "startDate-year": "2027",
        },
    )

    assert page.status_code == 400 and "This form has expired" in page.text
    assert await _plans_in_db(db) == before


async def test_a_signed_out_visitor_is_sent_to_sign_in_first(browser, demo):
    page = await browser.get("/plans/anything/needs/new")

    assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")


@pytest.mark.parametrize("email", ["provider@leeds.example", "holder@leeds.example"])
async def test_a_provider_or_holder_cannot_write_a_plan(browser, db, demo, email):
    """A holder may read their own plan, so some pages open for them; the API refuses every change."""
    await sign_in(browser, BROKER)
    holder = await _a_holder(browser)
    plan = await _start_a_plan(browser)
    await _add_a_need(browser, plan)
    await browser.get("/sign-out")
    await sign_in(browser, email)
    csrf = csrf_of((await browser.get("/")).text)
    before = await _plans_in_db(db)

    attempts = {
        f"{holder}/plans/new": {
            "outcomes": "x",
            "startDate-day": "1",
            "startDate-month": "1",
            "startDate-year": "2027",
        },
        f"{plan}/about": {
            "outcomes": "changed",
            "startDate-day": "1",
            "startDate-month": "1",
            "startDate-year": "2027",
        },
        f"{plan}/preferences": {"gender": "MALE"},
        f"{plan}/check": {},
    }
    for path, answers in attempts.items():
        page = await browser.post(path, data={"csrf_token": csrf, **answers})
        assert page.status_code in (403, 404), (path, page.status_code, page_text(page.text)[:500])
        assert "Traceback" not in page.text

    assert await _plans_in_db(db) == before
    row = await _plan_row(db, plan)
    assert row.status == PlanStatus.DRAFT and row.outcomes.startswith("To get up and dressed")


async def test_a_broker_of_another_council_cannot_see_or_change_a_leeds_plan(browser, db, demo):
    await sign_in(browser, BROKER)
    plan = await _start_a_plan(browser)
    await browser.get("/sign-out")
    york = await make_council(db, "City of York Council")
    await make_user(db, Role.BROKER, york, email="broker@york.example")
    await sign_in(browser, "broker@york.example", PASSWORD)

    for path in (f"{plan}/about", f"{plan}/needs/new", f"{plan}/preferences", f"{plan}/check"):
        page = await browser.get(path)
        assert page.status_code == 404, path


@pytest.mark.parametrize(
    "path",
    [
        "/plans/%00/about",
        "/plans/" + "A" * 5000 + "/needs/new",
        "/plans/U3VwcG9ydFBsYW46OTk5OTk5/check",
        "/holders/%ED%A0%80/plans/new",
    ],
)
async def test_hostile_plan_urls_get_a_page_never_a_crash(browser, demo, path):
    await sign_in(browser, BROKER)

    page = await browser.get(path)

    assert page.status_code in (400, 404), page.status_code
    assert "Traceback" not in page.text and "Sorry, there is a problem" not in page.text
