"""The password rule for every password a person chooses: long enough and not a common one."""

from __future__ import annotations

import pytest

from broker.accounts import service
from broker.accounts.models import Role, User
from broker.accounts.passwords import is_common_password
from broker.errors import InvalidInput
from tests.factories import make_council, make_user

COMMON = (
    "This is one of the most common passwords, which attackers try first. "
    "Choose another: three random words work well."
)


@pytest.mark.parametrize(
    "password", ["password123", "Password123", "qwertyuiop", "321drowssap", "0987654321"]
)
def test_common_passwords_are_recognised_whatever_their_case_or_direction(password):
    assert is_common_password(password)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "demo-password-2026", "kettle umbrella otter", "x" * 256]
)
def test_passphrases_are_not_common(password):
    assert not is_common_password(password)


async def test_creating_a_user_with_a_common_password_is_refused(db):
    council = await make_council(db)

    with pytest.raises(InvalidInput) as refused:
        async with db.transaction() as session:
            await service.create_user(
                session, email="sam@leeds.example", password="Manchester1", role=Role.BROKER, council=council
            )

    assert [(e.field, e.message, e.code.value) for e in refused.value.errors] == [
        ("password", COMMON, "COMMON_PASSWORD")
    ]


async def test_setting_a_common_password_is_refused_and_nothing_changes(db):
    council = await make_council(db)
    user = await make_user(db, Role.BROKER, council)

    with pytest.raises(InvalidInput) as refused:
        async with db.transaction() as session:
            await service.set_password(session, await session.get(User, user.id), "Password123")

    assert [(e.field, e.code.value) for e in refused.value.errors] == [("password", "COMMON_PASSWORD")]
    async with db.session() as session:
        stored = await session.get(User, user.id)
    assert stored.token_version == 0 and stored.password_hash == user.password_hash
