"""An operator creates the app's own Meilisearch key with the master key once; the app then never
holds the master key, and its key reaches only the providers index and its staging copies."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from broker.cli import app
from tests.search.fake_meilisearch import serve_fake_meilisearch

runner = CliRunner()
CREATED = {
    "uid": "01b4bc42-eb33-4041-b481-254d00cce834",
    "key": "d0552b41536279a0ad88bd595327b96f01176a60c2243e906c52ac02375f9bc4",
    "name": "dp-broker providers",
    "description": "x",
    "actions": ["search"],
    "indexes": ["providers"],
    "expiresAt": None,
    "createdAt": "2026-12-02T10:00:00Z",
    "updatedAt": "2026-12-02T10:00:00Z",
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")


def test_the_key_is_scoped_to_the_index_and_created_with_the_master_key(env, monkeypatch):
    with serve_fake_meilisearch() as fake:
        fake.responses[("POST", "/keys")] = (201, CREATED)
        monkeypatch.setenv("BROKER_SEARCH_URL", f"{fake.url}?index=leeds-providers")

        result = runner.invoke(app, ["create-search-key"], input="the-master-key-0123456789\n")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == CREATED["key"]
    sent = fake.only("POST", "/keys")
    assert sent.headers["Authorization"] == "Bearer the-master-key-0123456789"
    assert sent.body["indexes"] == ["leeds-providers", "leeds-providers_rebuild_*"]
    assert "*" not in sent.body["actions"] and "keys.create" not in sent.body["actions"]
    assert "the-master-key" not in result.output


def test_without_a_master_key_nothing_is_sent(env, monkeypatch):
    with serve_fake_meilisearch() as fake:
        monkeypatch.setenv("BROKER_SEARCH_URL", f"{fake.url}?index=providers")

        result = runner.invoke(app, ["create-search-key"], input="\n")

    assert result.exit_code == 2
    assert fake.requests == []


def test_a_tantivy_install_has_no_key_to_create(env, monkeypatch, tmp_path):
    monkeypatch.setenv("BROKER_SEARCH_URL", f"tantivy://{tmp_path / 'index'}")

    result = runner.invoke(app, ["create-search-key"], input="master\n")

    assert result.exit_code == 2
    assert "Meilisearch URL" in result.output
