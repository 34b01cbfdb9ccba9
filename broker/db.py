"""Database engine, sessions and migrations.

One seam for SQLite (embedded) and PostgreSQL (production): the URL picks the async driver, and
Alembic applies the same migrations to both.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, event, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from broker.sql_dates import register_sqlite_functions

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite hands back naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def async_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def sync_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+asyncpg"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


PRIVATE_FILE = 0o600
PRIVATE_DIRECTORY = 0o700
CONNECT_TIMEOUT_SECONDS = 5


def display_url(url: str) -> str:
    """A database URL as it may be printed or logged: its password, if any, shown as `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def _ensure_sqlite_directory(url: str) -> None:
    """Creates the SQLite file and its directory readable by this user only, before SQLite does.

    The file holds care plans and contact details. SQLite creates a new database 0644 (less the
    umask) and gives its `-wal` and `-shm` files the main file's mode, so creating the main file
    0600 ourselves keeps all three private; an existing file that others can read is tightened.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    except FileExistsError:
        for existing in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if existing.exists() and existing.stat().st_mode & 0o077:
                existing.chmod(PRIVATE_FILE)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, say when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    register_sqlite_functions(dbapi_connection)


WRITE = "broker_write"


def _sqlite_begin(connection: Any) -> None:
    """Write transactions take SQLite's write lock when they begin (`BEGIN IMMEDIATE`).

    SQLite ignores `SELECT ... FOR UPDATE`, so a read-check-write use case (a refund against what is
    left of a payment, an activation against free capacity) would race. Taking the one database
    write lock up front serialises writers, which is what the row locks give on PostgreSQL; reads
    keep SQLite's concurrent snapshot (`BEGIN` deferred).
    """
    immediate = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(
    url: str, *, echo: bool = False, connect_timeout: float = CONNECT_TIMEOUT_SECONDS
) -> AsyncEngine:
    """The engine for `url`.

    Bound parameters are never part of an error's text or the SQL log (`hide_parameters`): they are
    care-plan outcomes, postcodes and contact details. A PostgreSQL server that does not answer is
    given up on after `connect_timeout` seconds, so a request fails fast (503) instead of hanging.
    """
    _ensure_sqlite_directory(url)
    sqlite = make_url(url).drivername.startswith("sqlite")
    # A local SQLite file cannot drop the connection under us; pinging it costs a round trip per checkout.
    engine = create_async_engine(
        async_url(url),
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=not sqlite,
        connect_args={} if sqlite else {"connect_timeout": max(1, round(connect_timeout))},
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


# SQLite primary result codes (the low byte) meaning the file cannot be used right now:
# SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
_SQLITE_OUTAGES = {5, 6, 10, 13, 14}
# PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57P operator
# intervention (server shutting down or starting up).
_POSTGRES_OUTAGE_PREFIXES = ("08", "53", "57P")


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        link = pending.pop()
        if link is None or id(link) in seen or len(seen) > 20:
            continue
        seen.add(id(link))
        yield link
        orig = getattr(link, "orig", None)
        pending.extend([link.__context__, link.__cause__, orig if isinstance(orig, BaseException) else None])


def is_database_unavailable(error: BaseException) -> bool:
    """True when `error`, or anything that caused it, says the database cannot be reached or used now.

    The one place that tells an outage (server down or refusing connections, pool exhausted, SQLite
    file gone or locked) from a bug: callers answer an outage with 503 and Retry-After, and a bug
    with a masked error. SQL mistakes (SQLite reports them as OperationalError too) are not outages.
    """
    for link in _causes(error):
        if isinstance(link, sa_exc.DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, sa_exc.DisconnectionError | sa_exc.TimeoutError):
            return True
        if isinstance(link, psycopg.InterfaceError):
            return True
        if isinstance(link, psycopg.OperationalError):
            state = link.sqlstate
            if state is None or state.startswith(_POSTGRES_OUTAGE_PREFIXES):
                return True
        if isinstance(link, sqlite3.OperationalError | sqlite3.InterfaceError):
            code = getattr(link, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in _SQLITE_OUTAGES:
                return True
    return False


class Database:
    """Owns the engine; hands out sessions (reads) and transactions (writes)."""

    def __init__(
        self, url: str, *, echo: bool = False, connect_timeout: float = CONNECT_TIMEOUT_SECONDS
    ) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo, connect_timeout=connect_timeout)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writes = async_sessionmaker(
            self.engine.execution_options(**{WRITE: True}), expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits together or not at all, holding the write lock on SQLite."""
        async with self._writes() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def lock_key(name: str) -> int:
    """A PostgreSQL advisory lock key (signed 64-bit) named by `name`, the same in every process."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


async def serialize(session: AsyncSession, name: str) -> None:
    """Makes the rest of `session`'s transaction run alone among every app process doing `name`
    (a PostgreSQL advisory transaction lock, released at commit or rollback). SQLite has one
    process and one writer: nothing to do."""
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})


def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision`; safe to run on every start, and from several processes
    at once on PostgreSQL (each waits on an advisory lock; the later ones find nothing to do)."""
    _ensure_sqlite_directory(url)
    if make_url(url).get_backend_name() != "postgresql":
        command.upgrade(alembic_config(url), revision)
        return
    key = {"key": lock_key("broker.migrate")}
    engine = create_sync_engine(sync_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
            try:
                command.upgrade(alembic_config(url), revision)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
    finally:
        engine.dispose()
