"""Sign-in, users and councils.

Sign-in answers an unknown email, a wrong password and a throttled caller alike (`authenticate`):
nothing a caller sees tells them whether an account exists. Guessing is slowed by the per-address
throttle (accounts/throttle.py), never by locking the account, which a stranger could otherwise do
to anyone. Who a token's bearer is now (role, council, still active) is read on every request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Council, Role, User
from broker.accounts.passwords import (
    hash_password_off_loop,
    is_common_password,
    off_loop,
    verify_password_off_loop,
)
from broker.accounts.throttle import LoginThrottle
from broker.accounts.tokens import TokenClaims
from broker.db import Database
from broker.errors import AuthenticationFailed, ErrorCode, InvalidInput, Problems

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_EMAIL_LENGTH = 254
ROLES_WITHOUT_COUNCIL = frozenset({Role.ADMIN})
WRONG_CREDENTIALS = "Wrong email or password."


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _wrong_credentials() -> AuthenticationFailed:
    return AuthenticationFailed(WRONG_CREDENTIALS, field="input")


def _throttled(throttle: LoginThrottle) -> AuthenticationFailed:
    # The same words for every email, known or not: throttling is keyed by what was typed.
    return AuthenticationFailed(
        "Too many sign-in attempts from your network. Wait "
        f"{throttle.policy.window_minutes} minutes and try again, or reset your password.",
        field="input",
        code=ErrorCode.ACCOUNT_LOCKED,
    )


def _refusal_for_right_password(user: User, now: datetime) -> AuthenticationFailed | None:
    """Said only to a caller who gave the right password, so it reveals nothing to a guesser."""
    if user.deactivated_at is not None:
        return AuthenticationFailed(
            "This account has been deactivated. Ask an administrator if you need it again.",
            field="input",
            code=ErrorCode.ACCOUNT_LOCKED,
        )
    if user.locked_until is not None and user.locked_until > now:
        return AuthenticationFailed(
            f"An administrator has locked this account until {user.locked_until:%H:%M} UTC.",
            field="input",
            code=ErrorCode.ACCOUNT_LOCKED,
        )
    return None


async def authenticate(
    db: Database,
    email: str,
    password: str,
    *,
    client_address: str,
    throttle: LoginThrottle,
    now: datetime,
) -> User:
    """Returns the user whose credentials these are, or raises AuthenticationFailed.

    - The attempt is counted before the password is checked, so a hundred concurrent guesses from
      one address get `per_email` evaluations, not however many fit in before the first fails.
    - A throttled attempt is refused before any database read or hashing: it costs the server
      nothing and answers the same, equally fast, for any email, since the throttle never looks at
      whether the account exists. (A decoy hash here would hand an attacker our CPU.)
    - An unknown email is verified against a decoy hash and runs the same failure UPDATE (matching
      no row), so it takes as long as a wrong password.
    - No connection is held while hashing: argon2 takes ~150 ms and a held connection (or SQLite's
      write lock) would starve every other request.
    """
    if len(password) > MAX_PASSWORD_LENGTH or len(email) > MAX_EMAIL_LENGTH:
        raise _wrong_credentials()
    address = normalise_email(email)
    if not await throttle.try_attempt(address, client_address):
        raise _throttled(throttle)
    async with db.session() as session:
        user = (await session.execute(select(User).where(col(User.email) == address))).scalar_one_or_none()
    if not await verify_password_off_loop(user.password_hash if user else None, password) or user is None:
        async with db.transaction() as session:
            # One atomic statement: concurrent failures all count, none is lost to a stale read.
            await session.execute(
                update(User)
                .where(col(User.email) == address)
                .values(failed_logins=User.failed_logins + 1)
                .execution_options(synchronize_session=False)
            )
        raise _wrong_credentials()
    async with db.transaction() as session:
        current = await session.get(User, user.id)
        if current is None:
            raise _wrong_credentials()
        refusal = _refusal_for_right_password(current, now)
        if refusal is not None:
            raise refusal
        current.failed_logins = 0
    await throttle.signed_in(address, client_address)
    return current


async def actor_for_token(session: AsyncSession, claims: TokenClaims) -> tuple[Actor, User] | None:
    """Who a valid token's bearer is now, or None when the token no longer counts: the user was
    deleted or deactivated, or their sessions were revoked (a newer token version).

    Role and council come from the database, never the token, so a demoted or moved user loses
    their old access on their next request. One primary-key SELECT per request.
    """
    user = await session.get(User, claims.user_id)
    if user is None or user.deactivated_at is not None or user.token_version != claims.version:
        return None
    return Actor(user_id=claims.user_id, role=user.role, council_id=user.council_id), user


async def revoke_sessions(session: AsyncSession, user_id: int) -> None:
    """Every token issued to this user so far stops working ("sign out everywhere").

    An atomic increment, so two revocations at once both count. A `User` already loaded in this
    session keeps its old `token_version` until refreshed.
    """
    await session.execute(
        update(User)
        .where(col(User.id) == user_id)
        .values(token_version=User.token_version + 1)
        .execution_options(synchronize_session=False)
    )


async def check_new_password(problems: Problems, password: str, *, field: str = "password") -> None:
    """The rule for every password a person chooses: 10 to 256 characters and not one of the most
    common passwords (NCSC: a deny-list, not complexity rules; long passphrases are welcome)."""
    if not (MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH):
        problems.add(
            field,
            f"Passwords must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            ErrorCode.OUT_OF_RANGE,
        )
    elif await off_loop(is_common_password, password):
        problems.add(
            field,
            "This is one of the most common passwords, which attackers try first. "
            "Choose another: three random words work well.",
            ErrorCode.COMMON_PASSWORD,
        )


async def set_password(session: AsyncSession, user: User, password: str) -> None:
    """Changes a user's password and signs them out everywhere else, as a password change
    after a suspected compromise must."""
    problems = Problems()
    await check_new_password(problems, password)
    problems.raise_if_any()
    user.password_hash = await hash_password_off_loop(password)
    await session.flush()
    assert user.id is not None
    await revoke_sessions(session, user.id)
    await session.refresh(user)


async def get_or_create_council(session: AsyncSession, name: str) -> Council:
    name = name.strip()
    council = (
        await session.execute(select(Council).where(func.lower(Council.name) == name.lower()))
    ).scalar_one_or_none()
    if council is None:
        council = Council(name=name)
        session.add(council)
        await session.flush()
    return council


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    role: Role,
    council: Council | None,
    full_name: str = "",
) -> User:
    """Creates a user; everyone but a platform admin belongs to a council."""
    problems = Problems()
    email = normalise_email(email)
    if "@" not in email or len(email) > MAX_EMAIL_LENGTH or " " in email:
        problems.add("email", "Enter a valid email address.")
    await check_new_password(problems, password)
    if council is None and role not in ROLES_WITHOUT_COUNCIL:
        problems.add("council", f"A {role.value} user belongs to a council.", ErrorCode.REQUIRED)
    if (await session.execute(select(col(User.id)).where(col(User.email) == email))).first():
        problems.add("email", "A user with this email already exists.", ErrorCode.DUPLICATE)
    problems.raise_if_any()
    user = User(
        email=email,
        full_name=full_name.strip()[:120],
        password_hash=await hash_password_off_loop(password),
        role=role,
        council_id=council.id if council else None,
    )
    session.add(user)
    await session.flush()
    return user


def require_council_name(name: str | None) -> str:
    if name is None or not name.strip():
        raise InvalidInput("A council name is required.", field="council", code=ErrorCode.REQUIRED)
    return name
