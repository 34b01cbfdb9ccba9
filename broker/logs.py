"""Logging for operators: one JSON line per event, with request ids, operation names and error codes.

Nothing personal is written (care needs are special-category data under UK GDPR Article 9): no
query strings or bodies, no bound SQL parameters, and no exception messages, because a database
error's message carries the row it refused (PostgreSQL's DETAIL quotes the key value) and ours may
quote input. A logged exception is its type, its database diagnostics and where it was raised.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter

# Library loggers that write SQL parameters, result rows or request URLs below WARNING (aiosqlite's
# DEBUG line quotes every statement's parameters; SQLAlchemy's DEBUG lists fetched rows).
QUIET_LIBRARIES = ("aiosqlite", "sqlalchemy", "psycopg", "httpx", "httpcore", "stripe", "meilisearch")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass
class RequestRecord:
    """What the request log line says about one request, filled in as the request is handled."""

    request_id: str
    operation: str | None = None
    error_codes: list[str] = field(default_factory=list)

    def note_operation(self, name: str | None) -> None:
        """A GraphQL operation name is the caller's word: kept only when it is a plain GraphQL name."""
        if name and _OPERATION_NAME.match(name):
            self.operation = name

    def note_error_codes(self, codes: list[str]) -> None:
        self.error_codes.extend(code for code in codes if code not in self.error_codes)


_current: ContextVar[RequestRecord | None] = ContextVar("broker_request", default=None)


def request_id_from(header: str | None) -> str:
    """The caller's `X-Request-ID` when it is short and plain, else a fresh one (never echo junk)."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


@contextmanager
def request_scope(request_id: str) -> Iterator[RequestRecord]:
    record = RequestRecord(request_id=request_id)
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


def current_request() -> RequestRecord | None:
    return _current.get()


def note_error_codes(codes: list[str]) -> None:
    """Tells the request log which error codes this request answered with (no-op outside a request)."""
    record = _current.get()
    if record is not None:
        record.note_error_codes(codes)


def _diagnostics(error: BaseException) -> dict[str, str]:
    """Names from the database's own report (SQLSTATE, constraint, table, column): never values."""
    found: dict[str, str] = {}
    orig = getattr(error, "orig", None)
    diag = getattr(orig, "diag", None)
    if diag is not None:
        for key, attribute in (
            ("sqlstate", "sqlstate"),
            ("constraint", "constraint_name"),
            ("table", "table_name"),
            ("column", "column_name"),
        ):
            value = getattr(diag, attribute, None)
            if value:
                found[key] = str(value)
    name = getattr(orig, "sqlite_errorname", None)
    if name:
        found["sqlite_error"] = str(name)
    return found


def describe_exception(error: BaseException) -> dict[str, Any]:
    """An exception as we may log it: types, database diagnostics and frames, without any message."""
    chain: list[dict[str, Any]] = []
    link: BaseException | None = error
    while link is not None and len(chain) < 5:
        entry: dict[str, Any] = {"type": f"{type(link).__module__}.{type(link).__qualname__}"}
        entry.update(_diagnostics(link))
        entry["frames"] = [
            f"{frame.filename}:{frame.lineno} in {frame.name}"
            for frame in traceback.extract_tb(link.__traceback__)
        ]
        chain.append(entry)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    return {**chain[0], "caused_by": chain[1:]} if len(chain) > 1 else chain[0]


class SafeJsonFormatter(JsonFormatter):
    """JSON lines whose exceptions are described by `describe_exception`, whoever logged them."""

    def formatException(
        self, ei: tuple[type[BaseException], BaseException, TracebackType | None] | Any
    ) -> Any:
        error = ei[1] if isinstance(ei, tuple) else None
        return describe_exception(error) if isinstance(error, BaseException) else None

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached the full traceback text (message included) on the record.
        record.exc_text = None
        return super().format(record)


class RequestIdFilter(logging.Filter):
    """Stamps every record written during a request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _current.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current.request_id
        return True


def json_handler(stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        SafeJsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
            timestamp=True,
        )
    )
    handler.addFilter(RequestIdFilter())
    return handler


def configure_logging(level: str = "INFO", *, stream: IO[str] | None = None) -> logging.Handler:
    """The one logging set-up (`broker serve` calls it): JSON lines on stderr at `level`.

    uvicorn's own access log is off (it writes query strings); `broker.request` writes one line per
    request instead. Returns the handler, so a caller (a test) can remove it again.
    """
    handler = json_handler(stream)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "broker_handler", False):
            root.removeHandler(existing)
    handler.broker_handler = True  # type: ignore[attr-defined]  # marks the handler this function owns
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    # strawberry logs every GraphQL error with its message, and graphql-core's messages quote the
    # caller's values; `BrokerErrors` logs the unexpected ones, described safely.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
    return handler
