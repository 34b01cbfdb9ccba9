"""Meilisearch behind the `SearchBackend` protocol, for production (`docker compose up`).

Every write waits for its task and checks the outcome: the SDK returns failed tasks without raising.
Connection problems, timeouts and 5xx answers become `SearchUnavailable` so the outbox retries.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from search.backend import IndexState, SearchError, SearchTaskFailed, SearchUnavailable
from search.documents import ProviderDocument
from search.geo import haversine_km
from search.meilisearch_filters import search_params
from search.meilisearch_settings import index_settings, to_meilisearch
from search.query import FACET_NAMES, Hit, SearchQuery, SearchResult


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    """SDK errors -> our tree: unreachable or 5xx is `SearchUnavailable`, other API errors `SearchError`."""
    try:
        yield
    except (MeilisearchCommunicationError, MeilisearchTimeoutError) as error:
        raise SearchUnavailable(f"Meilisearch unreachable: {error}") from error
    except MeilisearchApiError as error:
        if error.status_code >= 500 or error.code == "index_not_found":
            raise SearchUnavailable(f"Meilisearch cannot serve the request: {error}") from error
        raise SearchError(f"Meilisearch rejected the request: {error}") from error


class MeilisearchBackend:
    """`SearchBackend` over one Meilisearch index (uid `index_uid`).

    Settings are applied on the first write (and by `rebuild` to the new index), so a fresh server
    needs only a `broker reindex`.
    """

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        index_uid: str = "providers",
        timeout: float = 5.0,
        task_timeout_ms: int = 60_000,
        task_interval_ms: int = 50,
        batch_size: int = 10_000,
    ) -> None:
        self._client = meilisearch.Client(url, api_key, timeout=timeout)  # type: ignore[arg-type]  # requests takes float seconds
        self.index_uid = index_uid
        self._task_timeout_ms = task_timeout_ms
        self._task_interval_ms = task_interval_ms
        self._batch_size = batch_size
        self._ready = False

    # -- tasks and setup ---------------------------------------------------------------------

    def _wait(self, task_uid: int, *, allow: tuple[str, ...] = ()) -> None:
        """Wait for a task; raise `SearchTaskFailed` unless it succeeded (or failed with an allowed code)."""
        task = self._client.wait_for_task(
            task_uid, timeout_in_ms=self._task_timeout_ms, interval_in_ms=self._task_interval_ms
        )
        if task.status == "succeeded":
            return
        error = task.error or {}
        if task.status == "failed" and error.get("code") in allow:
            return
        raise SearchTaskFailed(
            f"Meilisearch task {task_uid} ({task.type}) {task.status}: "
            f"{error.get('code', '?')}: {error.get('message', '')}"
        )

    def _prepare(self, uid: str) -> None:
        """Create the index if missing and apply our settings to it."""
        self._wait(
            self._client.create_index(uid, {"primaryKey": "id"}).task_uid, allow=("index_already_exists",)
        )
        self._wait(self._client.index(uid).update_settings(index_settings()).task_uid)

    def ensure_index(self) -> None:
        """Idempotent setup of the live index; done once per backend before its first write."""
        if not self._ready:
            with _translated_errors():
                self._prepare(self.index_uid)
            self._ready = True

    def _add(self, uid: str, docs: Sequence[ProviderDocument]) -> None:
        payload = [to_meilisearch(doc) for doc in {doc.id: doc for doc in docs}.values()]
        self._wait(self._client.index(uid).add_documents(payload, primary_key="id").task_uid)

    # -- writes ------------------------------------------------------------------------------

    def upsert(self, docs: Sequence[ProviderDocument]) -> None:
        """Add-or-replace by primary key `id` (Meilisearch's own idempotent upsert)."""
        if not docs:
            return
        self.ensure_index()
        with _translated_errors():
            self._add(self.index_uid, docs)

    def delete(self, ids: Sequence[int]) -> None:
        """Delete by an `id IN [...]` filter (the id-list route is deprecated); unknown ids are ignored."""
        if not ids:
            return
        self.ensure_index()
        with _translated_errors():
            expression = f"id IN [{', '.join(str(int(i)) for i in ids)}]"
            self._wait(self._client.index(self.index_uid).delete_documents(filter=expression).task_uid)

    def clear(self) -> None:
        """Delete every document; settings stay."""
        self.ensure_index()
        with _translated_errors():
            self._wait(self._client.index(self.index_uid).delete_all_documents().task_uid)

    def rebuild(self, docs: Iterable[ProviderDocument]) -> int:
        """Build `<uid>_rebuild_<hex>` aside, swap it with the live index (POST /swap-indexes), then
        delete the swapped-out copy. Searches see the old index until the swap, the new one after.

        Writes that reach the live index during the build are lost at the swap: drain the outbox
        again afterwards (it is idempotent).
        """
        staging = f"{self.index_uid}_rebuild_{uuid.uuid4().hex[:8]}"
        seen: set[int] = set()
        with _translated_errors():
            self._prepare(staging)
            iterator = iter(docs)
            while batch := list(islice(iterator, self._batch_size)):
                self._add(staging, batch)
                seen.update(doc.id for doc in batch)
            self._prepare(self.index_uid)
            self._wait(self._client.swap_indexes([{"indexes": [self.index_uid, staging]}]).task_uid)
            self._wait(self._client.delete_index(staging).task_uid)
        self._ready = True
        return len(seen)

    # -- reads -------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        with _translated_errors():
            stats = self._client.index(self.index_uid).get_stats()
        return {
            "backend": "meilisearch",
            "documents": stats.number_of_documents,
            "indexing": stats.is_indexing,
            "index": self.index_uid,
        }

    def health(self) -> bool:
        try:
            return bool(self._client.is_healthy())
        except Exception:
            return False

    def state(self) -> IndexState:
        """Meilisearch keeps its own data safe: it is either answering or not (never CORRUPT here)."""
        return IndexState.UP if self.health() else IndexState.DOWN

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        params = search_params(query)
        with _translated_errors():
            response = self._client.index(self.index_uid).search(query.text, params)
        skip = query.offset - (params["page"] - 1) * params["hitsPerPage"]
        hits = [self._hit(raw, query) for raw in response.get("hits", [])[skip:]]
        facets: dict[str, dict[str, int]] = {}
        if query.facets:
            distribution = response.get("facetDistribution") or {}
            facets = {
                name: {str(k): int(v) for k, v in (distribution.get(name) or {}).items() if v}
                for name in FACET_NAMES
            }
        processing = response.get("processingTimeMs")
        elapsed = float(processing) if processing is not None else (time.perf_counter() - started) * 1000.0
        return SearchResult(
            hits=hits, total=int(response.get("totalHits", 0)), facets=facets, processing_time_ms=elapsed
        )

    @staticmethod
    def _hit(raw: dict[str, Any], query: SearchQuery) -> Hit:
        """Distance from `_geoDistance` (metres, present when sorted by `_geoPoint`), else from `_geo`."""
        distance: float | None = None
        if query.geo is not None:
            if "_geoDistance" in raw:
                distance = float(raw["_geoDistance"]) / 1000.0
            elif raw.get("_geo"):
                geo = raw["_geo"]
                distance = haversine_km(
                    query.geo.latitude, query.geo.longitude, float(geo["lat"]), float(geo["lng"])
                )
        return Hit(id=int(raw["id"]), score=float(raw.get("_rankingScore", 0.0)), distance_km=distance)
