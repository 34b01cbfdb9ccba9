"""SQL the two databases spell differently, behind one name each (the one seam for market queries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Subquery, and_, case, func, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from broker.market.bands import PARTS


def band_parts(name: str = "band_part") -> Subquery:
    """The time bands' parts (`bands.PARTS`) as a table: band, first_day, last_day, start/end minute."""
    rows = [
        select(
            literal(p.band.value).label("band"),
            literal(p.first_day).label("first_day"),
            literal(p.last_day).label("last_day"),
            literal(p.start_minute).label("start_minute"),
            literal(p.end_minute).label("end_minute"),
        )
        for p in PARTS
    ]
    return union_all(*rows).subquery(name)


class whole_days_between(FunctionElement[int]):
    """Whole days from the first timestamp to the second, rounded down."""

    type = Integer()
    inherit_cache = True


@compiles(whole_days_between, "sqlite")
def _sqlite_days(element: whole_days_between, compiler: Any, **kw: Any) -> str:
    first, second = list(element.clauses)
    start, end = compiler.process(first, **kw), compiler.process(second, **kw)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(whole_days_between, "postgresql")
def _postgres_days(element: whole_days_between, compiler: Any, **kw: Any) -> str:
    first, second = list(element.clauses)
    start, end = compiler.process(first, **kw), compiler.process(second, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 86400) AS INTEGER)"


# The per-plan cells of a large council (~250,000 rows) sort in memory with this, on disk without.
SORT_MEMORY = "64MB"


async def room_to_sort(session: AsyncSession) -> None:
    """Gives this transaction's sorts `SORT_MEMORY` on PostgreSQL (`SET LOCAL`: it ends with the
    transaction); SQLite has no such setting."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))


def _least(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


def _greatest(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def band_minutes(slot_table: Any, owner_column: Any, owners: Any) -> tuple[Subquery, Subquery]:
    """(owner, band, minutes) and (owner, total minutes) of weekly slots, in SQL, for the owners
    `owners` selects (the council's only: the slots of other councils are never read)."""
    parts = band_parts()
    overlap = _least(slot_table.end_minute, parts.c.end_minute) - _greatest(
        slot_table.start_minute, parts.c.start_minute
    )
    by_band = (
        select(owner_column.label("owner"), parts.c.band, func.sum(overlap).label("minutes"))
        .join(
            parts,
            and_(
                slot_table.day.between(parts.c.first_day, parts.c.last_day),
                slot_table.start_minute < parts.c.end_minute,
                slot_table.end_minute > parts.c.start_minute,
            ),
        )
        .where(owner_column.in_(owners))
        .group_by(owner_column, parts.c.band)
        .subquery()
    )
    total = (
        select(
            owner_column.label("owner"),
            func.sum(slot_table.end_minute - slot_table.start_minute).label("minutes"),
        )
        .where(owner_column.in_(owners))
        .group_by(owner_column)
        .subquery()
    )
    return by_band, total
