"""A loopback HTTP server that records requests and answers like Meilisearch (canned responses).

The `meilisearch` SDK talks through `requests`, which respx (httpx-only) cannot intercept, so tests
point the real SDK at this server instead and assert on exactly what went over the wire.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ENQUEUED_AT = "2025-06-01T09:00:00.000000Z"


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class FakeMeilisearch:
    """State of the fake: what was asked, and what to answer.

    `search_response` is returned for every search; `failed_tasks` maps a task type
    ("settingsUpdate", "documentAdditionOrUpdate" ...) to the error its tasks finish with;
    `responses` overrides any (METHOD, path) with (status, body).
    """

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    search_response: dict[str, Any] = field(default_factory=dict)
    failed_tasks: dict[str, dict[str, str]] = field(default_factory=dict)
    responses: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)

    def calls(self, *, exclude_tasks: bool = True) -> list[tuple[str, str]]:
        """(method, path) of every request, task polling left out by default."""
        return [
            (r.method, r.path) for r in self.requests if not (exclude_tasks and r.path.startswith("/tasks/"))
        ]

    def only(self, method: str, path: str) -> Recorded:
        """The single request to (method, path)."""
        found = [r for r in self.requests if (r.method, r.path) == (method, path)]
        assert len(found) == 1, f"expected one {method} {path}, got {len(found)}"
        return found[0]

    def _task(self, task_type: str, index_uid: str | None) -> dict[str, Any]:
        uid = len(self.tasks)
        task: dict[str, Any] = {
            "uid": uid,
            "indexUid": index_uid,
            "type": task_type,
            "status": "succeeded",
            "enqueuedAt": ENQUEUED_AT,
            "error": None,
        }
        if task_type in self.failed_tasks:
            task.update(status="failed", error=self.failed_tasks[task_type])
        self.tasks[uid] = task
        return {
            "taskUid": uid,
            "indexUid": index_uid,
            "status": "enqueued",
            "type": task_type,
            "enqueuedAt": ENQUEUED_AT,
        }

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        """Route a request the way Meilisearch would, enough for the SDK calls the backend makes."""
        if (method, path) in self.responses:
            return self.responses[(method, path)]
        if match := re.fullmatch(r"/tasks/(\d+)", path):
            return 200, self.tasks[int(match[1])]
        if (method, path) == ("GET", "/health"):
            return 200, {"status": "available"}
        if (method, path) == ("POST", "/indexes"):
            return 202, self._task("indexCreation", body["uid"])
        if (method, path) == ("POST", "/swap-indexes"):
            return 202, self._task("indexSwap", None)
        match = re.fullmatch(r"/indexes/([^/]+)(/.*)?", path)
        assert match, f"unexpected {method} {path}"
        uid, rest = match[1], match[2] or ""
        routes = {
            ("PATCH", "/settings"): "settingsUpdate",
            ("POST", "/documents"): "documentAdditionOrUpdate",
            ("POST", "/documents/delete"): "documentDeletion",
            ("DELETE", "/documents"): "documentDeletion",
            ("DELETE", ""): "indexDeletion",
        }
        if (method, rest) in routes:
            return 202, self._task(routes[(method, rest)], uid)
        if (method, rest) == ("POST", "/search"):
            return 200, self.search_response
        if (method, rest) == ("GET", "/stats"):
            return 200, {"numberOfDocuments": 3, "isIndexing": False, "fieldDistribution": {}}
        raise AssertionError(f"unexpected {method} {path}")


def _handler(fake: FakeMeilisearch) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            fake.requests.append(Recorded(self.command, parts.path, query, body, dict(self.headers.items())))
            status, payload = fake.answer(self.command, parts.path, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_fake_meilisearch() -> Iterator[FakeMeilisearch]:
    """Run a `FakeMeilisearch` on 127.0.0.1 (ephemeral port) for the duration of the block."""
    fake = FakeMeilisearch()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
