"""A council lets its people in without shell access: admins create, invite and administer their
council's users; brokers create the sign-ins of the holders, representatives and providers they set
up and nothing more; anyone can ask for a reset without learning whether an account exists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from strawberry.relay import to_base64

from broker.accounts.models import Role, User, UserChange
from broker.db import Database
from tests.client import GraphQLClient
from tests.factories import PASSWORD, count, make_council, make_user, reload

CREATE = """
mutation($input: CreateUserInput!) {
  createUser(input: $input) { user { id email fullName role } userErrors { field message code } }
}"""
INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { user { id email role } inviteToken expiresAt userErrors { field code } }
}"""
RESET = """
mutation($input: ResetPasswordInput!) {
  resetPassword(input: $input) { user { email } userErrors { field message code } }
}"""
LOGIN = """
mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token userErrors { code } } }
"""
REQUEST_RESET = """
mutation($email: String!) {
  requestPasswordReset(input: {email: $email}) { resetToken expiresAt userErrors { code } }
}"""
USERS = """
query($filter: UserFilterInput) { users(first: 50, filter: $filter) { totalCount nodes { email role } } }
"""
DEACTIVATE = """
mutation($id: ID!) {
  deactivateUser(input: {userId: $id}) { user { email active } userErrors { field code } } }
"""
ROLE = """
mutation($id: ID!, $role: Role!) {
  changeUserRole(input: {userId: $id, role: $role}) { user { role } userErrors { field code } }
}"""
UNLOCK = "mutation($id: ID!) { unlockUser(input: {userId: $id}) { user { email } userErrors { code } } }"
CHANGE_PASSWORD = """
mutation($c: String!, $n: String!) {
  changePassword(input: {currentPassword: $c, newPassword: $n}) { token userErrors { field code } }
}"""
GOOD_PASSWORD = "a brand new passphrase 42"


def gid(type_name: str, key: int | None) -> str:
    return to_base64(type_name, key)


def new_user(role: str, email: str, **extra: object) -> dict[str, object]:
    return {
        "input": {"email": email, "fullName": "Sam Jones", "role": role, "password": GOOD_PASSWORD, **extra}
    }


@pytest.fixture
async def leeds(db: Database):
    return await make_council(db, "Leeds")


@pytest.fixture
async def admin(db: Database, leeds) -> User:
    return await make_user(db, Role.ADMIN, leeds, email="admin@leeds.example")


@pytest.fixture
async def broker(db: Database, leeds) -> User:
    return await make_user(db, Role.BROKER, leeds, email="broker@leeds.example")


async def test_a_council_admin_creates_a_broker_who_can_then_sign_in(api: GraphQLClient, admin, db):
    data = await api.data(CREATE, new_user("BROKER", "New.Broker@Leeds.example"), as_user=admin)

    created = data["createUser"]
    assert created["userErrors"] == []
    assert created["user"]["email"] == "new.broker@leeds.example"
    login = await api.data(LOGIN, {"e": "new.broker@leeds.example", "p": GOOD_PASSWORD})
    assert login["login"]["token"]
    assert await count(db, UserChange) == 1


async def test_a_broker_creates_a_holders_sign_in_but_not_a_broker_or_an_admin(api: GraphQLClient, broker):
    holder = await api.data(CREATE, new_user("DP_HOLDER", "holder@x.example"), as_user=broker)
    colleague = await api.data(CREATE, new_user("BROKER", "b2@x.example"), as_user=broker)
    admin = await api.data(CREATE, new_user("ADMIN", "a2@x.example"), as_user=broker)

    assert holder["createUser"]["userErrors"] == []
    assert colleague["createUser"]["user"] is None
    assert colleague["createUser"]["userErrors"][0]["code"] == "PERMISSION_DENIED"
    assert admin["createUser"]["userErrors"][0]["field"] == "input.role"


async def test_a_council_admin_cannot_create_users_in_another_council(api: GraphQLClient, admin, db):
    other = await make_council(db, "Bradford")

    data = await api.data(
        CREATE, new_user("BROKER", "b@bradford.example", councilId=gid("Council", other.id)), as_user=admin
    )

    assert data["createUser"]["userErrors"][0]["code"] == "PERMISSION_DENIED"
    assert await count(db, User) == 1


