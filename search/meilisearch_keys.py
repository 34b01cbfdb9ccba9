"""The app's own Meilisearch key, scoped to its index, so the master key never reaches the app.

The master key is used once, by an operator, to create this key (`broker create-search-key`); the
app then runs with a key that can do what `MeilisearchBackend` does (search, write documents and
settings, build a staging index and swap it in, wait for its tasks) on the providers index and its
`_rebuild_` staging copies, and nothing else: no other index, no keys, no dumps, no snapshots.
"""

from __future__ import annotations

import meilisearch

ACTIONS = (
    "search",
    "documents.*",
    "indexes.*",
    "settings.*",
    "tasks.get",
    "stats.get",
)


def index_patterns(index_uid: str) -> list[str]:
    """The live index and the staging indexes `MeilisearchBackend.rebuild` creates beside it."""
    return [index_uid, f"{index_uid}_rebuild_*"]


def create_index_key(url: str, master_key: str, index_uid: str) -> str:
    """Creates the key with the master key and returns its value (Meilisearch shows it once)."""
    client = meilisearch.Client(url, master_key)
    # The raw POST /keys: the SDK's `create_key` also parses the timestamps, and fails on any spelling
    # of them but its own; only the key's value is needed here.
    created = client.http.post(
        client.config.paths.keys,
        {
            "name": f"dp-broker {index_uid}",
            "description": f"The DP broker app: its search index {index_uid} only.",
            "actions": list(ACTIONS),
            "indexes": index_patterns(index_uid),
            "expiresAt": None,
        },
    )
    return str(created["key"])
