"""Wires the service together: `create_app(settings)` is the only place that does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from broker.accounts.throttle import LoginPolicy, LoginThrottle
from broker.api.clock import Clock, SystemClock
from broker.api.schema import schema
from broker.api.view import GraphQLView
from broker.db import Database
from broker.discovery.documents import PROVIDER_DOCUMENTS
from broker.middleware import RequestBodyGuard, RequestLog
from broker.openreferral.routes import openreferral_routes
from broker.payments.routes import stripe_webhook
from broker.settings import Settings
from search.backend import SearchBackend
from search.factory import backend_from_url
from search.sync import OutboxDrainer

_HOME = """<!doctype html><meta charset="utf-8"><title>DP broker</title>
<h1>Direct payments provider marketplace</h1>
<p>The API is at <a href="/graphql">/graphql</a>{ide}. Health: <a href="/healthz">/healthz</a>,
readiness: <a href="/readyz">/readyz</a>.</p>"""


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    search: SearchBackend | None = None,
) -> Starlette:
    database = db or Database(
        settings.database_url,
        echo=settings.log_sql,
        connect_timeout=settings.database_connect_timeout_seconds,
    )
    index = search or backend_from_url(settings.search_url, api_key=settings.search_api_key_value)
    clock = clock or SystemClock()
    login_throttle = LoginThrottle(
        LoginPolicy(
            per_email=settings.login_max_failures,
            per_address=settings.login_address_max_attempts,
            window_minutes=settings.login_lockout_minutes,
        ),
        storage_uri=settings.rate_limit_storage,
    )
    view = GraphQLView(
        settings=settings,
        db=database,
        search=index,
        clock=clock,
        login_throttle=login_throttle,
        schema=schema,
    )
    drainer = OutboxDrainer(database, index, PROVIDER_DOCUMENTS, now=clock.now)

    async def home(_: Request) -> Response:
        ide = " (open it in a browser for GraphiQL)" if settings.graphiql_enabled else ""
        return HTMLResponse(_HOME.format(ide=ide))

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            async with database.session() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        # Search being down, damaged or rebuilding degrades search only: writes still work and the
        # database is the source of truth, so the service stays ready and says what search is doing.
        search_state = await asyncio.to_thread(index.state)
        return JSONResponse({"status": "ok", "database": "up", "search": search_state.value})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        worker = asyncio.create_task(drainer.run(stop)) if settings.search_sync_in_process else None
        yield
        stop.set()
        if worker is not None:
            await worker
        await database.dispose()

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Mount("/openreferral", routes=openreferral_routes(database, view.clock)),
            Route("/webhooks/stripe", stripe_webhook(database, settings, view.clock), methods=["POST"]),
        ],
        middleware=[
            Middleware(RequestLog),
            Middleware(
                RequestBodyGuard,
                max_bytes=settings.max_body_bytes,
                timeout_seconds=settings.body_timeout_seconds,
            ),
        ],
        lifespan=lifespan,
    )
    app.state.db = database
    app.state.search = index
    app.state.drainer = drainer
    app.state.settings = settings
    return app