async def test_holders_providers_and_anonymous_callers_cannot_create_users(api: GraphQLClient, db, leeds):
    holder = await make_user(db, Role.DP_HOLDER, leeds)
    provider = await make_user(db, Role.PROVIDER, leeds)

    for caller in (holder, provider, None):
        body = await api.execute(CREATE, new_user("DP_HOLDER", "x@x.example"), as_user=caller)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await count(db, User) == 2


async def test_bad_input_is_refused_field_by_field_and_nothing_is_created(api: GraphQLClient, admin, db):
    data = await api.data(
        CREATE,
        {"input": {"email": "not an email", "fullName": "x" * 121, "role": "BROKER", "password": "password"}},
        as_user=admin,
    )

    assert data["createUser"]["userErrors"][0]["field"] == "input.fullName"
    data = await api.data(
        CREATE,
        {"input": {"email": "nope", "fullName": "A", "role": "BROKER", "password": "password1"}},
        as_user=admin,
    )
    fields = {e["field"] for e in data["createUser"]["userErrors"]}
    assert fields == {"input.email", "input.password"}
    assert await count(db, User) == 1


async def test_an_invited_provider_chooses_their_password_once(api: GraphQLClient, broker):
    invited = (
        await api.data(
            INVITE,
            {"input": {"email": "pa@x.example", "fullName": "Priya Patel", "role": "PROVIDER"}},
            as_user=broker,
        )
    )["inviteUser"]
    token = invited["inviteToken"]
    assert token and invited["userErrors"] == []

    first = await api.data(RESET, {"input": {"token": token, "newPassword": GOOD_PASSWORD}})
    again = await api.data(RESET, {"input": {"token": token, "newPassword": "another fine passphrase"}})

    assert first["resetPassword"]["user"]["email"] == "pa@x.example"
    assert again["resetPassword"]["userErrors"][0]["field"] == "input.token"
    assert (await api.data(LOGIN, {"e": "pa@x.example", "p": GOOD_PASSWORD}))["login"]["token"]


async def test_an_expired_or_forged_token_sets_no_password(api: GraphQLClient, admin, db):
    issued = (await api.data(REQUEST_RESET, {"email": admin.email}, as_user=admin))["requestPasswordReset"]
    api.clock.at += timedelta(hours=2)

    expired = await api.data(RESET, {"input": {"token": issued["resetToken"], "newPassword": GOOD_PASSWORD}})
    forged = await api.data(RESET, {"input": {"token": "x" * 43, "newPassword": GOOD_PASSWORD}})
    huge = await api.data(RESET, {"input": {"token": "x" * 10_000, "newPassword": GOOD_PASSWORD}})

    for answer in (expired, forged, huge):
        assert answer["resetPassword"]["userErrors"][0]["code"] == "INVALID"
    assert (await reload(db, User, admin.id)).password_hash == admin.password_hash


async def test_asking_for_a_reset_tells_a_stranger_nothing(api: GraphQLClient, admin, db):
    known = await api.execute(REQUEST_RESET, {"email": admin.email})
    unknown = await api.execute(REQUEST_RESET, {"email": "nobody@leeds.example"})

    assert known["data"] == unknown["data"]
    assert known["data"]["requestPasswordReset"] == {"resetToken": None, "expiresAt": None, "userErrors": []}


async def test_an_admin_is_given_the_reset_token_for_their_councils_user_only(
    api: GraphQLClient, admin, broker, db
):
    other = await make_user(db, Role.BROKER, await make_council(db, "York"), email="b@york.example")

    mine = (await api.data(REQUEST_RESET, {"email": broker.email}, as_user=admin))["requestPasswordReset"]
    theirs = (await api.data(REQUEST_RESET, {"email": other.email}, as_user=admin))["requestPasswordReset"]
    by_broker = (await api.data(REQUEST_RESET, {"email": admin.email}, as_user=broker))[
        "requestPasswordReset"
    ]

    assert mine["resetToken"] and mine["expiresAt"]
    assert theirs["resetToken"] is None
    assert by_broker["resetToken"] is None


async def test_a_deactivated_user_is_signed_out_at_once_and_cannot_sign_in(api: GraphQLClient, admin, broker):
    token = api.token_for(broker)

    data = await api.data(DEACTIVATE, {"id": gid("User", broker.id)}, as_user=admin)

    assert data["deactivateUser"]["userErrors"] == []
    assert data["deactivateUser"]["user"]["active"] is False
    assert (await api.post("{ viewer { email } }", token=token)).status_code == 401
    assert (await api.data(LOGIN, {"e": broker.email, "p": PASSWORD}))["login"]["token"] is None


