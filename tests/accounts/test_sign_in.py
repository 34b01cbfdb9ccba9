"""Sign-in under attack: guesses are throttled per address so strangers slow only themselves,
nothing tells an attacker whether an account exists, and hashing never stalls the server."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from argon2 import PasswordHasher

from broker.accounts.models import Role, User
from broker.app import create_app
from tests.client import GraphQLClient
from tests.factories import PASSWORD, make_council, make_user, reload

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token
    userErrors { field message code }
  }
}
"""
THROTTLED = [
    {
        "field": "input",
        "message": "Too many sign-in attempts from your network. Wait 15 minutes and try again, "
        "or reset your password.",
        "code": "ACCOUNT_LOCKED",
    }
]
WRONG = [{"field": "input", "message": "Wrong email or password.", "code": "INVALID_CREDENTIALS"}]


@asynccontextmanager
async def client_at(api: GraphQLClient, address: str, app=None) -> AsyncIterator[GraphQLClient]:
    """Another caller of the same app (or of `app`), connecting from `address`."""
    transport = httpx.ASGITransport(app=app or api.http._transport.app, client=(address, 40000))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield GraphQLClient(http, settings=api.settings, clock=api.clock)


async def login(client: GraphQLClient, email: str, password: str) -> dict:
    return (await client.data(LOGIN, {"email": email, "password": password}))["login"]


def count_verifications(monkeypatch) -> itertools.count:
    """Counts argon2 verifications (each password actually evaluated) from any thread."""
    calls = itertools.count()
    original = PasswordHasher.verify

    def counted(self, hash, password):
        next(calls)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return calls


async def test_a_hundred_concurrent_wrong_passwords_get_only_the_limit_evaluated(api, db, monkeypatch):
    council = await make_council(db)
    user = await make_user(db, Role.BROKER, council, email="sam@leeds.example")
    verifications = count_verifications(monkeypatch)

    answers = await asyncio.gather(
        *(login(api, "sam@leeds.example", f"guess number {n}") for n in range(100))
    )

    errors = sorted((a["userErrors"] for a in answers), key=lambda e: e[0]["code"])
    assert errors == [THROTTLED] * 97 + [WRONG] * 3  # the test settings allow three per address
    assert next(verifications) == 3
    assert (await reload(db, User, user.id)).failed_logins == 3


async def test_a_stranger_guessing_cannot_lock_the_real_user_out(api, db):
    council = await make_council(db)
    await make_user(db, Role.BROKER, council, email="sam@leeds.example")
    for n in range(5):
        await login(api, "sam@leeds.example", f"guess number {n}")
    assert (await login(api, "sam@leeds.example", PASSWORD))["userErrors"] == THROTTLED

    async with client_at(api, "198.51.100.20") as sam_at_work:
        answer = await login(sam_at_work, "Sam@Leeds.example", PASSWORD)

    assert answer["userErrors"] == [] and answer["token"]


async def test_throttled_answers_are_the_same_for_known_and_unknown_emails(api, db):
    council = await make_council(db)
    await make_user(db, Role.BROKER, council, email="sam@leeds.example")
    for email in ("sam@leeds.example", "nobody@leeds.example"):
        for n in range(3):
            assert (await login(api, email, f"guess number {n}"))["userErrors"] == WRONG

    known = await login(api, "sam@leeds.example", PASSWORD)
    unknown = await login(api, "nobody@leeds.example", PASSWORD)

    assert known == unknown == {"token": None, "userErrors": THROTTLED}


async def test_a_right_password_forgives_earlier_misses_from_that_address(api, db):
    council = await make_council(db)
    await make_user(db, Role.BROKER, council, email="sam@leeds.example")

    for _ in range(2):
        for n in range(2):
            assert (await login(api, "sam@leeds.example", f"typo {n}"))["userErrors"] == WRONG
        assert (await login(api, "sam@leeds.example", PASSWORD))["userErrors"] == []


