"""Counting the SQL statements one request costs, for the query-count tests of the connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from broker.db import Database


@contextmanager
def counting_statements(db: Database) -> Iterator[list[str]]:
    """Every statement sent to the database while the block runs, in order."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
