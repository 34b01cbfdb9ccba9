"""Who is signed in to the web client, and the CSRF token every form carries.

The API token lives in the session cookie (Starlette's signed session: HttpOnly, SameSite=Lax,
Secure in production), never in a page or in JavaScript. Every form posts the session's CSRF token
back; a POST without the right one is refused before anything runs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request

CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Viewer:
    name: str
    role: str
    council: str | None


def token(request: Request) -> str | None:
    value = request.session.get("token")
    return value if isinstance(value, str) else None


def viewer(request: Request) -> Viewer | None:
    saved = request.session.get("viewer")
    if not isinstance(saved, dict) or token(request) is None:
        return None
    return Viewer(
        name=str(saved.get("name", "")), role=str(saved.get("role", "")), council=saved.get("council")
    )


def sign_in(request: Request, api_token: str, who: dict[str, Any]) -> None:
    request.session.clear()  # a new session on sign-in: no fixation of an earlier one
    request.session["token"] = api_token
    council = who.get("council") or {}
    request.session["viewer"] = {
        "name": who.get("fullName", ""),
        "role": who.get("role", ""),
        "council": council.get("name"),
    }


def sign_out(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    value = request.session.get("csrf")
    if not isinstance(value, str):
        value = secrets.token_urlsafe(32)
        request.session["csrf"] = value
    return value


def csrf_ok(request: Request, submitted: object) -> bool:
    expected = request.session.get("csrf")
    return (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and secrets.compare_digest(expected, submitted)
    )


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (never `//evil.example` or a URL)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def sign_in_url(next_path: str, *, expired: bool = False) -> str:
    query = f"next={quote(safe_next(next_path), safe='/')}"
    return f"/sign-in?{query}{'&expired=1' if expired else ''}"


def client_of(request: Request) -> tuple[str, int]:
    client = request.client
    return (client.host, client.port) if client else ("127.0.0.1", 0)
