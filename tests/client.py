"""A GraphQL client for tests, calling the app in-process as a real client would over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from broker.accounts.models import User
from broker.accounts.tokens import issue_token
from broker.api.clock import FixedClock
from broker.settings import Settings


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    settings: Settings
    clock: FixedClock

    def token_for(self, user: User) -> str:
        token, _ = issue_token(
            user,
            secret=self.settings.secret_key.get_secret_value(),
            now=self.clock.now(),
            ttl=timedelta(hours=1),
        )
        return token

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: User | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if as_user is not None:
            token = self.token_for(as_user)
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: User | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """The whole response body; asserts the HTTP exchange itself succeeded."""
        response = await self.post(query, variables, as_user=as_user, token=token)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, as_user: User | None = None
    ) -> dict[str, Any]:
        """`data` of a response that must have no errors."""
        body = await self.execute(query, variables, as_user=as_user)
        assert "errors" not in body, body["errors"]
        return body["data"]
