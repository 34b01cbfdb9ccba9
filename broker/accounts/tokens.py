"""Signed, expiring bearer tokens (JWT, HS256) carrying who the user is and their role."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

from broker.accounts.actor import Actor
from broker.accounts.models import Role, User

ISSUER = "dp-broker"
ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is malformed, forged, or expired."""


def issue_token(user: User, *, secret: str, now: datetime, ttl: timedelta) -> tuple[str, datetime]:
    expires_at = now + ttl
    claims = {
        "sub": str(user.id),
        "role": user.role.value,
        "council": user.council_id,
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires_at


def read_token(token: str, *, secret: str, now: datetime) -> Actor:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={
                "require": ["sub", "exp", "iat", "role"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        if claims["exp"] <= now.timestamp():
            raise InvalidToken("token expired")
        council = claims.get("council")
        return Actor(
            user_id=int(claims["sub"]),
            role=Role(claims["role"]),
            council_id=int(council) if council is not None else None,
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as error:
        raise InvalidToken(str(error)) from error
