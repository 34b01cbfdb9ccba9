"""A damaged tantivy index is set aside, never crashes the process, and comes back from a rebuild.

Searches over damaged files run in a child process here: before the fix a truncated segment killed the
process with SIGBUS, which would take pytest down with it instead of failing one test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import search.tantivy_backend as tantivy_backend
import search.tantivy_generations as tantivy_generations
from search.backend import IndexState, SearchUnavailable
from search.documents import ProviderDocument
from search.query import GeoFilter, SearchQuery
from search.tantivy_backend import TantivyBackend
from search.tantivy_schema import SCHEMA_VERSION
from tests.search.damage import DAMAGE, current_generation, damage, segment_files
from tests.search.factories import ORIGIN, provider

SMALL = {"writer_heap_bytes": 15_000_000, "writer_threads": 1}
ROOT = Path(__file__).resolve().parents[2]
DOCS = [
    provider(i, km_north=i / 4, name=f"Provider {i}", languages=("en", "pa")[: 1 + i % 2])
    for i in range(1, 41)
]
QUERIES = [
    SearchQuery(limit=100, facets=True),
    SearchQuery(text="provider 7", limit=5),
    SearchQuery(geo=GeoFilter(*ORIGIN, radius_km=5.0), sort="distance", limit=100, facets=True),
]

_CHILD = """
import sys
import time
from pathlib import Path
from search.backend import SearchUnavailable
from search.query import SearchQuery
from search.tantivy_backend import TantivyBackend
from tests.search.damage import damage
from tests.search.factories import provider

root, kind, when = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
if when == "before opening":
    damage(root, kind)
backend = TantivyBackend(root, writer_heap_bytes=15_000_000, writer_threads=1)
if when == "while serving":
    backend.search(SearchQuery(limit=100))  # the segments are mapped now
    damage(root, kind)
if when == "just after a write":
    backend.upsert([provider(99)])
    damage(root, kind)
    time.sleep(1)  # tantivy's own meta.json watcher used to reload (and crash) within 0.5 s
try:
    outcome = f"answered {backend.search(SearchQuery(limit=100)).total}"
except SearchUnavailable:
    outcome = "unavailable"
