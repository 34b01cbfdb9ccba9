"""Relay cursor connections with `totalCount`, over offset cursors; page size is capped."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry
from strawberry import relay

from broker.errors import ErrorCode, InvalidInput

N = TypeVar("N")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
_PREFIX = "offset:"


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


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if not text.startswith(_PREFIX):
            raise ValueError(text)
        offset = int(text.removeprefix(_PREFIX))
        if offset < 0:
            raise ValueError(text)
        return offset
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("Not a cursor from this API.", field="after") from error


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
