"""ASGI middleware around every route: the request log and outage answers, and the request-body guard.

RequestLog        outermost: a request id (the caller's `X-Request-ID` or a fresh one, echoed back),
                  one log line per request, 503 for a database outage, 500 for anything else escaping
RequestBodyGuard  reads the body before any route does: over the size limit 413, too slow 408; a
                  multipart upload to /graphql has a limit of its own (a statement file)
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from broker.api.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE
from broker.db import is_database_unavailable
from broker.logs import RequestRecord, describe_exception, request_id_from, request_scope
from broker.metrics import observe_request

logger = logging.getLogger("broker.request")
REQUEST_ID_HEADER = "x-request-id"


def _route_template(scope: Scope) -> str:
    """The matched route's pattern (`/openreferral/services/{id}`), never the raw path a caller chose."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str) or not path:  # "": only the web client's catch-all mount matched
        return "(no route)"
    return f"{scope.get('root_path', '')}{path}"


def _json_response(status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> list[Message]:
    content = json.dumps(body).encode()
    return [
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        },
        {"type": "http.response.body", "body": content},
    ]


class RequestLog:
    """Gives each request an id and writes one line for it: method, route, status, duration, request
    id, GraphQL operation and error codes. Never the query string, headers or body: a GET /graphql
    carries its variables (a password, a care need) in the query string."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(REQUEST_ID_HEADER))
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())],
                }
            await send(message)

        with request_scope(request_id) as record:
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as error:
                if status:
                    raise  # the response has begun: nothing left to say to the client
                await self._answer_failure(error, record, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = _route_template(scope)
                logger.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                        "operation": record.operation,
                        "error_codes": record.error_codes,
                    },
                )
                observe_request(
                    method=scope["method"],
                    route=route,
                    status=status,
                    seconds=seconds,
                    operation=record.operation,
                    error_codes=record.error_codes,
                )

    async def _answer_failure(self, error: Exception, record: RequestRecord, send: Send) -> None:
        if is_database_unavailable(error):
            record.note_error_codes([DATABASE_UNAVAILABLE])
            logger.warning("database unavailable", extra={"error": describe_exception(error)})
            outage = {"message": UNAVAILABLE_MESSAGE, "extensions": {"code": DATABASE_UNAVAILABLE}}
            body = {"errors": [outage]}
            messages = _json_response(503, body, [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())])
        else:
            record.note_error_codes(["UNEXPECTED"])
            logger.error("unexpected error", extra={"error": describe_exception(error)})
            messages = _json_response(500, {"errors": [{"message": "Unexpected error."}]}, [])
        for message in messages:
            await send(message)


class RequestBodyGuard:
    """Reads each request body in full, within its size limit and `timeout_seconds`, before a route sees it.

    The limit is `max_bytes`, except for a `multipart/form-data` body to one of `upload_paths` (a file
    sent by the GraphQL multipart request spec), which may be `upload_max_bytes`. A declared or chunked
    body over its limit is answered 413 (for an upload, as a GraphQL error naming the limit, code
    `UPLOAD_TOO_LARGE`), and one that has not arrived within the timeout 408, both closing the
    connection; so no route parses an unbounded body and no client holds a worker by trickling one.
    The route then reads the buffered body as usual.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        timeout_seconds: float,
        upload_max_bytes: int | None = None,
        upload_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds
        self.upload_max_bytes = upload_max_bytes or max_bytes
        self.upload_paths = upload_paths

    def _is_upload(self, scope: Scope, headers: Headers) -> bool:
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        return kind == "multipart/form-data" and scope.get("path") in self.upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        upload = self._is_upload(scope, headers)
        limit = self.upload_max_bytes if upload else self.max_bytes
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._too_large(send, upload)
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout_seconds):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # the client has gone; nobody to answer
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        await self._too_large(send, upload)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await self._refuse(send, 408, "The request body did not arrive in time.")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, upload: bool) -> None:
        if not upload:
            await self._refuse(send, 413, "Request body too large.")
            return
        error = {
            "message": f"An upload is at most {self.upload_max_bytes:,} bytes with the rest of the request.",
            "extensions": {"code": "UPLOAD_TOO_LARGE", "limit": self.upload_max_bytes},
        }
        for message in _json_response(413, {"errors": [error]}, [(b"connection", b"close")]):
            await send(message)

    @staticmethod
    async def _refuse(send: Send, status: int, text: str) -> None:
        content = text.encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(content)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})
