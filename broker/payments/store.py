"""Writing a row at most once per unique key, on both databases, without savepoints.

`INSERT ... ON CONFLICT DO NOTHING` is how the database (not the gateway) makes an idempotency key or
an event id count once: a concurrent second insert waits for the first to commit, then does nothing.
(Savepoints would do too on PostgreSQL, but pysqlite only opens its transaction on the first DML, so
a SAVEPOINT as the first write commits on RELEASE; this avoids that trap.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel


async def insert_once(session: AsyncSession, row: SQLModel) -> bool:
    """Inserts `row` unless a unique key already holds one; True when this call inserted it."""
    values: dict[str, Any] = {k: v for k, v in row.model_dump().items() if not (k == "id" and v is None)}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = type(row).__table__  # type: ignore[attr-defined]  # SQLModel does not declare it
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
    return (await session.execute(statement)).first() is not None
