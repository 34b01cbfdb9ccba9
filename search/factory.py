"""Choosing a backend from one URL (BROKER_SEARCH_URL), so deployment differences stay in settings.

- `tantivy:///abs/path` or `tantivy://relative/path` (relative to the working directory): embedded.
- `http(s)://host:7700?index=providers&key=…&timeout=5`: Meilisearch; `index` defaults to
  "providers", `key` is the API key (better passed as `api_key=` from settings than in a URL).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit, urlunsplit

from search.backend import SearchBackend


def meilisearch_location(url: str) -> tuple[str, str]:
    """The server's base URL and the index uid an `http(s)://host:7700?index=...` search URL names."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("not a Meilisearch URL (http(s)://host:7700?index=providers)")
    params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    return base, params.get("index", "providers")


def backend_from_url(url: str, *, api_key: str | None = None) -> SearchBackend:
    """Build the backend a URL names; `api_key` overrides a `key=` in the URL."""
    parts = urlsplit(url)
    if parts.scheme == "tantivy":
        from search.tantivy_backend import TantivyBackend

        path = parts.netloc + parts.path if parts.netloc else parts.path
        if not path:
            raise ValueError(f"tantivy URL needs a directory: {url!r}")
        return TantivyBackend(path)
    if parts.scheme in ("http", "https"):
        from search.meilisearch_backend import MeilisearchBackend

        params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        return MeilisearchBackend(
            base,
            api_key=api_key or params.get("key"),
            index_uid=params.get("index", "providers"),
            timeout=float(params.get("timeout", "5")),
        )
    raise ValueError(f"unsupported search URL scheme {parts.scheme!r} (use tantivy:// or http(s)://)")
