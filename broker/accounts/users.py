"""The people a council lets in: creating, inviting and administering sign-ins, and passwords.

Every change is recorded in `UserChange` (who, when, what; never a password or token). One-time
tokens (invites and resets) are random, kept only as SHA-256, single use and short-lived; until
notifications exist they are handed to the administrator who issues them, never to an anonymous
caller, so `requestPasswordReset` answers every email alike.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts import access
from broker.accounts.actor import Actor
from broker.accounts.models import (
    Council,
    PasswordReset,
    ResetPurpose,
    Role,
    User,
    UserChange,
    UserChangeKind,
)
from broker.accounts.passwords import hash_password_off_loop, verify_password_off_loop
from broker.accounts.service import (
    MAX_PASSWORD_LENGTH,
    check_new_password,
    create_user,
    normalise_email,
    revoke_sessions,
)
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems

RESET_LIFETIME = timedelta(hours=1)
INVITE_LIFETIME = timedelta(days=7)
FULL_NAME_MAX = 120


@dataclass(frozen=True)
class NewUser:
    email: str
    full_name: str
    role: Role
    council_id: int | None
    password: str | None = None


@dataclass(frozen=True)
class UserFilter:
    email: str | None = None
    role: Role | None = None
    council_id: int | None = None


@dataclass(frozen=True)
class IssuedToken:
    """A one-time token as its issuer sees it, once: only its hash is stored."""

    user: User
    token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _record(
    session: AsyncSession, user: User, by: Actor | None, kind: UserChangeKind, now: datetime, detail: str = ""
) -> None:
    assert user.id is not None
    session.add(
        UserChange(
            user_id=user.id,
            changed_by_id=by.user_id if by else None,
            kind=kind,
            detail=detail,
            changed_at=now,
        )
    )


async def _issue(
    session: AsyncSession, user: User, purpose: ResetPurpose, by: Actor | None, now: datetime
) -> IssuedToken:
    assert user.id is not None
    # A new token replaces any still live: only the latest one handed out works.
    live = await session.execute(
        select(PasswordReset).where(
            col(PasswordReset.user_id) == user.id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.expires_at) > now,
        )
    )
    for old in live.scalars():
        old.used_at = now
    token = secrets.token_urlsafe(32)
    expires_at = now + (INVITE_LIFETIME if purpose is ResetPurpose.INVITE else RESET_LIFETIME)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_hash(token),
            purpose=purpose,
            created_by_id=by.user_id if by else None,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return IssuedToken(user=user, token=token, expires_at=expires_at)


async def _council(session: AsyncSession, council_id: int | None) -> Council | None:
    if council_id is None:
        return None
    council = await session.get(Council, council_id)
    if council is None:
        raise NotFound("No council with this ID.", field="council_id")
    return council


async def _new_user(session: AsyncSession, actor: Actor, command: NewUser, password: str) -> User:
    council_id = command.council_id if actor.is_platform_admin else (command.council_id or actor.council_id)
    if len(command.full_name) > FULL_NAME_MAX:
        raise InvalidInput(f"At most {FULL_NAME_MAX} characters.", field="full_name", code=ErrorCode.TOO_LONG)
    if not access.may_create(actor, command.role, council_id):
        raise PermissionDenied(
            "You may not create this sign-in: admins create their council's users, brokers the sign-ins "
            "of DP holders, representatives and providers of their council.",
            field="role",
        )
    council = await _council(session, council_id)
    return await create_user(
        session,
        email=command.email,
        password=password,
        role=command.role,
        council=council,
        full_name=command.full_name,
    )


async def create_user_for(session: AsyncSession, *, actor: Actor, command: NewUser, now: datetime) -> User:
    """A user with the password the creator chose (they pass it on; the user should change it)."""
    if not command.password:
        raise InvalidInput(
            "Give a password, or invite the user instead.", field="password", code=ErrorCode.REQUIRED
        )
    user = await _new_user(session, actor, command, command.password)
    _record(session, user, actor, UserChangeKind.CREATED, now, detail=user.role.value)
    return user


async def invite_user(session: AsyncSession, *, actor: Actor, command: NewUser, now: datetime) -> IssuedToken:
    """A user who chooses their own password with the invite token (valid for seven days)."""
    # Nobody knows this password: the account cannot be signed in to until the invite is used.
    user = await _new_user(session, actor, command, secrets.token_urlsafe(24) + "-Invite-9")
    _record(session, user, actor, UserChangeKind.INVITED, now, detail=user.role.value)
    return await _issue(session, user, ResetPurpose.INVITE, actor, now)


async def list_users(
    session: AsyncSession, *, actor: Actor, filters: UserFilter, limit: int, offset: int
) -> tuple[list[User], int]:
    query = select(User).where(access.visible_clause(actor))
    if filters.email:
        query = query.where(col(User.email).contains(normalise_email(filters.email), autoescape=True))
    query = queries.where_given(
        query, (col(User.role), filters.role), (col(User.council_id), filters.council_id)
    )
    return await queries.page(session, query, [col(User.email)], limit, offset)


async def _administered(session: AsyncSession, actor: Actor, user_id: int) -> User:
    user = await session.get(User, user_id, with_for_update=True)
    if user is None or not access.may_see(actor, user):
        raise NotFound("No user with this ID.", field="user_id")
    if not access.may_administer(actor, user):
        raise PermissionDenied("Only the council's admins change this user's account.", field="user_id")
    return user


async def change_role(
    session: AsyncSession, *, actor: Actor, user_id: int, role: Role, now: datetime
) -> User:
    user = await _administered(session, actor, user_id)
    if user.id == actor.user_id:
        raise Conflict("You cannot change your own role; ask another admin.", field="user_id")
    if user.council_id is None and not actor.is_platform_admin:
        raise PermissionDenied("Only platform admins change a platform admin.", field="user_id")
    if role is Role.ADMIN and user.council_id is None and not actor.is_platform_admin:
        raise PermissionDenied("Only platform admins make platform admins.", field="role")
    if user.role is role:
        return user
    before = user.role
    user.role = role
    _record(session, user, actor, UserChangeKind.ROLE_CHANGED, now, detail=f"{before.value} -> {role.value}")
    return user


async def deactivate_user(session: AsyncSession, *, actor: Actor, user_id: int, now: datetime) -> User:
    """The user cannot sign in, and every token they hold stops working on its next request."""
    user = await _administered(session, actor, user_id)
    if user.id == actor.user_id:
        raise Conflict("You cannot deactivate yourself; ask another admin.", field="user_id")
    if user.deactivated_at is None:
        user.deactivated_at = now
        await session.flush()
        await revoke_sessions(session, user_id)
        _record(session, user, actor, UserChangeKind.DEACTIVATED, now)
    return user


async def reactivate_user(session: AsyncSession, *, actor: Actor, user_id: int, now: datetime) -> User:
    user = await _administered(session, actor, user_id)
    if user.deactivated_at is not None:
        user.deactivated_at = None
        _record(session, user, actor, UserChangeKind.REACTIVATED, now)
    return user


async def unlock_user(session: AsyncSession, *, actor: Actor, user_id: int, now: datetime) -> User:
    """Lifts an administrator's lock and clears the count of wrong passwords."""
    user = await _administered(session, actor, user_id)
    user.locked_until = None
    user.failed_logins = 0
    _record(session, user, actor, UserChangeKind.UNLOCKED, now)
    return user


