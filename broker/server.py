"""The HTTP server that `broker serve` runs: uvicorn on h11, bounded so slow clients cannot hold it.

uvicorn closes idle keep-alive connections, but not one that never finishes its request line and
headers (a "slowloris" client sending a byte every few seconds): a couple of thousand of those
would hold every connection the server will take. `HeaderTimeoutProtocol` gives each request
`header_timeout` seconds to finish its headers; the body has its own deadline (`RequestBodyGuard`),
and `max_connections` caps the rest (uvicorn answers 503 past it).

With `workers` > 1 uvicorn's supervisor binds the socket once and spawns that many processes, each
building the app itself from the environment (`app_from_env`); the supervisor restarts one that dies.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors.multiprocess import Multiprocess

from broker.settings import Settings

logger = logging.getLogger("broker.server")


class BrokerConfig(uvicorn.Config):
    """uvicorn's configuration carrying our header deadline: it is pickled to each worker process, so
    what it holds must be importable by name (no class made at run time)."""

    def __init__(self, app: ASGIApp | str, *, header_timeout: float, **options: Any) -> None:
        super().__init__(app, **options)
        self.header_timeout = header_timeout


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers are not complete in time."""

    header_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.header_timeout = getattr(self.config, "header_timeout", self.header_timeout)
        self._header_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._watch_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_watching()
        super().connection_lost(exc)

    def _watch_headers(self) -> None:
        """The deadline runs from a request's first byte (or the connection's start) to its last header."""
        waiting = self.conn.their_state is h11.IDLE and not self.transport.is_closing()
        if waiting and self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)
        elif not waiting:
            self._stop_watching()

    def _stop_watching(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            logger.warning("closed a connection whose request headers did not arrive in time")
            self.transport.close()


def server_config(app: ASGIApp | str, settings: Settings, **options: Any) -> BrokerConfig:
    """uvicorn's configuration for this service. Logging is ours (`broker.logs`): uvicorn's access
    log, which writes query strings, is off and `broker.request` writes one line per request."""
    return BrokerConfig(
        app,
        header_timeout=settings.header_timeout_seconds,
        http=HeaderTimeoutProtocol,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
        log_config=None,
        access_log=False,
        server_header=False,
        # The client's address (sign-in throttling counts per address) from trusted proxies only.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        **options,
    )


def serve(app: ASGIApp, settings: Settings, *, host: str, port: int) -> None:
    uvicorn.Server(server_config(app, settings, host=host, port=port)).run()


def serve_workers(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """`workers` processes on one socket, each running `broker.app:app_from_env`."""
    config = server_config(
        "broker.app:app_from_env",
        settings,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # A worker imports and builds the whole app before it answers the supervisor's ping: on a
        # busy machine that takes far longer than uvicorn's 5 s, and it would be killed and respawned.
        timeout_worker_healthcheck=60,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
