"""Test wiring: every API test runs once on SQLite and once on PostgreSQL, each on a clean database.

The PostgreSQL leg uses the server of BROKER_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/test,
and creates a database of its own there (dropped at the end); it is skipped (with the reason) only when
that default server is unreachable and the variable is unset.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from broker.api.clock import FixedClock
from broker.app import create_app
from broker.db import Database, migrate, sync_url
from broker.geography.service import read_geography_csv
from broker.metadata import metadata
from broker.settings import Settings
from search.sync import DrainReport
from seed import DEMO_DISTRICTS
from tests.client import GraphQLClient

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
KEEP_ON_RESET = {"alembic_version", "postcode_district", "homecare_minimum_price"}


def _load_geography(url: str) -> None:
    engine = create_engine(sync_url(url))
    rows = [d.model_dump() for d in read_geography_csv(DEMO_DISTRICTS)]
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM postcode_district"))
        connection.execute(metadata.tables["postcode_district"].insert(), rows)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    migrate(url)
    _load_geography(url)
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this run's own on the server (never the server's shared `test` database),
    created here and dropped at the end, so two runs on one server cannot clobber each other."""
    url = os.environ.get("BROKER_TEST_POSTGRES_URL")
    server = make_url(sync_url(url or DEFAULT_POSTGRES))
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"broker_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin_dsn, connect_timeout=3, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        if url:
            pytest.fail(f"BROKER_TEST_POSTGRES_URL is set but unreachable: {error}")
        pytest.skip(
            f"PostgreSQL leg skipped: no server at {DEFAULT_POSTGRES} and BROKER_TEST_POSTGRES_URL is unset"
        )
    own = server.set(database=name).render_as_string(hide_password=False)
    migrate(own)
    _load_geography(own)
    yield own
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_postgres(url: str) -> None:
    tables = [t for t in metadata.tables if t not in KEEP_ON_RESET]
    with psycopg.connect(sync_url(url).replace("+psycopg", "")) as connection:
        quoted = ", ".join(f'"{t}"' for t in tables)
        connection.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "broker.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        _reset_postgres(url)
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        login_max_failures=3,
        login_lockout_minutes=15,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


@pytest.fixture
def app(settings: Settings, clock: FixedClock, db: Database) -> Starlette:
    """The service as `broker serve` builds it (tantivy index in the test's data dir), minus the
    background outbox worker: tests drain the outbox themselves with `index_now`."""
    return create_app(settings, clock=clock, db=db)


@pytest.fixture
def index_now(app: Starlette) -> Callable[[], Awaitable[DrainReport]]:
    """Brings the search index up to date with the database, as the background worker would."""
    return app.state.drainer.drain


@pytest.fixture
async def api(app: Starlette, settings: Settings, clock: FixedClock) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield GraphQLClient(http, settings=settings, clock=clock)