async def test_one_address_trying_many_emails_is_throttled_across_them(api, app, db, settings, clock):
    strict = settings.model_copy(update={"login_address_max_attempts": 4})
    spray = create_app(strict, clock=clock, db=db, search=app.state.search)
    async with (
        client_at(api, "203.0.113.5", spray) as attacker,
        client_at(api, "198.51.100.20", spray) as other,
    ):
        for n in range(4):
            assert (await login(attacker, f"person{n}@leeds.example", "guess guess"))["userErrors"] == WRONG

        fresh_email = await login(attacker, "person9@leeds.example", "guess guess")
        elsewhere = await login(other, "person9@leeds.example", "guess guess")

    assert fresh_email["userErrors"] == THROTTLED
    assert elsewhere["userErrors"] == WRONG


async def test_concurrent_failures_are_all_counted_on_the_account(api, db):
    council = await make_council(db)
    user = await make_user(db, Role.BROKER, council, email="sam@leeds.example")

    async def guess_from(n: int) -> dict:
        async with client_at(api, f"192.0.2.{n}") as caller:
            return await login(caller, "sam@leeds.example", "guess guess guess")

    answers = await asyncio.gather(*(guess_from(n) for n in range(1, 11)))

    assert [a["userErrors"] for a in answers] == [WRONG] * 10
    assert (await reload(db, User, user.id)).failed_logins == 10
    assert (await login(api, "sam@leeds.example", PASSWORD))["token"]
    assert (await reload(db, User, user.id)).failed_logins == 0


async def test_a_deactivated_or_admin_locked_user_hears_so_only_with_the_right_password(api, db, clock):
    council = await make_council(db)
    gone = await make_user(db, Role.BROKER, council, email="gone@leeds.example")
    paused = await make_user(db, Role.BROKER, council, email="paused@leeds.example")
    async with db.transaction() as session:
        (await session.get(User, gone.id)).deactivated_at = clock.now()
        (await session.get(User, paused.id)).locked_until = clock.now() + timedelta(hours=1)

    assert (await login(api, "gone@leeds.example", "guess guess guess"))["userErrors"] == WRONG
    assert (await login(api, "paused@leeds.example", "guess guess guess"))["userErrors"] == WRONG
    assert (await login(api, "gone@leeds.example", PASSWORD)) == {
        "token": None,
        "userErrors": [
            {
                "field": "input",
                "message": "This account has been deactivated. Ask an administrator if you need it again.",
                "code": "ACCOUNT_LOCKED",
            }
        ],
    }
    assert (await login(api, "paused@leeds.example", PASSWORD)) == {
        "token": None,
        "userErrors": [
            {
                "field": "input",
                "message": "An administrator has locked this account until 11:00 UTC.",
                "code": "ACCOUNT_LOCKED",
            }
        ],
    }


async def test_health_checks_answer_while_a_password_is_being_hashed(api, db, monkeypatch):
    """argon2 must run off the event loop: a verification that waits for /healthz to answer can
    only finish if the loop is free to serve /healthz meanwhile."""
    council = await make_council(db)
    await make_user(db, Role.BROKER, council, email="sam@leeds.example")
    healthz_answered = threading.Event()
    events: list[str] = []
    original = PasswordHasher.verify

    def waits_for_healthz(self, hash, password):
        events.append("verification started")
        healthz_answered.wait(timeout=10)  # never reached when the loop is free; fails the test if not
        events.append("verification finished")
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", waits_for_healthz)

    async def probe() -> None:
        while "verification started" not in events:
            await asyncio.sleep(0.001)
        response = await api.http.get("/healthz")
        events.append(f"healthz {response.status_code}")
        healthz_answered.set()

    answer, _ = await asyncio.gather(login(api, "sam@leeds.example", PASSWORD), probe())

    assert answer["userErrors"] == [] and answer["token"]
    assert events == ["verification started", "healthz 200", "verification finished"]
