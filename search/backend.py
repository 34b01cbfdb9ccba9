"""The contract every search engine behind the marketplace keeps, and the errors it may raise.

Exceptions::

    SearchError                 anything the index could not do
    ├── SearchUnavailable       engine down, unreachable, locked or timed out: retry later
    └── SearchTaskFailed        the engine accepted a write, then rejected it: a bug, do not retry blindly

The database is the source of truth; the index is a disposable copy. Writes reach it through the
outbox (retried on `SearchUnavailable`), and `rebuild` recreates it from scratch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from search.documents import ProviderDocument
from search.query import SearchQuery, SearchResult


class SearchError(Exception):
    """Base of every error a search backend raises."""


class SearchUnavailable(SearchError):
    """The engine cannot be reached or used right now; the same call may succeed later."""


class SearchTaskFailed(SearchError):
    """The engine processed a write and reported failure (bad settings, bad document)."""


class IndexState(StrEnum):
    """What a backend can say about its index, as `/readyz` reports it."""

    UP = "up"
    """Searches are answered."""
    DOWN = "down"
    """The engine cannot be reached or used right now (retry later); the index itself may be fine."""
    CORRUPT = "corrupt"
    """The index was found damaged and set aside; it needs a rebuild from the database."""
    REBUILDING = "rebuilding"
    """A damaged index is being rebuilt from the database by this process."""


@runtime_checkable
class SearchBackend(Protocol):
    """A provider index. All methods are synchronous and safe to call from several threads.

    - Writes are idempotent: `upsert` replaces any document with the same id, `delete` of an unknown
      id is a no-op, so an outbox row replayed after a crash changes nothing.
    - When a write returns, a following `search` sees it (read-your-writes within the process).
    - `search` semantics are `SearchQuery`'s docstring; totals and facets count every match.
    - Any method raises `SearchUnavailable` when the engine is down, never a driver-specific error.
    """

    def upsert(self, docs: Sequence[ProviderDocument]) -> None:
        """Insert or replace these documents (by id)."""

    def delete(self, ids: Sequence[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Run one query."""

    def stats(self) -> dict[str, Any]:
        """At least {"backend": name, "documents": count}."""

    def health(self) -> bool:
        """True when the engine answers; never raises."""

    def state(self) -> IndexState:
        """What the index looks like now; never raises. CORRUPT asks the caller to `rebuild` from
        the database (the outbox drainer does): the backend itself cannot read the database."""

    def clear(self) -> None:
        """Remove every document (settings stay)."""

    def rebuild(self, docs: Iterable[ProviderDocument]) -> int:
        """Replace the whole index with `docs` without a window where searches see a partial index:
        build aside, then switch atomically. Returns the number of documents indexed."""
