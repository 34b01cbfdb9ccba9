"""Picking a backend from BROKER_SEARCH_URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.factory import backend_from_url
from search.meilisearch_backend import MeilisearchBackend
from search.tantivy_backend import TantivyBackend


def test_absolute_tantivy_url(tmp_path: Path) -> None:
    backend = backend_from_url(f"tantivy://{tmp_path}/index")

    assert isinstance(backend, TantivyBackend)
    assert backend.stats()["path"] == f"{tmp_path}/index"


def test_relative_tantivy_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    backend = backend_from_url("tantivy://data/search")

    assert isinstance(backend, TantivyBackend)
    assert (tmp_path / "data" / "search" / "CURRENT").exists()


def test_meilisearch_url_with_index_and_key() -> None:
    backend = backend_from_url("http://search:7700?index=providers_v2&key=abc")

    assert isinstance(backend, MeilisearchBackend)
    assert backend.index_uid == "providers_v2"


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported search URL scheme 'redis'"):
        backend_from_url("redis://localhost")
