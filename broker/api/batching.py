"""The pieces every per-request loader is made of: a batch read by id, a batch read grouped by a
foreign key, and `present` for resolvers that need not await a value the loader already holds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from broker.db import Database

T = TypeVar("T")
K = TypeVar("K")
R = TypeVar("R")


def present(loader: DataLoader[K, T], key: K, show: Callable[[T], R]) -> R | Awaitable[R]:
    """`show(value)` at once when the loader already holds `key` (primed by the page, or loaded
    earlier in the request); otherwise an awaitable of it, batched with the other loads as usual.

    A resolver returning this is a plain function: graphql-core completes a ready value without a
    coroutine, a task and a gather per field, which is most of a nested page's cost.
    """
    future = loader.cache_map.get(key) if loader.cache else None
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return show(future.result())

    async def later() -> R:
        return show(await loader.load(key))

    return later()


def load_by_id(db: Database, model: type[T]) -> Callable[[Sequence[int]], Awaitable[list[T | None]]]:
    async def load(ids: Sequence[int]) -> list[T | None]:
        async with db.session() as session:
            rows = await session.execute(select(model).where(model.id.in_(ids)))  # type: ignore[attr-defined]
            found = {row.id: row for row in rows.scalars()}  # type: ignore[attr-defined]
        return [found.get(i) for i in ids]

    return load


def load_grouped(
    db: Database, model: type[T], key: str, order: Sequence[Any]
) -> Callable[[Sequence[int]], Awaitable[list[list[T]]]]:
    async def load(ids: Sequence[int]) -> list[list[T]]:
        column = getattr(model, key)
        async with db.session() as session:
            rows = await session.execute(select(model).where(column.in_(ids)).order_by(*order))
            grouped: dict[int, list[T]] = defaultdict(list)
            for row in rows.scalars():
                grouped[getattr(row, key)].append(row)
        return [grouped.get(i, []) for i in ids]

    return load
