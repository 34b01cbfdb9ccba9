"""Sign-in, users and councils.

Failed sign-ins are counted per account; after `max_failures` in a row the account is locked for
`lockout` so passwords cannot be guessed online. Unknown emails and wrong passwords look the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.models import Council, Role, User
from broker.accounts.passwords import hash_password, verify_password
from broker.errors import AuthenticationFailed, ErrorCode, InvalidInput, Problems

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
ROLES_WITHOUT_COUNCIL = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    lockout: timedelta


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def authenticate(
    session: AsyncSession, email: str, password: str, *, now: datetime, policy: LoginPolicy
) -> User:
    """Returns the user whose credentials these are, or raises AuthenticationFailed.

    The caller commits even when this raises: the failure count is the point.
    """
    if len(password) > MAX_PASSWORD_LENGTH or len(email) > 254:
        raise AuthenticationFailed("Wrong email or password.", field="input")
    user = (
        await session.execute(select(User).where(User.email == normalise_email(email)))
    ).scalar_one_or_none()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise AuthenticationFailed(
            "Too many failed sign-ins. Try again after "
            f"{user.locked_until:%H:%M} UTC, or ask an administrator to reset your password.",
            field="input",
            code=ErrorCode.ACCOUNT_LOCKED,
        )
    if not verify_password(user.password_hash if user else None, password) or user is None:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= policy.max_failures:
                user.locked_until = now + policy.lockout
                user.failed_logins = 0
        raise AuthenticationFailed("Wrong email or password.", field="input")
    user.failed_logins = 0
    user.locked_until = None
    return user


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
    if "@" not in email or len(email) > 254 or " " in email:
        problems.add("email", "Enter a valid email address.")
    if not (MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH):
        problems.add(
            "password",
            f"Passwords must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            ErrorCode.OUT_OF_RANGE,
        )
    if council is None and role not in ROLES_WITHOUT_COUNCIL:
        problems.add("council", f"A {role.value} user belongs to a council.", ErrorCode.REQUIRED)
    if (await session.execute(select(User.id).where(User.email == email))).first():
        problems.add("email", "A user with this email already exists.", ErrorCode.DUPLICATE)
    problems.raise_if_any()
    user = User(
        email=email,
        full_name=full_name.strip()[:120],
        password_hash=hash_password(password),
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
