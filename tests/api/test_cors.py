"""A council that runs its own front end on another origin lists it; every other origin's pages are
refused by the browser, and with no list (the default) no cross-origin page may call the API."""

from __future__ import annotations

import httpx

from broker.app import create_app
from broker.settings import Settings

PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}


async def _preflight(settings: Settings, origin: str) -> httpx.Response:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        return await http.options("/graphql", headers={"Origin": origin, **PREFLIGHT})


async def test_no_origin_is_allowed_by_default(settings: Settings):
    response = await _preflight(settings, "https://portal.leeds.example")

    assert "access-control-allow-origin" not in response.headers


async def test_a_listed_origin_may_call_graphql_and_others_may_not(settings: Settings):
    settings = settings.model_copy(
        update={"cors_origins": "https://portal.leeds.example/, https://x.example"}
    )

    allowed = await _preflight(settings, "https://portal.leeds.example")
    refused = await _preflight(settings, "https://evil.example")

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://portal.leeds.example"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
