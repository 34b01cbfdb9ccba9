"""Tantivy-only behaviour: index generations on disk, other processes' rebuilds, concurrent use."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import tantivy

import search.tantivy_backend as tantivy_backend
from search.backend import SearchUnavailable
from search.documents import ProviderDocument
from search.query import SearchQuery
from search.tantivy_backend import TantivyBackend
from tests.search.factories import provider

SMALL = {"writer_heap_bytes": 15_000_000, "writer_threads": 1}


def _ids(backend: TantivyBackend) -> set[int]:
    return {hit.id for hit in backend.search(SearchQuery(limit=100)).hits}


def test_reopening_the_directory_keeps_the_documents(tmp_path: Path) -> None:
    TantivyBackend(tmp_path, **SMALL).upsert([provider(1), provider(2)])

    assert _ids(TantivyBackend(tmp_path, **SMALL)) == {1, 2}


def test_rebuild_flips_current_and_removes_the_old_generation(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, **SMALL)
    backend.upsert([provider(1)])
    before = json.loads((tmp_path / "CURRENT").read_text())["generation"]

    backend.rebuild([provider(2)])

    after = json.loads((tmp_path / "CURRENT").read_text())["generation"]
    assert after != before
    assert sorted(p.name for p in tmp_path.glob("gen-*")) == [after]
    assert _ids(backend) == {2}


def test_a_rebuild_by_another_process_is_picked_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tantivy_backend, "GENERATION_CHECK_SECONDS", 0.0)
    serving = TantivyBackend(tmp_path, **SMALL)
    serving.upsert([provider(1)])

    TantivyBackend(tmp_path, **SMALL).rebuild([provider(2), provider(3)])

    assert _ids(serving) == {2, 3}


def test_a_write_after_another_process_rebuilt_lands_in_the_new_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tantivy_backend, "GENERATION_CHECK_SECONDS", 0.0)
    serving = TantivyBackend(tmp_path, **SMALL)
    serving.upsert([provider(1)])
    TantivyBackend(tmp_path, **SMALL).rebuild([provider(2)])

    serving.upsert([provider(3)])

    assert _ids(TantivyBackend(tmp_path, **SMALL)) == {2, 3}


def test_index_from_another_schema_version_starts_empty(tmp_path: Path) -> None:
    TantivyBackend(tmp_path, **SMALL).upsert([provider(1)])
    pointer = json.loads((tmp_path / "CURRENT").read_text())
    (tmp_path / "CURRENT").write_text(json.dumps({**pointer, "schema_version": -1}))

    backend = TantivyBackend(tmp_path, **SMALL)

    assert backend.stats()["documents"] == 0


def test_searches_keep_working_while_another_thread_writes(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, **SMALL)
    backend.upsert([provider(i) for i in range(1, 51)])
    errors: list[BaseException] = []

    def search_repeatedly() -> None:
        try:
            for _ in range(200):
                assert backend.search(SearchQuery(limit=100)).total >= 50
        except BaseException as error:
            errors.append(error)

    readers = [threading.Thread(target=search_repeatedly) for _ in range(3)]
    for reader in readers:
        reader.start()
    for i in range(51, 71):
        backend.upsert([provider(i)])
    for reader in readers:
        reader.join()

    assert errors == []
    assert backend.stats()["documents"] == 70


def test_concurrent_writers_in_one_process_are_serialised(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, **SMALL)
    writers = [threading.Thread(target=backend.upsert, args=([provider(i)],)) for i in range(1, 11)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert _ids(backend) == set(range(1, 11))


def test_index_locked_by_another_writer_is_unavailable(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, **SMALL)
    generation = json.loads((tmp_path / "CURRENT").read_text())["generation"]
    other = tantivy.Index.open(str(tmp_path / generation)).writer(heap_size=15_000_000, num_threads=1)

    with pytest.raises(SearchUnavailable, match="locked"):
        backend.upsert([provider(1)])

    other.rollback()
    del other


def test_failed_rebuild_leaves_the_live_index_alone(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, **SMALL)
    backend.upsert([provider(1)])

    def docs_then_crash() -> Iterator[ProviderDocument]:
        yield provider(2)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(docs_then_crash())

    assert _ids(backend) == {1}
    assert len(list(tmp_path.glob("gen-*"))) == 1


def test_duplicate_ids_in_a_rebuild_keep_the_last(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, batch_size=2, **SMALL)

    count = backend.rebuild([provider(1, name="Old"), provider(2), provider(3), provider(1, name="New")])

    assert count == 3
    assert backend.stats()["documents"] == 3
    assert [hit.id for hit in backend.search(SearchQuery(text="New")).hits] == [1]
    assert backend.search(SearchQuery(text="Old")).hits == []
