"""A resident searches without signing in and reads a listing; staff sign in and out. Driven over HTTP
as a browser without JavaScript would: forms, redirects and the session cookie."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from broker.accounts.models import Role
from broker.db import Database
from tests.factories import PASSWORD, make_council, make_provider, make_user


@pytest.fixture
async def listed(db: Database, index_now):
    council = await make_council(db, "Leeds City Council")
    jo = await make_provider(db, council, name="Jo Bloggs", contact_email="jo.private@example.org")
    hidden = await make_provider(db, council, name="Not Yet Vetted", accredited_until=None)
    await index_now()
    return council, jo, hidden


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form carries no CSRF token"
    return match.group(1)


async def test_a_resident_finds_an_accredited_pa_near_them_without_signing_in(browser, listed):
    page = await browser.get("/", params={"text": "dementia", "postcode": "LS8"})

    assert page.status_code == 200
    assert "Jo Bloggs" in page.text
    assert "Not Yet Vetted" not in page.text
    assert "<title>Search results" in page.text
    assert "1 result" in page.text


async def test_a_listing_page_shows_what_a_resident_needs_and_no_contact_or_check_records(browser, listed):
    results = await browser.get("/", params={"text": "dementia"})
    link = re.search(r'href="(/providers/[^"]+)"', results.text).group(1)

    page = await browser.get(link)

    assert page.status_code == 200
    assert "Jo Bloggs" in page.text and "Accredited by Leeds City Council until 30 June 2027" in page.text
    assert "jo.private@example.org" not in page.text
    assert "DBS" not in page.text and "0113 496 0000" not in page.text


async def test_an_unknown_or_unaccredited_listing_is_a_page_not_found(browser, listed):
    _, _, hidden = listed
    from strawberry.relay import to_base64

    for path in ("/providers/nonsense", f"/providers/{to_base64('Provider', hidden.id)}", "/no/such/page"):
        page = await browser.get(path)
        assert page.status_code == 404, path
        assert "Page not found" in page.text


async def test_a_bad_rate_is_explained_beside_the_field_and_the_search_is_kept(browser, listed):
    page = await browser.get("/", params={"text": "dementia", "maxRate": "-3"})

    assert page.status_code == 200
    assert "There is a problem" in page.text
    assert 'href="#maxRatePence"' in page.text or "highest hourly rate in pounds, for example" in page.text
    assert 'value="dementia"' in page.text


@pytest.mark.parametrize(
    "query",
    [
        "text=%00%ED%A0%80",  # NUL and a lone surrogate, as a browser would encode them
        "text=" + "x" * 60_000,
        "maxRate=nan",
        "maxRate=1e999",
        "radiusKm=-1&postcode=LS8",
        "after=not-a-cursor&text=x",
        "postcode=ZZ99+9ZZ",
        "&".join(["services=NOT_A_SERVICE"] * 50),
        "languages=%FF%FE",
    ],
)
async def test_hostile_search_parameters_get_a_page_never_a_crash(browser, listed, query):
    page = await browser.get(f"/?{query}")

    assert page.status_code in (200, 400)
    assert "Traceback" not in page.text and "Sorry, there is a problem" not in page.text


async def test_a_broker_signs_in_goes_where_they_were_going_and_signs_out(browser, db, listed):
    council, _, _ = listed
    broker = await make_user(db, Role.BROKER, council, email="broker@leeds.example")
    form = await browser.get("/sign-in", params={"next": "/accessibility"})
    assert 'for="email">Email address<' in form.text and 'for="password">Password<' in form.text

    signed_in = await browser.post(
        "/sign-in",
        data={
            "email": broker.email,
            "password": PASSWORD,
            "next": "/accessibility",
            "csrf_token": _csrf(form.text),
        },
    )

    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/accessibility"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    home = await browser.get("/")
    assert "Signed in as Test Broker, Leeds City Council" in home.text
    signed_out = await browser.post("/sign-out", data={"csrf_token": _csrf(home.text)})
    assert "You have signed out" in signed_out.text
    assert "Signed in as" not in (await browser.get("/")).text


async def test_a_wrong_password_is_one_error_and_the_email_is_kept(browser, db, listed):
    council, _, _ = listed
    await make_user(db, Role.BROKER, council, email="broker@leeds.example")
    form = await browser.get("/sign-in")

    page = await browser.post(
        "/sign-in",
        data={"email": "broker@leeds.example", "password": "wrong", "csrf_token": _csrf(form.text)},
    )

    assert page.status_code == 400
    assert "Enter a correct email address and password" in page.text
    assert 'value="broker@leeds.example"' in page.text
    assert "<title>Error: Sign in" in page.text


async def test_a_form_without_its_csrf_token_changes_nothing(browser, db, listed):
    council, _, _ = listed
    broker = await make_user(db, Role.BROKER, council)

    page = await browser.post("/sign-in", data={"email": broker.email, "password": PASSWORD})

    assert page.status_code == 400
    assert "set-cookie" not in page.headers or "token" not in page.headers.get("set-cookie", "")
    assert "Signed in as" not in (await browser.get("/")).text


async def test_sign_in_never_sends_you_to_another_site(browser, db, listed):
    council, _, _ = listed
    broker = await make_user(db, Role.BROKER, council)
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        form = await browser.get("/sign-in")
        answer = await browser.post(
            "/sign-in",
            data={
                "email": broker.email,
                "password": PASSWORD,
                "next": target,
                "csrf_token": _csrf(form.text),
            },
        )
        assert answer.headers["location"] == "/", target


async def test_an_expired_session_returns_to_sign_in_with_a_message(browser, db, listed, clock):
    council, _, _ = listed
    broker = await make_user(db, Role.BROKER, council)
    form = await browser.get("/sign-in")
    await browser.post(
        "/sign-in", data={"email": broker.email, "password": PASSWORD, "csrf_token": _csrf(form.text)}
    )
    clock.at += timedelta(days=2)  # past the token's lifetime

    page = await browser.get("/", params={"text": "dementia"})

    assert page.status_code == 303
    assert page.headers["location"].startswith("/sign-in?next=/") and "expired=1" in page.headers["location"]
    message = await browser.get(page.headers["location"])
    assert "Your session has ended" in message.text


async def test_the_stylesheet_travels_gzipped_and_pages_do_not(browser, listed):
    """Most of a page's weight is the stylesheet; pages carry a CSRF token beside what was typed, so
    they are left uncompressed (BREACH)."""
    css = await browser.get("/static/app.css", headers={"Accept-Encoding": "gzip"})
    page = await browser.get("/", headers={"Accept-Encoding": "gzip"})

    assert css.status_code == 200 and css.headers["content-encoding"] == "gzip"
    assert css.num_bytes_downloaded < len(css.content) / 3
    assert "content-encoding" not in page.headers
