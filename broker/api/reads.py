"""The one shape of a query whose arguments are a single `input`: read → result, or a GraphQL error
whose extensions name the `input.…` field that was wrong (the service names it in Python)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from broker.api.fields import with_graphql_paths
from broker.errors import BrokerError

T = TypeVar("T")


async def read_input(info: Any, read: Callable[[AsyncSession], Awaitable[T]], *, writes: bool = False) -> T:
    """Runs `read` in a session (in a transaction when it `writes`, e.g. a report that first enters
    expired requests in a ledger); IDs decoded inside it are reported under `input` too."""
    db = info.context.db
    try:
        async with db.transaction() if writes else db.session() as session:
            return await read(session)
    except BrokerError as error:
        raise type(error)(errors=with_graphql_paths(error, "input")) from error
