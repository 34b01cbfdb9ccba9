"""A token says who you are, not what you may do: every request sees the user's current role,
council and state, so demotions, moves, deletions and revocations take effect at once."""

from __future__ import annotations

from strawberry.relay import to_base64

from broker.accounts import service
from broker.accounts.models import Role, User
from tests.factories import make_council, make_holder, make_plan, make_user

READ_PLAN = "query($id: ID!) { supportPlan(id: $id) { outcomes } }"
VIEWER = "{ viewer { email role council { name } } }"
REFUSED = "The token is invalid or has expired; sign in again."


async def change_user(db, user: User, **changes: object) -> None:
    async with db.transaction() as session:
        stored = await session.get(User, user.id)
        for name, value in changes.items():
            setattr(stored, name, value)


async def _broker_with_a_plan(db):
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council, email="sam@leeds.example")
    plan = await make_plan(db, await make_holder(db, council))
    return council, broker, {"id": to_base64("SupportPlan", plan.id)}


async def test_a_demoted_broker_cannot_read_their_old_councils_plans_with_their_old_token(api, db):
    _, broker, plan = await _broker_with_a_plan(db)
    token = api.token_for(broker)
    assert (await api.execute(READ_PLAN, plan, token=token))["data"]["supportPlan"] is not None

    await change_user(db, broker, role=Role.REPRESENTATIVE)
    after = await api.execute(READ_PLAN, plan, token=token)
    viewer = await api.execute(VIEWER, token=token)

    assert after["data"] == {"supportPlan": None}
    assert viewer["data"]["viewer"]["role"] == "REPRESENTATIVE"


async def test_a_broker_moved_to_another_council_sees_only_the_new_one(api, db):
    _, broker, plan = await _broker_with_a_plan(db)
    token = api.token_for(broker)
    bradford = await make_council(db, "Bradford Council")

    await change_user(db, broker, council_id=bradford.id)
    after = await api.execute(READ_PLAN, plan, token=token)
    viewer = await api.execute(VIEWER, token=token)

    assert after["data"] == {"supportPlan": None}
    assert viewer["data"]["viewer"] == {
        "email": "sam@leeds.example",
        "role": "BROKER",
        "council": {"name": "Bradford Council"},
    }


async def test_a_deleted_users_token_is_refused_with_401(api, db):
    council = await make_council(db)
    user = await make_user(db, Role.BROKER, council)
    token = api.token_for(user)
    async with db.transaction() as session:
        await session.delete(await session.get(User, user.id))

    response = await api.post(VIEWER, token=token)

    assert response.status_code == 401
    assert REFUSED in response.text


async def test_a_deactivated_users_token_is_refused_with_401(api, db, clock):
    council = await make_council(db)
    user = await make_user(db, Role.BROKER, council)
    token = api.token_for(user)

    await change_user(db, user, deactivated_at=clock.now())

    assert (await api.post(VIEWER, token=token)).status_code == 401


async def test_revoking_sessions_refuses_older_tokens_and_accepts_new_ones(api, db):
    council = await make_council(db)
    user = await make_user(db, Role.BROKER, council, email="sam@leeds.example")
    old_token = api.token_for(user)

    async with db.transaction() as session:
        await service.revoke_sessions(session, user.id)
        refreshed = await session.get(User, user.id)
    new_token = api.token_for(refreshed)

    assert refreshed.token_version == 1
    assert (await api.post(VIEWER, token=old_token)).status_code == 401
    assert (await api.execute(VIEWER, token=new_token))["data"]["viewer"]["email"] == "sam@leeds.example"


async def test_a_new_password_signs_the_user_out_everywhere(api, db):
    council = await make_council(db)
    user = await make_user(db, Role.BROKER, council)
    old_token = api.token_for(user)

    async with db.transaction() as session:
        stored = await session.get(User, user.id)
        await service.set_password(session, stored, "a brand new passphrase")

    assert stored.token_version == 1
    assert (await api.post(VIEWER, token=old_token)).status_code == 401
