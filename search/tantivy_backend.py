"""Embedded search on local disk with tantivy: the default for `broker serve` on one machine.

The directory holds generations of the index (`search.tantivy_generations`): `rebuild` writes a new
one, then flips CURRENT to it. Searches never take the write lock; writes are serialised by it
(tantivy allows one writer per index). A damaged generation (fails to open, to pass
`search.tantivy_integrity`'s checks, or to answer) is set aside and never touched again: searches and
writes raise `SearchUnavailable` and `state()` says CORRUPT until `rebuild` (the outbox drainer's
recovery, or `broker reindex`) fills a new generation from the database.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import tantivy

from search.backend import IndexState, SearchUnavailable
from search.documents import ProviderDocument
from search.query import SearchQuery, SearchResult
from search.tantivy_generations import Generations
from search.tantivy_integrity import FileStamp, FileWatch, verify_in_child
from search.tantivy_query import build_query
from search.tantivy_reading import count_facets, page_with_geo, page_without_geo
from search.tantivy_schema import (
    SCHEMA_VERSION,
    TEXT_TOKENIZER,
    build_schema,
    text_analyzer,
    to_tantivy,
)

GENERATION_CHECK_SECONDS = 1.0
"""How often a searcher looks for a generation flipped by another process (`broker reindex`)."""
REBUILD_NEEDED = "the search index was found damaged and is being rebuilt from the database"


def _batched(items: Iterable[ProviderDocument], size: int) -> Iterator[list[ProviderDocument]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _is_engine_failure(error: BaseException) -> bool:
    """What tantivy raises when its files are damaged: ValueError, or a Rust panic, which pyo3 raises
    as `PanicException`, a BaseException (so `except Exception` lets it through)."""
    return isinstance(error, ValueError) or type(error).__name__ == "PanicException"


@dataclass(eq=False)
class _Generation:
    """The generation CURRENT names, as this process uses it; `index` is None when none is usable."""

    name: str | None
    index: tantivy.Index | None = None
    watch: FileWatch | None = None
    loaded: FileStamp | None = None
    """The meta.json the index's searcher was last reloaded from."""