async def test_only_admins_administer_and_never_themselves(api: GraphQLClient, admin, broker):
    by_broker = await api.execute(DEACTIVATE, {"id": gid("User", admin.id)}, as_user=broker)
    self_demotion = await api.data(ROLE, {"id": gid("User", admin.id), "role": "BROKER"}, as_user=admin)
    promotion = await api.data(ROLE, {"id": gid("User", broker.id), "role": "ADMIN"}, as_user=admin)

    assert by_broker["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert self_demotion["changeUserRole"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert promotion["changeUserRole"]["user"]["role"] == "ADMIN"


async def test_an_admin_of_another_council_cannot_see_or_touch_a_user(api: GraphQLClient, broker, db):
    york_admin = await make_user(db, Role.ADMIN, await make_council(db, "York"))

    data = await api.data(UNLOCK, {"id": gid("User", broker.id)}, as_user=york_admin)
    listed = await api.data(USERS, as_user=york_admin)

    assert data["unlockUser"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert broker.email not in {u["email"] for u in listed["users"]["nodes"]}


async def test_staff_list_their_councils_users_by_email_and_role(api: GraphQLClient, admin, broker, db):
    await make_user(db, Role.DP_HOLDER, await make_council(db, "York"), email="h@york.example")

    everyone = await api.data(USERS, as_user=broker)
    brokers = await api.data(USERS, {"filter": {"role": "BROKER"}}, as_user=admin)
    by_email = await api.data(USERS, {"filter": {"email": "ADMIN@"}}, as_user=admin)

    assert {u["email"] for u in everyone["users"]["nodes"]} == {admin.email, broker.email}
    assert [u["email"] for u in brokers["users"]["nodes"]] == [broker.email]
    assert by_email["users"]["totalCount"] == 1


async def test_changing_your_password_ends_your_other_sessions(api: GraphQLClient, db, leeds):
    user = await make_user(db, Role.BROKER, leeds)
    old_token = api.token_for(user)
    current = PASSWORD

    wrong = await api.data(CHANGE_PASSWORD, {"c": "not it at all", "n": GOOD_PASSWORD}, as_user=user)
    done = await api.data(CHANGE_PASSWORD, {"c": current, "n": GOOD_PASSWORD}, as_user=user)

    assert wrong["changePassword"]["userErrors"][0]["field"] == "input.currentPassword"
    new_token = done["changePassword"]["token"]
    assert (await api.post("{ viewer { email } }", token=old_token)).status_code == 401
    assert (await api.execute("{ viewer { email } }", token=new_token))["data"]["viewer"][
        "email"
    ] == user.email


VIEWER_PROVIDER = "{ viewer { provider { name status } } }"


async def test_a_provider_finds_their_own_listing_from_viewer(api: GraphQLClient, db, leeds):
    from tests.factories import make_provider

    pa = await make_user(db, Role.PROVIDER, leeds)
    await make_provider(db, leeds, owner=pa, name="Jo Bloggs")
    broker = await make_user(db, Role.BROKER, leeds)

    mine = await api.data(VIEWER_PROVIDER, as_user=pa)
    brokers = await api.data(VIEWER_PROVIDER, as_user=broker)
    anonymous = await api.data(VIEWER_PROVIDER)

    assert mine["viewer"]["provider"] == {"name": "Jo Bloggs", "status": "PUBLISHED"}
    assert brokers["viewer"]["provider"] is None
    assert anonymous["viewer"] is None


CHANGES = "query($id: ID!) { userChanges(userId: $id) { kind changedBy { email } } }"


async def test_the_council_admin_reads_who_changed_an_account_and_a_broker_does_not(
    api: GraphQLClient, admin, broker
):
    await api.data(UNLOCK, {"id": gid("User", broker.id)}, as_user=admin)

    seen = await api.data(CHANGES, {"id": gid("User", broker.id)}, as_user=admin)
    by_broker = await api.execute(CHANGES, {"id": gid("User", admin.id)}, as_user=broker)

    assert seen["userChanges"] == [{"kind": "UNLOCKED", "changedBy": {"email": admin.email}}]
    assert by_broker["errors"][0]["extensions"]["code"] == "FORBIDDEN"
