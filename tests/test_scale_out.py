"""More than one app process against one PostgreSQL database: what one writes the other reads, each
search outbox row is drained by exactly one of them, and the sign-in throttle counts across them
(redis). Also `broker serve --workers 2`: one port, two processes, /metrics summing both.

Real processes on loopback (`broker serve`), a database of this test's own (created and dropped here)
and a redis-server of its own on a free port. Skipped without BROKER_TEST_POSTGRES_URL; needs
redis-server (CI starts none: the test starts its own, and `.ci/run` installs it when missing).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from broker.db import sync_url
from seed.demo import DEMO_PASSWORD

BROKER = Path(sys.executable).with_name("broker")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
SECRET = "scale-out-test-secret-key-0123456789abcdef"
MAX_FAILURES = 4

pytestmark = pytest.mark.skipif(
    not os.environ.get("BROKER_TEST_POSTGRES_URL"), reason="needs BROKER_TEST_POSTGRES_URL (PostgreSQL)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    server = make_url(sync_url(os.environ["BROKER_TEST_POSTGRES_URL"]))
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"broker_scale_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(admin, connect_timeout=3, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield server.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is not installed (.ci/run installs it)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class App:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def graphql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "errors" not in body, body
        return body["data"]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _start(folder: Path, env: dict[str, str], args: list[str] = ()) -> App:  # type: ignore[assignment]
    port = _free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "serve.log"
    process = subprocess.Popen(
        [str(BROKER), "serve", "--port", str(port), *args],
        cwd=folder,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("BROKER_")},
            **env,
            "PYTHONUNBUFFERED": "1",
        },
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    app = App(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"broker serve stopped:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{app.url}/healthz", timeout=1).status_code == 200:
                return app
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    app.stop()
    pytest.fail(f"broker serve did not answer:\n{log.read_text()[-3000:]}")


def _env(database: str, redis_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "BROKER_ENVIRONMENT": "development",
        "BROKER_DATABASE_URL": database,
        "BROKER_DATA_DIR": str(data_dir),
        "BROKER_SECRET_KEY": SECRET,  # one secret: a token from one process is good at the other
        "BROKER_RATE_LIMIT_STORAGE": redis_url,
        "BROKER_LOGIN_MAX_FAILURES": str(MAX_FAILURES),
        **extra,
    }


@pytest.fixture(scope="module")
def two_apps(
    database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[App, App]]:
    """Two `broker serve` on two ports, each with its own embedded search index (tantivy is one
    process's), sharing the database and redis. The first seeds the demo council."""
    root = tmp_path_factory.mktemp("apps")
    first = _start(root / "a", _env(database, redis_url, root / "a" / "var"))
    try:
        second = _start(root / "b", _env(database, redis_url, root / "b" / "var"))
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token userErrors { code } }
}"""
PROVIDERS = "{ providers(first: 12) { edges { node { id name bio } } } }"
UPDATE = """mutation($id: ID!, $bio: String!) {
  updateProvider(input: {id: $id, bio: $bio}) { provider { id bio } userErrors { field message code } }
}"""
SEARCH = """query($text: String!) {
  searchProviders(input: {text: $text}) { totalHits hits { provider { id } } userErrors { code } }
}"""
FINDABLE = '{ searchProviders(input: {text: "", first: 12}) { hits { provider { id bio } } } }'
PROVIDER = "query($id: ID!) { node(id: $id) { ... on Provider { bio } } }"


def _sign_in(app: App, email: str = "broker@leeds.example") -> str:
    token = app.graphql(LOGIN, {"email": email, "password": DEMO_PASSWORD})["login"]["token"]
    assert token
    return token


def _metric(app: App, name: str) -> float:
    text = httpx.get(f"{app.url}/metrics", timeout=10).text
    values = [
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith(f"{name} ") or line.startswith(f"{name}{{")
    ]
    return sum(values)


def _wait_for_empty_outbox(app: App) -> None:
    deadline = time.monotonic() + 60
    while _metric(app, "broker_search_outbox_depth") > 0:
        assert time.monotonic() < deadline, "the search outbox was not drained"
        time.sleep(0.5)


def test_a_write_through_one_process_is_read_through_the_other(two_apps: tuple[App, App]) -> None:
    first, second = two_apps
    token = _sign_in(first)
    provider = first.graphql(PROVIDERS, token=token)["providers"]["edges"][0]["node"]
    bio = f"Written through the first process {secrets.token_hex(4)}."

    changed = first.graphql(UPDATE, {"id": provider["id"], "bio": bio}, token=token)["updateProvider"]

    assert changed["userErrors"] == []
    # The token the first process issued is good at the second (one secret), and the row is there.
    assert second.graphql(PROVIDER, {"id": provider["id"]}, token=token)["node"]["bio"] == bio
    assert second.graphql(PROVIDER, {"id": provider["id"]})["node"]["bio"] == bio


def test_each_outbox_row_is_drained_by_exactly_one_process(two_apps: tuple[App, App]) -> None:
    """Each process writes what it drains into its own index: a change drained once is found in
    exactly one of the two; drained twice, in both; never drained, in neither."""
    first, second = two_apps
    token = _sign_in(second)
    # Listings anyone can find now (listed and accredited), so each change is one a search shows.
    found = second.graphql(FINDABLE)["searchProviders"]["hits"]
    providers = [h["provider"] for h in found]
    assert len(providers) >= 8
    words = {p["id"]: f"zq{secrets.token_hex(5)}" for p in providers}
    for turn, provider in enumerate(providers):
        writer = (first, second)[turn % 2]
        bio = f"{provider['bio'] or ''} {words[provider['id']]}".strip()
        assert (
            writer.graphql(UPDATE, {"id": provider["id"], "bio": bio}, token=token)["updateProvider"][
                "userErrors"
            ]
            == []
        )

    _wait_for_empty_outbox(first)

    found_in: dict[str, list[str]] = {}
    for provider_id, word in words.items():
        for name, app in (("first", first), ("second", second)):
            hits = app.graphql(SEARCH, {"text": word})["searchProviders"]["hits"]
            if [h["provider"]["id"] for h in hits] == [provider_id]:
                found_in.setdefault(provider_id, []).append(name)
    assert {provider_id: len(where) for provider_id, where in found_in.items()} == dict.fromkeys(words, 1)


def test_the_sign_in_throttle_counts_attempts_at_either_process(two_apps: tuple[App, App]) -> None:
    first, second = two_apps
    email = f"nobody-{secrets.token_hex(3)}@leeds.example"
    codes = []
    for attempt in range(MAX_FAILURES + 1):
        app = (first, second)[attempt % 2]
        codes.append(
            app.graphql(LOGIN, {"email": email, "password": "wrong-password-1"})["login"]["userErrors"][0][
                "code"
            ]
        )

    assert codes[:MAX_FAILURES] == ["INVALID_CREDENTIALS"] * MAX_FAILURES
    assert codes[MAX_FAILURES] == "ACCOUNT_LOCKED"
    assert (
        second.graphql(LOGIN, {"email": email, "password": "wrong-password-1"})["login"]["userErrors"][0][
            "code"
        ]
        == "ACCOUNT_LOCKED"
    )


def test_serve_with_two_workers_shares_one_port_and_sums_metrics(
    database: str, redis_url: str, two_apps: tuple[App, App], tmp_path: Path
) -> None:
    """`--workers 2` needs a search engine every worker shares: Meilisearch, here at an address
    where none answers (search is then down, which degrades search only)."""
    dead = _free_port()
    env = _env(
        database, redis_url, tmp_path / "var", BROKER_SEARCH_URL=f"http://127.0.0.1:{dead}?index=providers"
    )
    app = _start(tmp_path / "workers", env, ["--workers", "2"])
    try:
        token = _sign_in(app)
        for _ in range(40):
            assert app.graphql(PROVIDERS, token=token)["providers"]["edges"]
        pids = {
            line.split("[")[1].split("]")[0]
            for line in app.log.read_text().splitlines()
            if "Started server process [" in line
        }
        counted = _metric(app, "broker_http_requests_total")
    finally:
        app.stop()
    assert len(pids) == 2, app.log.read_text()[-2000:]
    # 1 sign-in and 40 reads at least, whichever worker answered each and whichever answers the scrape.
    assert counted >= 41


def test_serve_refuses_several_workers_on_what_one_process_owns(tmp_path: Path, database: str) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BROKER_")}
    embedded = subprocess.run(
        [str(BROKER), "serve", "--workers", "2"],
        cwd=tmp_path,
        env={**base, "BROKER_DATA_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert embedded.returncode == 2
    assert "PostgreSQL" in embedded.stderr and "Meilisearch" in embedded.stderr

    production = subprocess.run(
        [str(BROKER), "serve", "--workers", "2"],
        cwd=tmp_path,
        env={
            **base,
            "BROKER_ENVIRONMENT": "production",
            "BROKER_DATABASE_URL": database,
            "BROKER_SECRET_KEY": SECRET,
            "BROKER_SEARCH_URL": "http://127.0.0.1:7700?index=providers",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert production.returncode == 2
    assert "BROKER_RATE_LIMIT_STORAGE" in production.stderr
