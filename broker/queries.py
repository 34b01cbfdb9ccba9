"""How every capability reads a page of rows, a batch of rows by key and a set of equality filters.

The rule of *which* rows a caller may see is each capability's own (`<capability>/access.py`); this
module only holds the SQL shapes they all share, so a page's total and its rows always come from
the same query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])


async def page(
    session: AsyncSession, query: Select[Any], order: Sequence[Any], limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of `query` in `order`, and how many rows the whole query has."""
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(*order).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def by_id(
    session: AsyncSession, model: type[T], visible: ColumnElement[bool], ids: Sequence[int]
) -> dict[int, T]:
    """The rows of `model` with these keys that `visible` lets through, by key."""
    key = model.id  # type: ignore[attr-defined]
    rows = await session.execute(select(model).where(key.in_(ids), visible))
    return {row.id: row for row in rows.scalars()}  # type: ignore[attr-defined]


def where_given(query: S, *equal: tuple[Any, object]) -> S:
    """`query` narrowed by `column == value` for each value that was given (not None)."""
    for column, value in equal:
        if value is not None:
            query = query.where(column == value)
    return query