class TantivyBackend:
    """`SearchBackend` over a tantivy index directory.

    Geo: tantivy has no geo queries, so the index narrows candidates with a latitude/longitude box
    (range queries on fast fields) and this class checks the exact distance, the query radius and
    the provider's travel reach on those candidates, reading positions from fast fields in bulk.
    Totals and facets are then computed over exactly the surviving documents.

    A generation written by another process (or an earlier run) is verified in a child process
    before its first use here; one this process committed is trusted as written.
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
        self._switch_lock = threading.RLock()
        self._checked_at = 0.0
        self._pointer_stamp: tuple[int, int] = (0, 0)
        self._current: _Generation | None = None
        self._rebuilding = False
        try:
            self._generations = Generations(self._root)
            if self._generations.is_new():
                self._current = self._start_empty()
        except (OSError, ValueError) as error:
            raise SearchUnavailable(f"tantivy index at {self._root} cannot be created: {error}") from error

    # -- index generations -------------------------------------------------------------------

    def _open_index(self, directory: Path) -> tantivy.Index:
        directory.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self._schema, path=str(directory), reuse=True)
        index.register_tokenizer(TEXT_TOKENIZER, self._analyzer)
        # Reloaded by `_usable` only after the files were checked: tantivy's own OnCommit watcher
        # reloads on a background thread, where a truncated file kills the process with SIGBUS.
        index.config_reader(reload_policy="Manual")
        return index

    def _start_empty(self) -> _Generation:
        """A new empty generation named by CURRENT (first run, or the schema changed)."""
        name = self._generations.new_name()
        index = self._open_index(self._root / name)
        self._pointer_stamp = self._generations.write_pointer(name)
        return _Generation(name, index, FileWatch(self._root / name))

    def _open_current(self) -> _Generation:
        """Open the generation CURRENT names, verified; a damaged one is set aside instead."""
        pointer = self._generations.read_pointer()
        if pointer is None:
            return self._set_aside(None, "CURRENT is missing or unreadable")
        if pointer.get("schema_version") != SCHEMA_VERSION:
            return self._start_empty()
        if pointer.get("rebuild_needed"):
            self._pointer_stamp = self._generations.stamp()
            return _Generation(None)
        name = self._generations.named(pointer)
        if name is None:
            return self._set_aside(None, "CURRENT names no generation")
        directory = self._root / name
        if not (directory / "meta.json").is_file():
            return self._set_aside(name, "meta.json is missing")
        self._pointer_stamp = self._generations.stamp()
        problem = verify_in_child(directory)
        if problem is not None:
            return self._set_aside(name, problem)
        watch = FileWatch(directory)
        try:
            index = self._open_index(directory)
        except BaseException as error:
            if not _is_engine_failure(error):
                raise
            return self._set_aside(name, f"opening it failed: {type(error).__name__}")
        problem = watch.check()  # records what the verified files look like
        if problem is not None:
            return self._set_aside(name, problem)
        return _Generation(name, index, watch)

    def _set_aside(self, name: str | None, problem: str) -> _Generation:
        """Move the damaged generation out of the way; until a rebuild there is nothing to read."""
        self._pointer_stamp = self._generations.set_aside(name, problem)
        return _Generation(None)

    def _pointer_moved(self) -> bool:
        """Whether another process flipped CURRENT (looked at at most once a second)."""
        now = time.monotonic()
        if now - self._checked_at < GENERATION_CHECK_SECONDS:
            return False
        self._checked_at = now
        try:
            return self._generations.stamp() != self._pointer_stamp
        except OSError:
            return True

    def _live(self) -> _Generation:
        """The generation to use now, following CURRENT; opens (and verifies) it on first use."""
        current = self._current
        if current is not None and not self._pointer_moved():
            return current
        with self._switch_lock:
            if self._current is current:  # no other thread switched meanwhile
                try:
                    self._current = self._open_current()
                except OSError as error:
                    message = f"tantivy index at {self._root} cannot be opened: {error}"
                    raise SearchUnavailable(message) from error
            assert self._current is not None
            return self._current

    def _usable(self) -> tuple[_Generation, tantivy.Index]:
        """The live generation and its index, checked unchanged on disk; else SearchUnavailable."""
        generation = self._live()
        if generation.index is None or generation.watch is None:
            raise SearchUnavailable(REBUILD_NEEDED)
        problem = generation.watch.check()
        if problem is not None:
            self._damaged(generation, problem)
            raise SearchUnavailable(REBUILD_NEEDED)
        if generation.loaded != generation.watch.meta_stamp:  # a commit (maybe by another process)
            with self._guarded(generation):
                generation.index.reload()
            generation.loaded = generation.watch.meta_stamp
        return generation, generation.index

    def _committed(self, generation: _Generation) -> None:
        """Record the files this process just committed, so a later change to them is noticed."""
        assert generation.watch is not None
        problem = generation.watch.check()
        if problem is not None:
            self._damaged(generation, problem)

    def _damaged(self, generation: _Generation, problem: str) -> None:
        """Set `generation` aside unless another thread already moved on from it."""
        with self._switch_lock:
            if self._current is generation:
                self._current = self._set_aside(generation.name, problem)

    @contextlib.contextmanager
    def _guarded(self, generation: _Generation) -> Iterator[None]:
        """tantivy failing inside a call means its files are damaged: set the generation aside.

        Only the error's type is logged: a live query's message may echo what someone searched for.
        """
        try:
            yield
        except SearchUnavailable:
            raise
        except BaseException as error:
            if not _is_engine_failure(error):
                raise
            self._damaged(generation, f"tantivy failed to answer: {type(error).__name__}")
            raise SearchUnavailable(REBUILD_NEEDED) from None

    def state(self) -> IndexState:
        """UP when a search would be answered; REBUILDING while this process rebuilds a damaged
        index; CORRUPT when damage was found and no rebuild has replaced it yet; DOWN otherwise."""
        try:
            generation, index = self._usable()
            with self._guarded(generation):
                index.searcher()
            return IndexState.UP
        except SearchUnavailable:
            if self._rebuilding:
                return IndexState.REBUILDING
            current = self._current
            return IndexState.CORRUPT if current is not None and current.index is None else IndexState.DOWN

    def health(self) -> bool:
        return self.state() is IndexState.UP

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
        with self._write_lock:
            generation, index = self._usable()
            with self._guarded(generation), self._writer(index) as writer:
                for doc in docs:
                    writer.delete_documents_by_term("id", doc.id)
                    writer.add_document(to_tantivy(doc, self._schema, self._analyzer))
            self._committed(generation)

    def delete(self, ids: Sequence[int]) -> None:
        """Delete by id term; unknown ids are no-ops."""
        if not ids:
            return
        with self._write_lock:
            generation, index = self._usable()
            with self._guarded(generation), self._writer(index) as writer:
                for provider_id in ids:
                    writer.delete_documents_by_term("id", int(provider_id))
            self._committed(generation)

    def clear(self) -> None:
        """Delete every document."""
        with self._write_lock:
            generation, index = self._usable()
            with self._guarded(generation), self._writer(index) as writer:
                writer.delete_all_documents()
            self._committed(generation)

    def rebuild(self, docs: Iterable[ProviderDocument]) -> int:
        """Write a fresh generation, flip CURRENT, then drop the old one.

        Never opens the current generation, so it works however damaged that one is. Holds the write
        lock throughout so in-process upserts wait and land in the new index; writes made by another
        process to the old generation during the build are lost at the flip (run the outbox drain
        after a reindex, which is idempotent).
        """
        with self._write_lock:
            self._rebuilding = True
            try:
                return self._rebuild(docs)
            finally:
                self._rebuilding = False

    def _rebuild(self, docs: Iterable[ProviderDocument]) -> int:
        self._root.mkdir(parents=True, exist_ok=True)
        generation = self._generations.new_name()
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
        watch = FileWatch(self._root / generation)
        watch.check()  # records the files as this process committed them
        with self._switch_lock:
            self._pointer_stamp = self._generations.write_pointer(generation)
            self._current = _Generation(generation, index, watch)
        self._generations.remove_all_but(generation)
        return len(seen)

    # -- reads -------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        generation, index = self._usable()
        with self._guarded(generation):
            searcher = index.searcher()
            return {
                "backend": "tantivy",
                "documents": searcher.num_docs,
                "segments": searcher.num_segments,
                "generation": generation.name,
                "path": str(self._root),
            }

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        generation, index = self._usable()
        engine_query, has_text = build_query(self._schema, self._analyzer, query)
        with self._guarded(generation):
            searcher = index.searcher()
            if query.geo is None:
                hits, total, facet_query = page_without_geo(searcher, engine_query, query, has_text)
            else:
                hits, total, facet_query = page_with_geo(
                    self._schema, searcher, engine_query, query, has_text
                )
            facets = count_facets(searcher, facet_query) if query.facets else {}
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        return SearchResult(hits=hits, total=total, facets=facets, processing_time_ms=elapsed_ms)
