"""A database that cannot be reached: every caller hears 503 with a clear reason and when to retry.

Two outages: a PostgreSQL server that refuses connections (a closed port) and a SQLite file whose
directory has gone. Neither may surface as a 200 with "Unexpected error.".
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from broker.app import create_app
from broker.db import Database
from broker.settings import Settings

UNAVAILABLE = "The service is temporarily unavailable; try again shortly."
OUTAGE = {"code": "DATABASE_UNAVAILABLE"}


@pytest.fixture(params=["postgresql-refusing", "sqlite-gone"])
async def down(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    if request.param == "postgresql-refusing":
        url = "postgresql://broker:planted-db-password@127.0.0.1:1/broker"
    else:
        url = f"sqlite:///{tmp_path / 'gone' / 'broker.db'}"
    settings = Settings(
        environment="test",
        database_url=url,
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
    )
    db = Database(url)
    shutil.rmtree(tmp_path / "gone", ignore_errors=True)
    app = create_app(settings, db=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http
    await db.dispose()


def _outage(response: httpx.Response) -> list[tuple]:
    return [(e["message"], e.get("path"), e.get("extensions")) for e in response.json()["errors"]]


async def test_a_query_answers_503_with_retry_after_when_the_database_is_down(down):
    response = await down.post("/graphql", json={"query": "{ providers(first: 1) { totalCount } }"})

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert _outage(response) == [(UNAVAILABLE, ["providers"], OUTAGE)]


async def test_a_mutation_answers_503_when_the_database_is_down(down):
    response = await down.post(
        "/graphql",
        json={
            "query": "mutation ($input: LoginInput!) { login(input: $input) { token userErrors { code } } }",
            "variables": {"input": {"email": "someone@example.com", "password": "a password"}},
        },
    )

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert _outage(response) == [(UNAVAILABLE, ["login"], OUTAGE)]


async def test_readiness_says_the_database_is_down(down):
    response = await down.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


async def test_routes_outside_graphql_answer_503_too(down):
    response = await down.get("/openreferral/services")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"errors": [{"message": UNAVAILABLE, "extensions": OUTAGE}]}
