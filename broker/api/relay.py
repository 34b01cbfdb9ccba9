"""Relay cursor connections with `totalCount`, over offset cursors; page size is capped.

Also the one home of what a cursor and a global ID look like: `broker.api.input_rules` checks every
cursor and ID a request carries against these before anything runs.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from broker.errors import ErrorCode, InvalidInput
from broker.hygiene import MAX_INTEGER, whole_number

N = TypeVar("N")
M = TypeVar("M")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
_PREFIX = "offset:"
# An offset past that many rows can only be forged, never handed out; no key can be larger.
MAX_OFFSET = MAX_INTEGER
MAX_KEY = MAX_INTEGER


@strawberry.type(name="Edge", description="One item of a page, with the cursor that points at it.")
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type(name="Connection", description="A page of results and how many there are in all.")
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description="Matching items across all pages.")

    @strawberry.field(description="The nodes of this page, without cursors.")
    def nodes(self) -> list[N]:
        return [edge.node for edge in self.edges]


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"{_PREFIX}{offset}".encode()).decode()


def _strict_base64(value: str) -> str:
    """The text inside `value`, if it is base64 exactly as this API writes it (one spelling only)."""
    text = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    if base64.b64encode(text.encode()).decode() != value:
        raise ValueError("not canonical base64")
    return text


def decode_cursor(cursor: str, *, field: str = "after") -> int:
    """The offset inside a cursor this API issued; anything else (an offset past MAX_OFFSET) is refused."""
    try:
        text = _strict_base64(cursor)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise InvalidInput("Not a cursor from this API.", field=field) from error
    offset = whole_number(text.removeprefix(_PREFIX)) if text.startswith(_PREFIX) else None
    if offset is None:
        raise InvalidInput("Not a cursor from this API.", field=field)
    return offset


def check_global_id(value: str, type_names: frozenset[str], *, field: str) -> tuple[str, int]:
    """Type name and key of a global ID as this API issues them: base64 of `Type:key`, where Type is one
    of `type_names` and key a whole number within MAX_KEY. Anything else cannot name an object here."""
    try:
        type_name, sep, text = _strict_base64(value).partition(":")
        key = whole_number(text)
        if not sep or type_name not in type_names or key is None:
            raise ValueError(type_name)
        return type_name, key
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise InvalidInput("Not an ID from this API.", field=field) from error


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page_from(first: int | None, after: str | None) -> Page:
    """`first` is capped at MAX_PAGE_SIZE; asking for more returns a full page, not an error."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0:
        raise InvalidInput("`first` cannot be negative.", field="first", code=ErrorCode.OUT_OF_RANGE)
    offset = decode_cursor(after) + 1 if after else 0
    return Page(limit=min(size, MAX_PAGE_SIZE), offset=offset)


def connection(nodes: Sequence[N], *, page: Page, total: int) -> Connection[N]:
    edges = [Edge(cursor=encode_cursor(page.offset + i), node=n) for i, n in enumerate(nodes)]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.offset + len(nodes) < total,
            has_previous_page=page.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


def decode_id(global_id: relay.GlobalID, expected: str, *, field: str) -> int:
    """The database key inside a global ID, refusing IDs of another type."""
    if global_id.type_name != expected:
        raise InvalidInput(f"Expected a {expected} ID.", field=field, code=ErrorCode.NOT_FOUND)
    try:
        return int(global_id.node_id)
    except ValueError as error:
        raise InvalidInput(f"Not a {expected} ID.", field=field, code=ErrorCode.NOT_FOUND) from error


async def paged(
    info: Any,
    first: int | None,
    after: str | None,
    fetch: Callable[[AsyncSession, Page], Awaitable[tuple[Sequence[M], int]]],
    node: Callable[[M], N],
    *,
    writes: bool = False,
) -> Connection[N]:
    """The one shape of a connection resolver: a page from the cursor, one read session, the service's
    rows and total, each row presented as a node. `writes` runs the fetch in a transaction instead,
    for reads that are themselves recorded (a support plan's read log)."""
    page = page_from(first, after)
    db = info.context.db
    async with db.transaction() if writes else db.session() as session:
        rows, total = await fetch(session, page)
    return connection([node(r) for r in rows], page=page, total=total)
