"""The web client's only way to data: named GraphQL operations from `operations/*.graphql`, sent to
this service's own `/graphql` endpoint with the signed-in user's token, exactly as any client would.

The request goes in-process (an ASGI transport: no socket, no second server) but through the whole
GraphQL stack: token check, limits, validation, permissions. The caller's address travels with it,
so sign-in throttling counts the person, not the web client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp

OPERATIONS = Path(__file__).parent / "operations"
FRAGMENTS = OPERATIONS / "fragments"
_SPREAD = re.compile(r"\.\.\.\s*([_A-Za-z][_0-9A-Za-z]*)")
_DEFINED = re.compile(r"\bfragment\s+([_A-Za-z][_0-9A-Za-z]*)")


@cache
def document(name: str) -> str:
    """The text of operation `name` (its file is `operations/<name>.graphql`), followed by every
    shared fragment (`operations/fragments/<Fragment>.graphql`) it spreads, directly or through
    another fragment, and does not define itself: fields several pages show are named once."""
    path = OPERATIONS / f"{name}.graphql"
    if path.parent != OPERATIONS or not path.is_file():
        raise KeyError(name)
    text = path.read_text()
    parts = [text]
    defined = set(_DEFINED.findall(text))
    wanted = [f for f in _SPREAD.findall(text) if f != "on"]
    while wanted:
        fragment = wanted.pop()
        shared = FRAGMENTS / f"{fragment}.graphql"
        if fragment in defined or not shared.is_file():
            continue
        defined.add(fragment)
        body = shared.read_text()
        parts.append(body)
        wanted.extend(f for f in _SPREAD.findall(body) if f != "on")
    return "\n".join(parts)


class SessionExpired(Exception):
    """The API refused the token: it expired, was revoked, or its user was deactivated."""


class ApiFailure(Exception):
    """The API answered with errors no page can act on (a bug or an outage); shown as a 500 or 503."""

    def __init__(self, status: int, codes: list[str]) -> None:
        super().__init__(f"GraphQL answered {status} with codes {codes}")
        self.status = status
        self.codes = codes


@dataclass
class Result:
    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error_codes(self) -> list[str]:
        return [str((e.get("extensions") or {}).get("code", "")) for e in self.errors]


class Api:
    def __init__(self, graphql: ASGIApp) -> None:
        self._graphql = graphql

    async def run(
        self,
        name: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        client: tuple[str, int] = ("127.0.0.1", 0),
        allow_errors: tuple[str, ...] = (),
    ) -> Result:
        """Runs operation `name`; errors whose code is in `allow_errors` (e.g. NOT_FOUND from a bad ID in
        a URL) come back for the page to handle, any other error raises."""
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        transport = httpx.ASGITransport(app=self._graphql, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://web-client") as http:
            response = await http.post(
                "/graphql",
                json={"query": document(name), "variables": variables or {}, "operationName": name},
                headers=headers,
            )
        if response.status_code == 401:
            raise SessionExpired()
        body = response.json() if response.headers.get("content-type", "").startswith("application/") else {}
        result = Result(data=body.get("data") or {}, errors=body.get("errors") or [])
        unexpected = [code for code in result.error_codes() if code not in allow_errors]
        if response.status_code != 200 or unexpected:
            raise ApiFailure(response.status_code, unexpected or result.error_codes())
        return result
