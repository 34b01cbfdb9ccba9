"""What one HTTP client may cost the server: bounded header time, body time and body size.

The slow-client tests talk raw HTTP over real sockets to the server `broker serve` runs (uvicorn
with our protocol and middleware) on loopback, with one-second deadlines; they are about the
transport, so they run once, without a database. Body size goes through /graphql in-process on
both databases.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import uvicorn

from broker.app import create_app
from broker.server import server_config
from broker.settings import Settings
from tests import log_capture

GENEROUS = 15.0  # seconds a test waits for something that should happen after about one

service_log = log_capture.service_log  # the fixture, as `broker serve` logs


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        search_sync_in_process=False,
        header_timeout_seconds=1,
        body_timeout_seconds=1,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(server_config(create_app(settings), settings))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.05)
    yield sock.getsockname()
    server.should_exit = True
    try:
        await asyncio.wait_for(asyncio.shield(task), GENEROUS)
    except TimeoutError:
        server.force_exit = True  # a client the server failed to drop is still connected
        await task
    sock.close()


async def _closed_by_server(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trickle: bytes
) -> bytes:
    """Sends `trickle` a byte at a time until the server hangs up; returns what the server said."""
    answer = b""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + GENEROUS
    for byte in trickle:
        assert loop.time() < give_up, "the server kept a slow client's connection open"
        try:
            writer.write(bytes([byte]))
            await writer.drain()
            chunk = await asyncio.wait_for(reader.read(1024), timeout=0.2)
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return answer
        if not chunk:
            return answer
        answer += chunk
    raise AssertionError("the client ran out of bytes before the server hung up")


async def test_a_client_trickling_its_headers_is_disconnected(live_server):
    reader, writer = await asyncio.open_connection(*live_server)
    headers = b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: " + b"a" * 200

    said = await _closed_by_server(reader, writer, headers)

    assert said == b""
    writer.close()


async def test_a_client_trickling_its_body_gets_408(live_server):
    reader, writer = await asyncio.open_connection(*live_server)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: test\r\n"
        b"Content-Type: application/json\r\nContent-Length: 300\r\n\r\n"
    )

    said = await _closed_by_server(reader, writer, b'{"query": "' + b"x" * 250)

    assert said.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert said.endswith(b"\r\n\r\nThe request body did not arrive in time.")
    writer.close()


async def test_a_prompt_client_is_served_and_kept_alive(live_server):
    reader, writer = await asyncio.open_connection(*live_server)

    answers = []
    for _ in range(2):
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        await writer.drain()
        answers.append(await asyncio.wait_for(reader.readuntil(b'{"status":"ok"}'), GENEROUS))

    assert [a.split(b"\r\n")[0] for a in answers] == [b"HTTP/1.1 200 OK"] * 2
    writer.close()


async def test_a_chunked_body_over_the_limit_gets_413_not_a_crash(api):
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ viewer { id } }", "padding": "'
        for _ in range(11):
            yield b"x" * 100_000
        yield b'"}'

    response = await api.http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})

    assert (response.status_code, response.text) == (413, "Request body too large.")


async def test_a_declared_body_over_the_limit_gets_413(api):
    response = await api.http.post(
        "/graphql", content=b"x" * 1_000_001, headers={"content-type": "application/json"}
    )

    assert (response.status_code, response.text) == (413, "Request body too large.")


async def test_the_server_writes_no_query_string_to_any_log(service_log, live_server, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    reader, writer = await asyncio.open_connection(*live_server)
    query = urlencode({"query": "{ viewer { id } }", "variables": '{"password": "Planted-Pa55word-7731"}'})

    writer.write(f"GET /graphql?{query} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.readuntil(b'{"data":{"viewer":null}'), GENEROUS)
    writer.close()

    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    written = capfd.readouterr()
    assert "Planted-Pa55word-7731" not in written.out + written.err + caplog.text + service_log.getvalue()
    assert [(r.name, r.method, r.path, r.status) for r in caplog.records] == [
        ("broker.request", "GET", "/graphql", 200)
    ]
