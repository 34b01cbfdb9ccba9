"""SQL the two databases spell differently, behind one name each (the one seam for market queries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


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
