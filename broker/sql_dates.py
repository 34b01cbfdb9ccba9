"""Date arithmetic the two databases spell differently, behind one name each (the one seam for it).

`days_after(day, n)` is a date n whole days later; `london_day(instant)` is the Europe/London calendar
day of a UTC timestamp column. SQLite has no time zones, so it gets `london_day` as a function of our
own, registered on each connection (`register_sqlite_functions`, called by `broker.db`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

LONDON = ZoneInfo("Europe/London")
_SQLITE_LONDON_DAY = "broker_london_day"


class days_after(FunctionElement[Any]):
    """The date `n` whole days after a date (n >= 0)."""

    type = Date()
    inherit_cache = True


@compiles(days_after, "sqlite")
def _sqlite_days_after(element: days_after, compiler: Any, **kw: Any) -> str:
    day, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({day}, '+' || CAST({n} AS TEXT) || ' days')"


@compiles(days_after, "postgresql")
def _postgres_days_after(element: days_after, compiler: Any, **kw: Any) -> str:
    day, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST({day} + CAST({n} AS INTEGER) AS DATE)"


class london_day(FunctionElement[Any]):
    """The Europe/London day of a UTC timestamp: the day the rules of the service count in."""

    type = Date()
    inherit_cache = True


@compiles(london_day, "sqlite")
def _sqlite_london_day(element: london_day, compiler: Any, **kw: Any) -> str:
    (instant,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"{_SQLITE_LONDON_DAY}({instant})"


@compiles(london_day, "postgresql")
def _postgres_london_day(element: london_day, compiler: Any, **kw: Any) -> str:
    (instant,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({instant}) AT TIME ZONE 'Europe/London' AS DATE)"


def _london_day_of(stored: str | None) -> str | None:
    """SQLite keeps UTC timestamps as naive ISO text (`broker.db.UTCDateTime`)."""
    if stored is None:
        return None
    instant = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return instant.astimezone(LONDON).date().isoformat()


def register_sqlite_functions(dbapi_connection: Any) -> None:
    dbapi_connection.create_function(_SQLITE_LONDON_DAY, 1, _london_day_of)
