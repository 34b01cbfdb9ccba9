"""Search backends for the conformance suite: tantivy always, Meilisearch when MEILI_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.backend import SearchBackend

MEILI_URL = os.environ.get("MEILI_URL")


def _meilisearch_backend() -> Iterator[SearchBackend]:
    import meilisearch

    from search.meilisearch_backend import MeilisearchBackend

    assert MEILI_URL is not None
    key = os.environ.get("MEILI_MASTER_KEY")
    backend = MeilisearchBackend(MEILI_URL, api_key=key, index_uid=f"test_providers_{uuid.uuid4().hex[:8]}")
    yield backend
    client = meilisearch.Client(MEILI_URL, key)
    for index in client.get_indexes({"limit": 1000})["results"]:
        if index.uid.startswith(backend.index_uid):
            client.delete_index(index.uid)


@pytest.fixture(
    params=[
        "tantivy",
        pytest.param(
            "meilisearch",
            marks=pytest.mark.skipif(
                MEILI_URL is None, reason="MEILI_URL not set: no Meilisearch server to run the suite against"
            ),
        ),
    ]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """An empty index in the engine named by the parameter."""
    if request.param == "tantivy":
        from search.tantivy_backend import TantivyBackend

        yield TantivyBackend(tmp_path / "index", writer_heap_bytes=15_000_000, writer_threads=1)
    else:
        yield from _meilisearch_backend()
