"""Signed, expiring bearer tokens (JWT, HS256) saying which user, at which token version.

A token proves identity only. Role, council and whether the account still works are read from the
database on every request (`service.actor_for_token`), so a demotion, a move or a deletion takes
effect at once rather than when the token expires. The `role` and `council` claims are still
written for clients that read them, and never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from broker.accounts.models import User

ISSUER = "dp-broker"
ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is malformed, forged, or expired."""


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    # Tokens issued before versions existed carry none and count as version 0.
    version: int


def issue_token(user: User, *, secret: str, now: datetime, ttl: timedelta) -> tuple[str, datetime]:
    expires_at = now + ttl
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "role": user.role.value,
        "council": user.council_id,
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires_at


def read_token(token: str, *, secret: str, now: datetime) -> TokenClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={
                "require": ["sub", "exp", "iat"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        if claims["exp"] <= now.timestamp():
            raise InvalidToken("token expired")
        version = claims.get("ver", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise InvalidToken("bad token version")
        return TokenClaims(user_id=int(claims["sub"]), version=version)
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as error:
        raise InvalidToken(str(error)) from error
