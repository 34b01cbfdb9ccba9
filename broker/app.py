"""Wires the service together: `create_app(settings)` is the only place that does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from broker import heap
from broker.accounts.throttle import LoginPolicy, LoginThrottle
from broker.agreements.daily import run_daily_pass
from broker.api.clock import Clock, SystemClock
from broker.api.graphiql import asset_routes
from broker.api.schema import schema
from broker.api.view import GraphQLView
from broker.conversations.service import purge_messages
from broker.db import Database
from broker.discovery.documents import LISTINGS
from broker.market.feed import DemandFeed
from broker.market.prepared import run_supply_pass
from broker.market.routes import market_routes
from broker.market.subscriptions import subscribe_all
from broker.metrics import metrics_endpoint
from broker.middleware import RequestBodyGuard, RequestLog
from broker.notifications.daily import Job, run_daily
from broker.notifications.delivery import EmailDrainer
from broker.notifications.email import SmtpMailer
from broker.notifications.listeners import subscribe_all as notify_on_events
from broker.notifications.sweep import sweep
from broker.openreferral.routes import openreferral_routes
from broker.payments.routes import stripe_webhook
from broker.reviews.service import requeue_aged_out_scores
from broker.settings import Settings
from broker.statements.audit import register as read_statements_in_audits
from broker.web.app import web_app
from search.backend import SearchBackend
from search.factory import backend_from_url
from search.sync import OutboxDrainer


def _cors(settings: Settings) -> list[Middleware]:
    """Cross-origin calls to /graphql only from the origins the council lists; none by default.
    Tokens travel in the Authorization header, never cookies, so credentials are not allowed."""
    origins = settings.cors_origin_list
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            max_age=600,
        )
    ]


def email_drainer(settings: Settings, database: Database, clock: Clock) -> EmailDrainer | None:
    """The notification email worker, when an SMTP server is configured (BROKER_SMTP_*)."""
    if not settings.smtp_host:
        return None
    mailer = SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        tls=settings.smtp_tls,
        username=settings.smtp_username or None,  # compose passes an unset one as ""
        password=settings.smtp_password_value or None,
        ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        timeout_seconds=settings.smtp_timeout_seconds,
    )
    return EmailDrainer(
        database,
        mailer,
        base_url=settings.public_url,
        max_age=timedelta(hours=settings.notification_email_max_age_hours),
        now=clock.now,
    )


def daily_jobs(settings: Settings) -> list[Job]:
    async def notification_sweep(session: AsyncSession, now: datetime, today: date) -> object:
        return await sweep(session, now=now, today=today)

    async def message_purge(session: AsyncSession, now: datetime, today: date) -> object:
        return await purge_messages(session, now=now, retention_days=settings.message_retention_days)

    async def review_scores(session: AsyncSession, now: datetime, today: date) -> object:
        return await requeue_aged_out_scores(session, now=now, today=today)

    return [notification_sweep, message_purge, review_scores]


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    search: SearchBackend | None = None,
) -> Starlette:
    subscribe_all()  # the market records what agreements, plans and matching announce
    notify_on_events()  # people are told what agreements, payments and support announce
    read_statements_in_audits()  # the annual audit reads imported statements
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
    drainer = OutboxDrainer(database, index, LISTINGS, now=clock.now)
    emails = email_drainer(settings, database, clock)

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

    demand_feed = DemandFeed(database, view.clock)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        workers = (
            [
                asyncio.create_task(drainer.run(stop)),
                asyncio.create_task(run_daily_pass(database, clock.now, stop)),
                asyncio.create_task(run_supply_pass(database, clock.now, stop)),
                asyncio.create_task(demand_feed.run(stop)),
                asyncio.create_task(run_daily(database, daily_jobs(settings), clock.now, stop)),
                *([asyncio.create_task(emails.run(stop))] if emails else []),
            ]
            if settings.search_sync_in_process
            else []
        )
        heap.settle()
        yield
        stop.set()
        for worker in workers:
            await worker
        await database.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            *(asset_routes(view.assets_dir) if settings.graphiql_enabled else []),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route(
                "/metrics",
                metrics_endpoint(database, clock.now, multiprocess_dir=settings.prometheus_multiproc_dir),
            ),
            Mount("/openreferral", routes=openreferral_routes(database, view.clock)),
            *market_routes(database, settings, view.clock, demand_feed),
            Route("/webhooks/stripe", stripe_webhook(database, settings, view.clock), methods=["POST"]),
            # Last: the web client answers every path the API does not (its own 404 page included).
            Mount("/", app=web_app(settings, view, view.assets_dir)),
        ],
        middleware=[
            Middleware(RequestLog),
            Middleware(
                RequestBodyGuard,
                max_bytes=settings.max_body_bytes,
                timeout_seconds=settings.body_timeout_seconds,
                upload_max_bytes=settings.max_upload_bytes,
                upload_paths=frozenset({"/graphql"}),
            ),
            *_cors(settings),
        ],
        lifespan=lifespan,
    )
    app.state.db = database
    app.state.search = index
    app.state.drainer = drainer
    app.state.email_drainer = emails
    app.state.settings = settings
    return app


def app_from_env() -> Starlette:
    """The app of one worker process under `broker serve --workers N`: each builds its own from the
    environment (migrations, seeding and the index were done once by the parent)."""
    from broker.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
