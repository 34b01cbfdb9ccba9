"""A schemathesis fuzz run over the whole schema: whatever a client sends, never a server error.

Runs against a real server (uvicorn on loopback) with the demo data, anonymous and as a broker.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings

from broker.app import create_app
from broker.db import Database, migrate
from broker.settings import Settings
from seed.demo import DEMO_PASSWORD, seed_demo


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    config = Settings(
        environment="test", data_dir=data_dir, secret_key="fuzz-secret-key-long-enough-for-hs256!"
    )
    migrate(config.database_url)

    async def seed() -> None:
        db = Database(config.database_url)
        async with db.transaction() as session:
            await seed_demo(session, today=date(2026, 11, 26), providers=30, holders=3)
        await db.dispose()

    asyncio.run(seed())
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def broker_token(server: str) -> str:
    response = httpx.post(
        f"{server}/graphql",
        json={
            "query": (
                'mutation { login(input: {email: "broker@leeds.example", password: "'
                + DEMO_PASSWORD
                + '"}) { token } }'
            )
        },
    )
    return response.json()["data"]["login"]["token"]


@pytest.fixture(scope="module")
def graphql_schema(server: str):
    return schemathesis.graphql.from_url(f"{server}/graphql")


def _assert_no_server_error(response) -> None:
    assert response.status_code < 500, response.text
    content_type = response.headers.get("content-type") or [""]
    if content_type[0].startswith("application/json"):
        for error in response.json().get("errors") or []:
            assert error["message"] != "Unexpected error.", response.text


def test_no_input_causes_a_server_error(graphql_schema, broker_token: str) -> None:
    operations = [result.ok() for result in graphql_schema.get_all_operations()]
    assert len(operations) > 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case) -> None:
            _assert_no_server_error(case.call())
            _assert_no_server_error(case.call(headers={"Authorization": f"Bearer {broker_token}"}))

        no_server_error()
