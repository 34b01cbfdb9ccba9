"""SQL the two databases spell differently, behind one name each (the one seam for market queries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Subquery, literal, select, union_all
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
