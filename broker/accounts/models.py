"""Councils (the tenancy boundary) and the people who sign in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from broker.columns import stored_enum
from broker.db import UTCDateTime, utcnow


class Role(StrEnum):
    DP_HOLDER = "DP_HOLDER"
    REPRESENTATIVE = "REPRESENTATIVE"
    PROVIDER = "PROVIDER"
    BROKER = "BROKER"
    COMMISSIONER = "COMMISSIONER"
    ADMIN = "ADMIN"


COUNCIL_STAFF = frozenset({Role.BROKER, Role.ADMIN})


class Council(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    full_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=stored_enum(Role, length=20))
    council_id: int | None = Field(default=None, foreign_key="council.id", index=True)
    # Wrong passwords since the last sign-in, for administrators to see; it locks nothing (strangers
    # could otherwise lock anyone out: sign-in is throttled per address instead, accounts/throttle.py).
    failed_logins: int = Field(default=0)
    # Set by an administrator: blocks new sign-ins until then; tokens already issued keep working.
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Tokens carry the version they were issued at; bumping it (password change, "sign out
    # everywhere") makes every older token fail on its next request.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # A deactivated user cannot sign in, and their tokens stop working on the next request.
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ResetPurpose(StrEnum):
    RESET = "RESET"  # a forgotten password
    INVITE = "INVITE"  # a new user choosing their first password


class PasswordReset(SQLModel, table=True):
    """A one-time token that lets its holder choose a password. Only its SHA-256 is kept: a copy of
    the database does not let anyone sign in as anyone."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    purpose: ResetPurpose = Field(sa_type=stored_enum(ResetPurpose, length=10))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserChangeKind(StrEnum):
    CREATED = "CREATED"
    INVITED = "INVITED"
    ROLE_CHANGED = "ROLE_CHANGED"
    DEACTIVATED = "DEACTIVATED"
    REACTIVATED = "REACTIVATED"
    UNLOCKED = "UNLOCKED"
    RESET_REQUESTED = "RESET_REQUESTED"
    RESET_ISSUED = "RESET_ISSUED"
    PASSWORD_RESET = "PASSWORD_RESET"
    PASSWORD_CHANGED = "PASSWORD_CHANGED"


class UserChange(SQLModel, table=True):
    """Who changed a user's account, when, and what (never a password or token)."""

    __tablename__ = "user_change"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    # Null when the user did it themselves without signing in (a reset by token).
    changed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    kind: UserChangeKind = Field(sa_type=stored_enum(UserChangeKind, length=20))
    detail: str = Field(default="", max_length=200)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
