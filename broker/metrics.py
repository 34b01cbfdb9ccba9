"""What an operator watches, as Prometheus metrics at `/metrics` (prometheus-client).

Request latency by route and by GraphQL operation, answers by error code (ACCOUNT_LOCKED counts
sign-in throttling, DATABASE_UNAVAILABLE outages), and, read from the database at each scrape, the
search outbox's depth and lag and how many payments are in each state. Labels are route templates,
operation names and error codes, never a value a caller sent: no personal data, bounded cardinality.

With several worker processes (`broker serve --workers N`) each writes its samples under
PROMETHEUS_MULTIPROC_DIR and whichever worker answers a scrape sums them all (prometheus-client's
multiprocess mode): counters and histograms add up across workers; the gauges read from the database
report the most recent reading.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import Response

from broker.db import Database, is_database_unavailable
from broker.payments.models import Payment, PaymentStatus
from search.outbox import SearchOutbox

REGISTRY = CollectorRegistry(auto_describe=True)
# Operation names are the caller's words: past this many distinct ones the rest count as "(other)".
MAX_OPERATIONS = 200
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "broker_http_requests_total", "HTTP requests answered.", ["method", "route", "status"], registry=REGISTRY
)
REQUEST_SECONDS = Histogram(
    "broker_http_request_duration_seconds",
    "Time to answer, by route.",
    ["route"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
OPERATION_SECONDS = Histogram(
    "broker_graphql_operation_duration_seconds",
    "Time to answer a GraphQL request, by operation name ((anonymous) when it has none).",
    ["operation"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
ERRORS = Counter(
    "broker_errors_total",
    "Errors answered, by code (userErrors, GraphQL errors and HTTP failures alike).",
    ["code"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "broker_search_outbox_depth",
    "Listings waiting to be written to the search index.",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
OUTBOX_LAG = Gauge(
    "broker_search_outbox_lag_seconds",
    "Age of the oldest listing change not yet in the search index (0 when none waits).",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
OUTBOX_FAILING = Gauge(
    "broker_search_outbox_retrying",
    "Waiting listing changes that have failed at least once.",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
PAYMENTS = Gauge(
    "broker_payments", "Payments by state.", ["status"], registry=REGISTRY, multiprocess_mode="mostrecent"
)
DATABASE_UP = Gauge(
    "broker_database_up",
    "1 when the last scrape reached the database.",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)

_operations: set[str] = set()


def _operation_label(operation: str | None) -> str:
    if operation is None:
        return "(anonymous)"
    if operation in _operations:
        return operation
    if len(_operations) >= MAX_OPERATIONS:
        return "(other)"
    _operations.add(operation)
    return operation


def observe_request(
    *, method: str, route: str, status: int, seconds: float, operation: str | None, error_codes: list[str]
) -> None:
    """Called by the request log once per request, with what it logged."""
    REQUESTS.labels(method, route, str(status)).inc()
    REQUEST_SECONDS.labels(route).observe(seconds)
    if route == "/graphql":
        OPERATION_SECONDS.labels(_operation_label(operation)).observe(seconds)
    for code in error_codes:
        ERRORS.labels(code).inc()


async def _read_state(database: Database, now: datetime) -> None:
    async with database.session() as session:
        depth, oldest, retrying = (
            await session.execute(
                select(
                    func.count(col(SearchOutbox.id)),
                    func.min(SearchOutbox.enqueued_at),
                    func.count(col(SearchOutbox.id)).filter(col(SearchOutbox.attempts) > 0),
                )
            )
        ).one()
        counts = await session.execute(select(col(Payment.status), func.count()).group_by(Payment.status))
        by_status: dict[PaymentStatus, int] = {status: n for status, n in counts.all()}
    OUTBOX_DEPTH.set(depth)
    OUTBOX_FAILING.set(retrying)
    lag = 0.0
    if oldest is not None:
        if oldest.tzinfo is None:  # SQLite hands back naive UTC
            oldest = oldest.replace(tzinfo=now.tzinfo)
        lag = max(0.0, (now - oldest).total_seconds())
    OUTBOX_LAG.set(lag)
    for status in PaymentStatus:
        PAYMENTS.labels(status.value).set(by_status.get(status, 0))


def _exposed_registry(multiprocess_dir: Path | None) -> CollectorRegistry:
    """This process's registry, or, in multiprocess mode, one that sums every worker's samples."""
    if multiprocess_dir is None:
        return REGISTRY
    combined = CollectorRegistry()
    MultiProcessCollector(combined, path=str(multiprocess_dir))
    return combined


def metrics_endpoint(
    database: Database, now: Callable[[], datetime], *, multiprocess_dir: Path | None = None
) -> Callable[[Request], Awaitable[Response]]:
    exposed = _exposed_registry(multiprocess_dir)

    async def metrics(_: Request) -> Response:
        try:
            await _read_state(database, now())
            DATABASE_UP.set(1)
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            DATABASE_UP.set(0)
        return Response(generate_latest(exposed), media_type=CONTENT_TYPE_LATEST)

    return metrics
