"""Signing in, tokens, and who the API thinks you are."""

from __future__ import annotations

from datetime import timedelta

from broker.accounts.models import Role, User
from tests.factories import PASSWORD, make_council, make_user, reload

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token expiresAt
    viewer { email role council { name } }
    userErrors { field message code }
  }
}
"""
VIEWER = "{ viewer { email role } }"


async def test_broker_signs_in_and_the_token_identifies_them(api, db):
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council, email="sam@leeds.example")

    login = (await api.data(LOGIN, {"email": "Sam@Leeds.example ", "password": PASSWORD}))["login"]

    assert login["userErrors"] == []
    assert login["viewer"] == {
        "email": "sam@leeds.example",
        "role": "BROKER",
        "council": {"name": "Leeds City Council"},
    }
    assert login["expiresAt"].startswith("2026-11-26T18:00:00")
    viewer = await api.execute(VIEWER, token=login["token"])
    assert viewer["data"]["viewer"] == {"email": broker.email, "role": "BROKER"}


async def test_wrong_password_and_unknown_email_get_the_same_answer(api, db):
    council = await make_council(db)
    await make_user(db, Role.BROKER, council, email="sam@leeds.example")

    wrong = (await api.data(LOGIN, {"email": "sam@leeds.example", "password": "nope nope nope"}))["login"]
    unknown = (await api.data(LOGIN, {"email": "who@leeds.example", "password": "nope nope nope"}))["login"]

    expected = [{"field": "input", "message": "Wrong email or password.", "code": "INVALID_CREDENTIALS"}]
    assert wrong["userErrors"] == unknown["userErrors"] == expected
    assert wrong["token"] is None and unknown["token"] is None


async def test_repeated_failures_throttle_the_address_even_for_the_right_password(api, db):
    council = await make_council(db)
    user = await make_user(db, Role.DP_HOLDER, council, email="pat@leeds.example")
    for _ in range(3):  # the test settings allow three attempts per email from one address
        await api.data(LOGIN, {"email": "pat@leeds.example", "password": "guess guess guess"})

    locked = (await api.data(LOGIN, {"email": "pat@leeds.example", "password": PASSWORD}))["login"]

    assert locked["token"] is None
    assert [e["code"] for e in locked["userErrors"]] == ["ACCOUNT_LOCKED"]
    stored = await reload(db, User, user.id)
    # Counted for administrators to see, but the account itself is not locked (tests/test_sign_in.py).
    assert stored.failed_logins == 3 and stored.locked_until is None


async def test_anonymous_viewer_is_null(api):
    assert (await api.data(VIEWER)) == {"viewer": None}


async def test_expired_or_forged_tokens_are_refused_with_401(api, db, clock):
    council = await make_council(db)
    user = await make_user(db, Role.BROKER, council)
    token = api.token_for(user)

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert (await api.post(VIEWER, token=forged)).status_code == 401
    assert (await api.post(VIEWER, headers={"Authorization": "Basic abc"})).status_code == 401
    clock.at += timedelta(hours=2)
    response = await api.post(VIEWER, token=token)
    assert response.status_code == 401
    assert "sign in again" in response.text


async def test_users_are_nodes_visible_to_themselves_and_their_council_staff(api, db):
    council, other = await make_council(db), await make_council(db)
    holder = await make_user(db, Role.DP_HOLDER, council)
    broker = await make_user(db, Role.BROKER, council)
    outsider = await make_user(db, Role.BROKER, other)
    node_id = (await api.data(VIEWER.replace("email role", "id"), as_user=holder))["viewer"]["id"]
    query = "query($id: ID!) { node(id: $id) { ... on User { email } } }"

    assert (await api.data(query, {"id": node_id}, as_user=holder))["node"] == {"email": holder.email}
    assert (await api.data(query, {"id": node_id}, as_user=broker))["node"] == {"email": holder.email}
    assert (await api.data(query, {"id": node_id}, as_user=outsider))["node"] is None
    assert (await api.data(query, {"id": node_id}))["node"] is None