async def request_password_reset(
    session: AsyncSession, *, actor: Actor | None, email: str, now: datetime
) -> IssuedToken | None:
    """A reset token for the user with this email, handed back only to an admin who may administer
    them (to pass on, until email delivery exists). Anyone else gets None whether or not the email
    has an account; their request is recorded for the council's admins to act on."""
    if len(email) > 254:
        return None
    user = (
        await session.execute(select(User).where(col(User.email) == normalise_email(email)))
    ).scalar_one_or_none()
    if user is None or user.deactivated_at is not None:
        return None
    if actor is not None and access.may_administer(actor, user):
        issued = await _issue(session, user, ResetPurpose.RESET, actor, now)
        _record(session, user, actor, UserChangeKind.RESET_ISSUED, now)
        return issued
    _record(session, user, actor, UserChangeKind.RESET_REQUESTED, now)
    return None


async def reset_password(session: AsyncSession, *, token: str, new_password: str, now: datetime) -> User:
    """Sets the password of the token's user, once; signs them out everywhere and lifts a lock."""
    refused = InvalidInput(
        "This link has expired or has been used. Ask your council's admin for a new one.",
        field="token",
        code=ErrorCode.INVALID,
    )
    if not token or len(token) > 200:
        raise refused
    found = (
        await session.execute(
            select(PasswordReset).where(col(PasswordReset.token_hash) == _hash(token)).with_for_update()
        )
    ).scalar_one_or_none()
    if found is None or found.used_at is not None or found.expires_at <= now:
        raise refused
    user = await session.get(User, found.user_id)
    if user is None or user.deactivated_at is not None:
        raise refused
    problems = Problems()
    await check_new_password(problems, new_password, field="new_password")
    problems.raise_if_any()
    found.used_at = now
    user.password_hash = await hash_password_off_loop(new_password)
    user.locked_until = None
    user.failed_logins = 0
    await session.flush()
    assert user.id is not None
    await revoke_sessions(session, user.id)
    _record(session, user, None, UserChangeKind.PASSWORD_RESET, now, detail=found.purpose.value)
    await session.refresh(user)
    return user


async def change_password(
    session: AsyncSession, *, actor: Actor, current_password: str, new_password: str, now: datetime
) -> User:
    """The signed-in user's own change: the current password first; every other session ends."""
    user = await session.get(User, actor.user_id, with_for_update=True)
    assert user is not None
    if len(current_password) > MAX_PASSWORD_LENGTH or not await verify_password_off_loop(
        user.password_hash, current_password
    ):
        raise InvalidInput("Your current password is not right.", field="current_password")
    problems = Problems()
    await check_new_password(problems, new_password, field="new_password")
    if new_password == current_password:
        problems.add("new_password", "Choose a password you have not used here.", ErrorCode.INVALID)
    problems.raise_if_any()
    user.password_hash = await hash_password_off_loop(new_password)
    await session.flush()
    await revoke_sessions(session, actor.user_id)
    _record(session, user, actor, UserChangeKind.PASSWORD_CHANGED, now)
    await session.refresh(user)
    return user


async def changes_of(
    session: AsyncSession, *, actor: Actor, user_id: int, limit: int = 50
) -> list[UserChange]:
    """The recorded changes to a user's account, newest first, for those who administer the user;
    nothing for anyone else (the account's history is theirs and their admins' business)."""
    user = await session.get(User, user_id)
    if user is None or not access.may_administer(actor, user):
        return []
    rows = await session.execute(
        select(UserChange)
        .where(col(UserChange.user_id) == user_id)
        .order_by(col(UserChange.changed_at).desc(), col(UserChange.id).desc())
        .limit(limit)
    )
    return list(rows.scalars())
