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


def assert_no_statement_per_row(small: list[str], large: list[str], extra_rows: int) -> None:
    """`large` read `extra_rows` more rows than `small` without a statement per row.

    A data loader's batch can split in two when one of its callers resumes on a later turn of the
    event loop than the rest (it happens on PostgreSQL when a neighbouring batch answers slowly), so a
    page may cost a statement or two more than another; a per-row read costs `extra_rows` more."""
    assert extra_rows > 4, "compare pages that differ by more than a few rows"
    assert len(large) <= len(small) + 2, (len(small), len(large))
