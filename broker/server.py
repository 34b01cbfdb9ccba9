"""The HTTP server that `broker serve` runs: uvicorn on h11, bounded so slow clients cannot hold it.

uvicorn closes idle keep-alive connections, but not one that never finishes its request line and
headers (a "slowloris" client sending a byte every few seconds): a couple of thousand of those
would hold every connection the server will take. `HeaderTimeoutProtocol` gives each request
`header_timeout` seconds to finish its headers; the body has its own deadline (`RequestBodyGuard`),
and `max_connections` caps the rest (uvicorn answers 503 past it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from broker.settings import Settings

logger = logging.getLogger("broker.server")


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers are not complete in time."""

    header_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
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


def protocol_for(settings: Settings) -> type[HeaderTimeoutProtocol]:
    """The protocol class uvicorn instantiates per connection, carrying the configured deadline."""
    return type(
        "BrokerHTTPProtocol", (HeaderTimeoutProtocol,), {"header_timeout": settings.header_timeout_seconds}
    )


def server_config(app: ASGIApp, settings: Settings, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for this service. Logging is ours (`broker.logs`): uvicorn's access
    log, which writes query strings, is off and `broker.request` writes one line per request."""
    return uvicorn.Config(
        app,
        http=protocol_for(settings),
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
