"""SQL the two databases spell differently, behind one name each (the one seam for market queries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, Subquery, and_, case, cast, func, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from broker.market.bands import PARTS
from broker.market.stats import percentile


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


QUARTILES = (0.25, 0.5, 0.75)


async def percentiles_by(
    session: AsyncSession,
    source: Subquery,
    keys: list[str],
    value: str,
    fractions: tuple[float, ...] = QUARTILES,
) -> dict[tuple, tuple[float, ...]]:
    """Per group of `keys`, the percentiles `fractions` of the column `value` of `source` (NULLs
    left out), interpolated linearly between ranks and rounded to 2 places: what `stats.percentile`
    gives from the group's histogram, worked out in the database (one row out per group).
    PostgreSQL has `percentile_cont`; on SQLite each group's histogram is read (`stats.percentile`)."""
    key_columns = [source.c[k] for k in keys]
    values = source.c[value]
    found: dict[tuple, tuple[float, ...]] = {}
    if session.get_bind().dialect.name == "postgresql":
        as_float = cast(values, Float)
        query = (
            select(*key_columns, *[func.percentile_cont(p).within_group(as_float) for p in fractions])
            .where(values.is_not(None))
            .group_by(*key_columns)
        )
        for row in await session.execute(query):
            found[tuple(row[: len(keys)])] = tuple(round(float(v), 2) for v in row[len(keys) :])
        return found
    # SQLite: windows that rank each group's values took 5x as long as grouping by value (6.9 s
    # against 1.4 s for 236,603 rows at load 18), so the groups come back as histograms, in order.
    histograms: dict[tuple, dict[float, int]] = {}
    query = (
        select(*key_columns, values, func.count()).where(values.is_not(None)).group_by(*key_columns, values)
    )
    for row in await session.execute(query):
        histograms.setdefault(tuple(row[: len(keys)]), {})[float(row[len(keys)])] = row[len(keys) + 1]
    for key, histogram in histograms.items():
        results = [percentile(histogram, p) for p in fractions]
        found[key] = tuple(r for r in results if r is not None)
    return found


def band_share(minutes: Any, total_minutes: Any) -> Any:
    """The share of a need's (or an agreement's) weekly hours that falls in a band: its slot minutes
    there over all its slot minutes; all of them when it has no slots (no band, minutes NULL)."""
    return case((minutes.is_(None), literal(1.0)), else_=cast(minutes, Float) / cast(total_minutes, Float))
