"""The README's production path, as a council's operator follows it: the built wheel (not this
checkout) installed into a fresh venv, `BROKER_ENVIRONMENT=production` against a new PostgreSQL
database, `broker migrate`, `broker load-geography`, `broker create-user`, then a broker signs in,
creates, vets and publishes a listing, and anyone finds it in search.

Dependencies come from this checkout's venv (a `.pth` line; no network), the project itself only
from the wheel, so a file the wheel forgets (a migration, a CSV, alembic.ini) fails here.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from benchmarks.shared_data import shared_data
from broker.db import sync_url

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BROKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ADMIN_PASSWORD = "an operator's long passphrase"
BROKER_PASSWORD = "a broker's long passphrase"


def _admin_dsn() -> str:
    return make_url(sync_url(SERVER)).set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(_admin_dsn(), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


pytestmark = pytest.mark.skipif(not _postgres_reachable(), reason="PostgreSQL is not reachable")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the built wheel; returns its python."""
    work = tmp_path_factory.mktemp("production")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            work / "dist",
            ROOT,
        ],
        check=True,
        cwd=work,
    )
    wheel = next((work / "dist").glob("dp_broker-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The dependencies, not the project: a path on sys.path is not a site dir, so the checkout's
    # editable-install hook in it is never run.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, wheel],
        check=True,
        cwd=work,
    )
    where = subprocess.run(
        [python, "-c", "import broker; print(broker.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=work,
    ).stdout
    assert where.startswith(str(site)), where
    return python


@pytest.fixture
def database() -> Iterator[str]:
    name = f"broker_production_{secrets.token_hex(4)}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(sync_url(SERVER)).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer
    return answer["data"]


LOGIN = """mutation($e: String!, $p: String!) {
  login(input: {email: $e, password: $p}) { token userErrors { code } } }"""
CREATE = """mutation($input: CreateProviderInput!) {
  createProvider(input: $input) { provider { id } userErrors { field code } } }"""
AVAILABILITY = """mutation($id: ID!) {
  setAvailability(input: {providerId: $id, slots: [{day: MONDAY, start: "09:00", end: "17:00"}]}) {
    userErrors { field code } } }"""
RECORD = """mutation($input: RecordAccreditationInput!) {
  recordAccreditation(input: $input) { provider { accredited } userErrors { field code } } }"""
PUBLISH = """mutation($id: ID!) {
  publishProvider(input: {id: $id}) { provider { status } userErrors { code } } }"""
SEARCH = """{ searchProviders(input: {text: "dementia", postcode: "LS8"}) {
  totalHits hits { provider { name } } userErrors { code } } }"""


def test_a_council_installs_the_wheel_and_publishes_a_listing_anyone_can_find(
    installed: Path, database: str, tmp_path
):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "BROKER_ENVIRONMENT": "production",
        "BROKER_DATABASE_URL": database,
        "BROKER_SECRET_KEY": secrets.token_urlsafe(48),
        "BROKER_DATA_DIR": str(tmp_path / "data"),
        "BROKER_SEARCH_URL": f"tantivy://{tmp_path / 'index'}",
    }

    def broker(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [installed, "-c", "from broker.cli import app; app()", *args],
            env=env,
            cwd=tmp_path,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )

    for step in (
        broker("migrate"),
        broker("load-geography", str(shared_data() / "uk-outcodes.csv")),
        broker(
            "create-user",
            "--email",
            "it@leeds.gov.uk",
            "--role",
            "ADMIN",
            "--password-stdin",
            stdin=ADMIN_PASSWORD,
        ),
        broker(
            "create-user",
            "--email",
            "broker@leeds.gov.uk",
            "--role",
            "BROKER",
            "--council",
            "Leeds City Council",
            "--password-stdin",
            stdin=BROKER_PASSWORD,
        ),
    ):
        assert step.returncode == 0, step.stderr

    port = _free_port()
    server = subprocess.Popen(
        [installed, "-c", "from broker.cli import app; app()", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        token = _graphql(port, LOGIN, {"e": "broker@leeds.gov.uk", "p": BROKER_PASSWORD})["login"]["token"]
        assert token
        created = _graphql(
            port,
            CREATE,
            {
                "input": {
                    "kind": "PA",
                    "name": "Jo Bloggs",
                    "bio": "I support older people living with dementia at home.",
                    "services": ["PERSONAL_CARE", "DEMENTIA"],
                    "languages": ["en"],
                    "gender": "FEMALE",
                    "basePostcode": "LS8 1AA",
                    "travelRadiusKm": 8,
                    "hourlyRatePence": 1500,
                    "weeklyCapacityHours": 20,
                    "contactEmail": "jo@example.org",
                }
            },
            token,
        )["createProvider"]
        assert created["userErrors"] == []
        listing = created["provider"]["id"]
        assert _graphql(port, AVAILABILITY, {"id": listing}, token)["setAvailability"]["userErrors"] == []
        for check in ("DBS_ENHANCED", "COUNCIL_APPROVAL", "PUBLIC_LIABILITY_INSURANCE", "TRAINING"):
            recorded = _graphql(
                port,
                RECORD,
                {
                    "input": {
                        "providerId": listing,
                        "checkType": check,
                        "status": "PASSED",
                        "reference": f"{check[:3]}-1",
                        "checkedOn": "2026-11-01",
                        "expiresOn": "2029-11-01",
                    }
                },
                token,
            )["recordAccreditation"]
            assert recorded["userErrors"] == []
        published = _graphql(port, PUBLISH, {"id": listing}, token)["publishProvider"]
        assert published["userErrors"] == [] and published["provider"]["status"] == "PUBLISHED"

        found = {}
        for _ in range(60):  # the in-process outbox worker indexes the listing within a moment
            found = _graphql(port, SEARCH)["searchProviders"]
            if found["totalHits"]:
                break
            time.sleep(0.5)
        assert [hit["provider"]["name"] for hit in found["hits"]] == ["Jo Bloggs"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(
                urllib.request.Request(f"http://127.0.0.1:{port}/graphql", headers={"Accept": "text/html"}),
                timeout=5,
            )
        assert refused.value.code == 404  # no GraphiQL in production
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "demo-password" not in output  # nothing was seeded, so no demo sign-ins are advertised
    password = make_url(database).password
    assert password is None or password not in output