print(outcome, backend.state().value)
"""


def _build(root: Path) -> None:
    """An index of DOCS in two segments, written by a process that has finished with it."""
    backend = TantivyBackend(root, **SMALL)
    backend.upsert(DOCS[:20])
    backend.upsert(DOCS[20:])


def _in_child(root: Path, kind: str, when: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", _CHILD, str(root), kind, when]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def _answers(backend: TantivyBackend) -> list[tuple[list[tuple[int, float | None]], int, dict]]:
    results = [backend.search(query) for query in QUERIES]
    return [([(h.id, h.distance_km) for h in r.hits], r.total, r.facets) for r in results]


def _set_aside(root: Path) -> list[str]:
    return sorted(p.name.split(".corrupt-")[0] for p in root.glob("gen-*.corrupt-*"))


@pytest.mark.parametrize("when", ["while serving", "before opening"])
@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_index_makes_search_unavailable_instead_of_killing_the_process(
    tmp_path: Path, kind: str, when: str
) -> None:
    _build(tmp_path)
    generation = current_generation(tmp_path).name

    child = _in_child(tmp_path, kind, when)

    assert (child.returncode, child.stdout) == (0, "unavailable corrupt\n"), child.stderr[-2000:]
    assert _set_aside(tmp_path) == [generation]
    assert json.loads((tmp_path / "CURRENT").read_text())["rebuild_needed"] is True


@pytest.mark.parametrize("kind", ["truncated to 0 bytes", "truncated to half"])
def test_a_file_truncated_just_after_a_write_does_not_kill_the_process(tmp_path: Path, kind: str) -> None:
    _build(tmp_path)
    generation = current_generation(tmp_path).name

    child = _in_child(tmp_path, kind, "just after a write")

    assert (child.returncode, child.stdout) == (0, "unavailable corrupt\n"), child.stderr[-2000:]
    assert _set_aside(tmp_path) == [generation]


def test_rebuilding_a_damaged_index_brings_back_the_same_answers(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, **SMALL)
    backend.rebuild(DOCS)
    before = _answers(backend)
    damage(tmp_path, "meta.json garbage")

    with pytest.raises(SearchUnavailable, match="damaged"):
        backend.search(QUERIES[0])
    with pytest.raises(SearchUnavailable, match="damaged"):
        backend.upsert([provider(99)])
    assert backend.state() is IndexState.CORRUPT
    assert backend.health() is False

    assert backend.rebuild(DOCS) == 40
    assert backend.state() is IndexState.UP
    assert _answers(backend) == before
    assert _answers(TantivyBackend(tmp_path, **SMALL)) == before


def test_state_is_rebuilding_while_a_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, **SMALL)
    backend.rebuild(DOCS)
    damage(tmp_path, "segment files deleted")
    assert backend.state() is IndexState.CORRUPT
    seen: list[IndexState] = []

    def documents() -> Iterator[ProviderDocument]:
        yield from DOCS[:10]
        seen.append(backend.state())
        yield from DOCS[10:]

    backend.rebuild(documents())

    assert seen == [IndexState.REBUILDING]
    assert backend.state() is IndexState.UP


def test_a_rebuild_works_on_an_index_that_cannot_be_opened(tmp_path: Path) -> None:
    _build(tmp_path)
    damage(tmp_path, "truncated to 0 bytes")

    backend = TantivyBackend(tmp_path, **SMALL)
    count = backend.rebuild(DOCS)

    assert count == 40
    assert backend.search(QUERIES[0]).total == 40
    assert [p.name for p in tmp_path.glob("gen-*") if ".corrupt-" not in p.name] == [
        current_generation(tmp_path).name
    ]


def test_a_panic_inside_tantivy_sets_the_generation_aside(tmp_path: Path) -> None:
    """Bytes changed in place with the modification time put back: only tantivy itself can notice,
    and it panics (a BaseException in Python), which must not escape as one."""
    backend = TantivyBackend(tmp_path, **SMALL)
    backend.rebuild(DOCS)
    generation = current_generation(tmp_path)
    backend.search(QUERIES[0])
    for path in segment_files(generation):
        if path.suffix == ".idx":
            info = path.stat()
            with path.open("r+b") as file:
                file.write(b"\xff" * info.st_size)
            os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))

    with pytest.raises(SearchUnavailable, match="damaged"):
        backend.search(SearchQuery(text="provider", limit=10))

    assert backend.state() is IndexState.CORRUPT
    assert _set_aside(tmp_path) == [generation.name]


@pytest.mark.parametrize(
    "pointer", ["garbage", f'{{"generation": "../../etc", "schema_version": {SCHEMA_VERSION}}}', None]
)
def test_a_damaged_current_pointer_needs_a_rebuild(tmp_path: Path, pointer: str | None) -> None:
    _build(tmp_path)
    if pointer is None:
        (tmp_path / "CURRENT").unlink()
    else:
        (tmp_path / "CURRENT").write_text(pointer)

    backend = TantivyBackend(tmp_path, **SMALL)

    assert backend.state() is IndexState.CORRUPT
    with pytest.raises(SearchUnavailable, match="damaged"):
        backend.search(QUERIES[0])
    backend.rebuild(DOCS)
    assert backend.search(QUERIES[0]).total == 40
    assert len(list(tmp_path.glob("gen-*"))) == 1


def test_damage_found_by_one_process_is_seen_and_repaired_by_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tantivy_backend, "GENERATION_CHECK_SECONDS", 0.0)
    serving = TantivyBackend(tmp_path, **SMALL)
    serving.rebuild(DOCS)
    before = _answers(serving)
    worker = TantivyBackend(tmp_path, **SMALL)
    worker.search(QUERIES[0])
    damage(tmp_path, "meta.json deleted")

    assert worker.state() is IndexState.CORRUPT
    assert serving.state() is IndexState.CORRUPT
    with pytest.raises(SearchUnavailable):
        serving.search(QUERIES[0])

    worker.rebuild(DOCS)

    assert serving.state() is IndexState.UP
    assert _answers(serving) == before


def test_only_the_newest_set_aside_generations_are_kept(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, **SMALL)
    set_aside: set[str] = set()
    for _ in range(tantivy_generations.SET_ASIDE_KEPT + 2):
        backend.rebuild(DOCS[:3])
        damage(tmp_path, "meta.json garbage")
        assert backend.state() is IndexState.CORRUPT
        set_aside |= {p.name for p in tmp_path.glob("gen-*.corrupt-*")}

    backend.rebuild(DOCS[:3])

    newest_first = sorted(set_aside, key=lambda name: name.split(".corrupt-")[1], reverse=True)
    assert len(newest_first) == tantivy_generations.SET_ASIDE_KEPT + 2
    kept = {p.name for p in tmp_path.glob("gen-*.corrupt-*")}
    assert kept == set(newest_first[: tantivy_generations.SET_ASIDE_KEPT])
