"""Payments tests talk to one localstripe (a stateful fake Stripe from PyPI) started for the session on
a free loopback port, and collect the webhooks it signs and sends with a small HTTP server.

localstripe keeps its state in /tmp/localstripe.pickle; it is started with --from-scratch so an old
file is never read. Nothing here reaches the real Stripe API.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from broker.settings import Settings

WEBHOOK_SECRET = "whsec_test_broker_localstripe"
API_KEY = "sk_test_broker"


def _free_port() -> int:
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.bind(("::", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a localstripe process of our own (one per test session)."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("localstripe") / "localstripe.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    try:
        for _ in range(100):
            if process.poll() is not None:
                pytest.fail(f"localstripe exited with {process.returncode}; see {log.name}")
            try:
                httpx.get(f"{url}/v1/customers", auth=(API_KEY, ""), timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("localstripe did not start within 10 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@dataclass
class Delivery:
    body: bytes
    signature: str

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class WebhookInbox:
    """What localstripe POSTed to its registered webhook, in arrival order."""

    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, event_type: str, object_id: str, timeout: float = 10.0) -> Delivery:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for delivery in self.deliveries:
                    event = delivery.event
                    if event["type"] == event_type and event["data"]["object"]["id"] == object_id:
                        return delivery
            time.sleep(0.05)
        raise AssertionError(f"no {event_type} webhook for {object_id} within {timeout} s")


@pytest.fixture(scope="session")
def webhook_inbox(localstripe: str) -> Iterator[WebhookInbox]:
    inbox = WebhookInbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with inbox.lock:
                inbox.deliveries.append(Delivery(body, self.headers.get("stripe-signature", "")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    response = httpx.post(
        f"{localstripe}/_config/webhooks/broker",
        data={"url": f"http://127.0.0.1:{server.server_port}/", "secret": WEBHOOK_SECRET},
    )
    assert response.status_code == 200, response.text
    try:
        yield inbox
    finally:
        server.shutdown()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, localstripe: str) -> Settings:
    """The test settings, with Stripe pointed at localstripe."""
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        stripe_api_key=API_KEY,
        stripe_api_base=localstripe,
        stripe_webhook_secret=WEBHOOK_SECRET,
    )


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header for `body`, as Stripe (and localstripe) compute it."""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
