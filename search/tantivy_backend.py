"""Embedded search on local disk with tantivy: the default for `broker serve` on one machine.

Layout under the directory given to the constructor::

    CURRENT          {"generation": "gen-…", "schema_version": N}, replaced atomically
    gen-<hex>/       one complete tantivy index; `rebuild` writes a new one, then flips CURRENT

Searches never take the write lock; writes are serialised by it (tantivy allows one writer per index).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import tantivy

from search.backend import SearchUnavailable
from search.documents import ProviderDocument
from search.geo import distances_within
from search.query import FACET_NAMES, Hit, SearchQuery, SearchResult
from search.tantivy_query import build_query
from search.tantivy_schema import (
    SCHEMA_VERSION,
    TEXT_TOKENIZER,
    build_schema,
    text_analyzer,
    to_tantivy,
)

POINTER = "CURRENT"
FACET_SIZE = 1000
GENERATION_CHECK_SECONDS = 1.0
"""How often a searcher looks for a generation flipped by another process (`broker reindex`)."""


def _batched(items: Iterable[ProviderDocument], size: int) -> Iterator[list[ProviderDocument]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class TantivyBackend:
    """`SearchBackend` over a tantivy index directory.

    Geo: tantivy has no geo queries, so the index narrows candidates with a latitude/longitude box
    (range queries on fast fields) and this class checks the exact distance, the query radius and
    the provider's travel reach on those candidates, reading positions from fast fields in bulk.
    Totals and facets are then computed over exactly the surviving documents.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        writer_heap_bytes: int = 128_000_000,
        writer_threads: int = 0,
        batch_size: int = 20_000,
    ) -> None:
        self._root = Path(path)
        self._heap = writer_heap_bytes
        self._threads = writer_threads
        self._batch_size = batch_size
        self._schema = build_schema()
        self._analyzer = text_analyzer()
        self._write_lock = threading.RLock()
        self._checked_at = 0.0
        self._pointer_stamp: tuple[int, int] = (0, 0)
        try:
            self._generation, self._index = self._open_current()
        except (OSError, ValueError) as error:
            raise SearchUnavailable(f"tantivy index at {self._root} cannot be opened: {error}") from error

    # -- index generations -------------------------------------------------------------------

    def _open_index(self, directory: Path) -> tantivy.Index:
        directory.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self._schema, path=str(directory), reuse=True)
        index.register_tokenizer(TEXT_TOKENIZER, self._analyzer)
        index.config_reader(reload_policy="OnCommit")
        return index

    def _read_pointer(self) -> dict[str, Any] | None:
        try:
            return json.loads((self._root / POINTER).read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _write_pointer(self, generation: str) -> None:
        tmp = self._root / f".{POINTER}.{uuid.uuid4().hex}"
        tmp.write_text(json.dumps({"generation": generation, "schema_version": SCHEMA_VERSION}))
        os.replace(tmp, self._root / POINTER)

    def _open_current(self) -> tuple[str, tantivy.Index]:
        """Open the generation CURRENT names, or start an empty one (first run, or schema changed)."""
        self._root.mkdir(parents=True, exist_ok=True)
        pointer = self._read_pointer()
        if pointer and pointer.get("schema_version") == SCHEMA_VERSION:
            directory = self._root / pointer["generation"]
            if (directory / "meta.json").exists():
                self._pointer_stamp = self._stamp()
                return pointer["generation"], self._open_index(directory)
        generation = f"gen-{uuid.uuid4().hex}"
        index = self._open_index(self._root / generation)
        self._write_pointer(generation)
        self._pointer_stamp = self._stamp()
        return generation, index

    def _stamp(self) -> tuple[int, int]:
        """Identity of the CURRENT file: `os.replace` gives a new inode, so a flip always changes it."""
        info = (self._root / POINTER).stat()
        return info.st_ino, info.st_mtime_ns

    def _follow_pointer(self) -> None:
        """Switch to a generation another process flipped CURRENT to (at most once a second)."""
        now = time.monotonic()
        if now - self._checked_at < GENERATION_CHECK_SECONDS:
            return
        self._checked_at = now
        try:
            stamp = self._stamp()
        except OSError:
            return
        if stamp != self._pointer_stamp:
            with self._write_lock:
                self._generation, self._index = self._open_current()

    def _remove_other_generations(self) -> None:
        for child in self._root.glob("gen-*"):
            if child.name != self._generation:
                shutil.rmtree(child, ignore_errors=True)

    # -- writes ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writer(self, index: tantivy.Index) -> Iterator[tantivy.IndexWriter]:
        """A writer for one batch of changes: committed, then released so the lock is not held idle."""
        try:
            writer = index.writer(heap_size=self._heap, num_threads=self._threads)
        except ValueError as error:
            raise SearchUnavailable(f"tantivy index is locked or unwritable: {error}") from error
        try:
            yield writer
        except BaseException:
            writer.rollback()
            raise
        else:
            try:
                writer.commit()
            except ValueError as error:
                writer.rollback()
                raise SearchUnavailable(f"tantivy commit failed: {error}") from error
        finally:
            writer.wait_merging_threads()
        index.reload()

    def upsert(self, docs: Sequence[ProviderDocument]) -> None:
        """Replace by id: a delete-by-term then an add in the same commit, so replays are harmless."""
        if not docs:
            return
        self._follow_pointer()
        with self._write_lock, self._writer(self._index) as writer:
            for doc in docs:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(to_tantivy(doc, self._schema, self._analyzer))

    def delete(self, ids: Sequence[int]) -> None:
        """Delete by id term; unknown ids are no-ops."""
        if not ids:
            return
        self._follow_pointer()
        with self._write_lock, self._writer(self._index) as writer:
            for provider_id in ids:
                writer.delete_documents_by_term("id", int(provider_id))

    def clear(self) -> None:
        """Delete every document."""
        self._follow_pointer()
        with self._write_lock, self._writer(self._index) as writer:
            writer.delete_all_documents()

    def rebuild(self, docs: Iterable[ProviderDocument]) -> int:
        """Write a fresh generation, flip CURRENT, then drop the old one.

        Holds the write lock throughout so in-process upserts wait and land in the new index; writes
        made by another process to the old generation during the build are lost at the flip (run the
        outbox drain after a reindex, which is idempotent).
        """
        with self._write_lock:
            generation = f"gen-{uuid.uuid4().hex}"
            index = self._open_index(self._root / generation)
            seen: set[int] = set()
            try:
                with self._writer(index) as writer:
                    for batch in _batched(docs, self._batch_size):
                        for doc in batch:
                            if doc.id in seen:
                                writer.delete_documents_by_term("id", doc.id)
                            seen.add(doc.id)
                            writer.add_document(to_tantivy(doc, self._schema, self._analyzer))
                        writer.commit()
            except BaseException:
                del index
                shutil.rmtree(self._root / generation, ignore_errors=True)
                raise
            self._write_pointer(generation)
            self._pointer_stamp = self._stamp()
            self._generation, self._index = generation, index
            self._remove_other_generations()
            return len(seen)

    # -- reads -------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        searcher = self._index.searcher()
        return {
            "backend": "tantivy",
            "documents": searcher.num_docs,
            "segments": searcher.num_segments,
            "generation": self._generation,
            "path": str(self._root),
        }

    def health(self) -> bool:
        try:
            self._index.searcher()
            return (self._root / self._generation / "meta.json").exists()
        except Exception:
            return False

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        self._follow_pointer()
        searcher = self._index.searcher()
        engine_query, has_text = build_query(self._schema, self._analyzer, query)
        if query.geo is None:
            hits, total, facet_query = self._search_without_geo(searcher, engine_query, query, has_text)
        else:
            hits, total, facet_query = self._search_with_geo(searcher, engine_query, query, has_text)
        facets = self._facets(searcher, facet_query) if query.facets else {}
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        return SearchResult(hits=hits, total=total, facets=facets, processing_time_ms=elapsed_ms)

    def _search_without_geo(
        self, searcher: tantivy.Searcher, engine_query: tantivy.Query, query: SearchQuery, has_text: bool
    ) -> tuple[list[Hit], int, tantivy.Query | None]:
        """Paging and ordering inside tantivy: by score, or by the `rate_id` / `id` fast field."""
        page = {"limit": max(1, query.limit), "count": True, "offset": query.offset}  # limit 0 panics
        if has_text and query.sort == "relevance":
            result = searcher.search(engine_query, **page)
            scores = [float(score) for score, _ in result.hits]
        else:
            field = "rate_id" if query.sort == "rate" else "id"
            result = searcher.search(engine_query, **page, order_by_field=field, order=tantivy.Order.Asc)
            scores = [0.0] * len(result.hits)
        ids = searcher.fast_field_values("id", [address for _, address in result.hits])
        hits = [Hit(id=int(i), score=s) for i, s in zip(ids, scores, strict=True)]
        return hits[: query.limit], int(result.count or 0), engine_query

    def _search_with_geo(
        self, searcher: tantivy.Searcher, engine_query: tantivy.Query, query: SearchQuery, has_text: bool
    ) -> tuple[list[Hit], int, tantivy.Query | None]:
        """Box in the engine, circle and travel reach here, over every candidate (for exact totals)."""
        assert query.geo is not None
        geo = query.geo
        candidates = searcher.search(engine_query, limit=max(1, searcher.num_docs), count=False).hits
        addresses = [address for _, address in candidates]
        ids = searcher.fast_field_values("id", addresses)
        lats = searcher.fast_field_values("latitude", addresses)
        lngs = searcher.fast_field_values("longitude", addresses)
        reaches = searcher.fast_field_values("travel_reach_km", addresses)
        distances = distances_within(geo.latitude, geo.longitude, geo.radius_km, lats, lngs, reaches)
        kept: list[tuple[int, float, float, int]] = []
        excluded: list[int] = []
        for position, distance in enumerate(distances):
            if distance is None:
                excluded.append(int(ids[position]))
            else:
                kept.append((int(ids[position]), distance, float(candidates[position][0]), position))
        if has_text and query.sort == "relevance":
            kept.sort(key=lambda row: (-row[2], row[0]))
        elif query.sort == "rate":
            rates = searcher.fast_field_values("hourly_rate_pence", [addresses[row[3]] for row in kept])
            order = sorted(range(len(kept)), key=lambda k: (rates[k], kept[k][1], kept[k][0]))
            kept = [kept[k] for k in order]
        else:
            kept.sort(key=lambda row: (row[1], row[0]))
        scored = has_text and query.sort == "relevance"
        page = kept[query.offset : query.offset + query.limit]
        hits = [Hit(id=row[0], score=row[2] if scored else 0.0, distance_km=row[1]) for row in page]
        return hits, len(kept), self._restrict(engine_query, [row[0] for row in kept], excluded)

    def _restrict(
        self, engine_query: tantivy.Query, kept: list[int], excluded: list[int]
    ) -> tantivy.Query | None:
        """The matching set as a query, for facets: whichever of kept / excluded is shorter to spell."""
        if not kept:
            return None
        if not excluded:
            return engine_query
        if len(excluded) < len(kept):
            return engine_query.and_must_not_match(tantivy.Query.term_set_query(self._schema, "id", excluded))
        return tantivy.Query.term_set_query(self._schema, "id", kept)

    def _facets(
        self, searcher: tantivy.Searcher, facet_query: tantivy.Query | None
    ) -> dict[str, dict[str, int]]:
        """Term counts over every matching document, via tantivy's aggregation on fast fields."""
        facets: dict[str, dict[str, int]] = {name: {} for name in FACET_NAMES}
        if facet_query is None:
            return facets
        request = {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACET_NAMES}
        response = searcher.aggregate(facet_query, request)
        for name in FACET_NAMES:
            for bucket in response.get(name, {}).get("buckets", []):
                facets[name][str(bucket["key"])] = int(bucket["doc_count"])
        return facets
