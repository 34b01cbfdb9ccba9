"""The `broker` command: serve, migrate, seed, load-geography, create-user, export-schema."""

from __future__ import annotations

import asyncio
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlmodel import col

from broker.accounts.models import Council, Role
from broker.api.clock import SystemClock, london_date
from broker.db import Database, display_url, migrate
from broker.settings import Settings
from search.backend import SearchBackend

if TYPE_CHECKING:
    from seed.demo import DemoSignIn

app = typer.Typer(help="Direct-payments provider marketplace and brokerage service.", no_args_is_help=True)


def _today() -> date:
    return london_date(SystemClock().now())


async def _database_is_empty(settings: Settings) -> bool:
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            return (await session.execute(select(func.count()).select_from(Council))).scalar_one() == 0
    finally:
        await db.dispose()


async def _seed_demo(settings: Settings) -> None:
    from seed.demo import seed_demo

    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            await seed_demo(session, today=_today())
    finally:
        await db.dispose()


async def _demo_sign_ins_in_use(settings: Settings) -> list[DemoSignIn]:
    """The demo accounts that exist here and still take the demo password (one can have been
    changed or removed since seeding: then it is not advertised)."""
    from broker.accounts.models import User
    from broker.accounts.passwords import verify_password
    from seed.demo import ADVERTISED_SIGN_INS, DEMO_PASSWORD

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            emails = [sign_in.email for sign_in in ADVERTISED_SIGN_INS]
            rows = await session.execute(
                select(col(User.email), col(User.password_hash)).where(col(User.email).in_(emails))
            )
            hashes = dict(rows.tuples().all())
    finally:
        await db.dispose()
    in_use = [s for s in ADVERTISED_SIGN_INS if s.email in hashes]
    return [s for s in in_use if verify_password(hashes[s.email], DEMO_PASSWORD)]


def _banner(settings: Settings, host: str, port: int, sign_ins: list[DemoSignIn]) -> str:
    from seed.demo import DEMO_PASSWORD

    lines = [
        f"\nDP broker is running at http://{host}:{port}/",
        f"  GraphQL: http://{host}:{port}/graphql"
        + (" (GraphiQL in the browser)" if settings.graphiql_enabled else ""),
        f"  Database: {display_url(settings.database_url)}",
    ]
    if sign_ins and not settings.is_production:
        lines.append(f"\nDemo sign-ins (password '{DEMO_PASSWORD}'):")
        lines.extend(f"  {s.role.value:<15} {s.email}" for s in sign_ins)
        example = next((s for s in sign_ins if s.role is Role.BROKER), sign_ins[0])
        lines.append(
            f'\nTry: mutation {{ login(input: {{email: "{example.email}", '
            f'password: "{DEMO_PASSWORD}"}}) {{ token }} }}\n'
        )
    return "\n".join(lines)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on [default: BROKER_HOST, else 127.0.0.1].")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65_535, help="Port to listen on [default: BROKER_PORT, else 8000]."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="App processes on the port [default: BROKER_WORKERS, else 1]; more than one needs "
            "PostgreSQL and Meilisearch.",
        ),
    ] = None,
) -> None:
    """Apply migrations, seed demo data into an empty database (not in production), and serve."""
    from broker.app import create_app
    from broker.logs import configure_logging
    from broker.server import serve as run_server
    from broker.server import serve_workers

    settings = settings_from_env()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    errors, warnings = settings.scale_out_problems(workers)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    if errors:
        for error in errors:
            typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    configure_logging(settings.log_level)
    migrate(settings.database_url)
    if not settings.is_production and asyncio.run(_database_is_empty(settings)):
        typer.echo("Empty database: seeding the demo council (Leeds City Council)...")
        asyncio.run(_seed_demo(settings))
    if asyncio.run(_index_needs_building(settings)):
        typer.echo("Building the search index from the database...")
        asyncio.run(_reindex(settings))
    sign_ins = [] if settings.is_production else asyncio.run(_demo_sign_ins_in_use(settings))
    typer.echo(_banner(settings, host, port, sign_ins))
    if workers == 1:
        run_server(create_app(settings), settings, host=host, port=port)
        return
    _prepare_metrics_dir(settings)
    typer.echo(f"  Workers: {workers} processes")
    serve_workers(settings, host=host, port=port, workers=workers)


def _prepare_metrics_dir(settings: Settings) -> None:
    """Worker processes write their Prometheus samples under one directory (prometheus-client's
    multiprocess mode); it is emptied at start, as the client requires, and named to the workers
    through the environment they inherit."""
    folder = settings.prometheus_multiproc_dir or settings.data_dir / "prometheus"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())


def settings_from_env() -> Settings:
    """The settings, or a plain message and exit status 2 when the environment is not acceptable."""
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            # A field's own problem names its variable; a rule across fields says which in its message.
            where = "".join(f"BROKER_{str(part).upper()}: " for part in problem["loc"][:1])
            typer.echo(f"error: {where}{problem['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(2) from error


def _backend(settings: Settings) -> SearchBackend:
    from search.factory import backend_from_url

    return backend_from_url(settings.search_url, api_key=settings.search_api_key_value)


async def _reindex(settings: Settings) -> int:
    from broker.discovery.documents import LISTINGS
    from search.sync import reindex

    db = Database(settings.database_url)
    try:
        return await reindex(db, _backend(settings), LISTINGS)
    finally:
        await db.dispose()


async def _index_needs_building(settings: Settings) -> bool:
    """An index found damaged (and set aside), or empty while listings exist, is built before serving."""
    from broker.providers.models import Provider
    from search.backend import IndexState, SearchError

    backend = _backend(settings)
    if backend.state() is IndexState.CORRUPT:
        return True
    try:
        documents = backend.stats().get("documents", 0)
    except SearchError:
        return False  # the outbox worker will catch up when the engine is back
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            listings = (await session.execute(select(func.count()).select_from(Provider))).scalar_one()
    finally:
        await db.dispose()
    return documents == 0 and listings > 0


@app.command()
def reindex() -> None:
    """Rebuild the search index from the database (built aside, then switched in)."""
    settings = settings_from_env()
    migrate(settings.database_url)
    count = asyncio.run(_reindex(settings))
    typer.echo(f"Indexed {count} listings into {settings.search_url}.")


@app.command("search-sync")
def search_sync(
    once: Annotated[bool, typer.Option(help="Drain what is due and exit.")] = False,
) -> None:
    """Run the search outbox worker as its own process (`broker serve` also runs one in-process)."""
    import signal

    from broker.discovery.documents import LISTINGS
    from search.sync import OutboxDrainer

    settings = settings_from_env()

    async def run() -> None:
        db = Database(settings.database_url)
        drainer = OutboxDrainer(db, _backend(settings), LISTINGS)
        try:
            if once:
                report = await drainer.drain()
                typer.echo(f"indexed {report.indexed}, removed {report.deleted}, failed {report.failed}")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            typer.echo("search-sync: draining the outbox (Ctrl+C to stop)")
            await drainer.run(stop)
        finally:
            await db.dispose()

    asyncio.run(run())


@app.command("migrate")
def migrate_command() -> None:
    """Apply database migrations up to the latest."""
    settings = settings_from_env()
    migrate(settings.database_url)
    typer.echo("Database is up to date.")


@app.command("create-search-key")
def create_search_key() -> None:
    """Create the app's own Meilisearch key, scoped to the index BROKER_SEARCH_URL names, and print
    it (set it as BROKER_SEARCH_API_KEY). The master key is read from the first line of standard
    input and used for nothing else."""
    from search.factory import meilisearch_location
    from search.meilisearch_keys import create_index_key

    settings = settings_from_env()
    try:
        base, index_uid = meilisearch_location(settings.search_url)
    except ValueError as error:
        typer.echo(f"error: BROKER_SEARCH_URL is {error}.", err=True)
        raise typer.Exit(2) from error
    master_key = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    if not master_key:
        typer.echo("error: give the Meilisearch master key on standard input.", err=True)
        raise typer.Exit(2)
    try:
        key = create_index_key(base, master_key, index_uid)
    except Exception as error:  # the SDK's errors, connection failures: say which, never the key
        typer.echo(f"error: Meilisearch refused or did not answer ({type(error).__name__}).", err=True)
        raise typer.Exit(1) from error
    typer.echo(key)


@app.command("export-schema")
def export_schema(
    output: Annotated[Path | None, typer.Option(help="Write the SDL to this file instead of stdout.")] = None,
) -> None:
    """Print the GraphQL schema (SDL) generated from code."""
    from broker.api.schema import schema

    sdl = schema.as_str() + "\n"
    if output:
        output.write_text(sdl)
    else:
        typer.echo(sdl, nl=False)


# Commands of their own modules register on `app` when imported.
from broker.cli import audit as _audit_command  # noqa: E402, F401
from broker.cli import data as _data_commands  # noqa: E402, F401
from broker.cli import market as _market_commands  # noqa: E402
from broker.cli import notifications as _notification_commands  # noqa: E402, F401
from broker.cli import statements as _statement_commands  # noqa: E402, F401
from broker.cli import timesheets as _timesheet_commands  # noqa: E402

app.command("import-figures")(_market_commands.import_figures)
app.command("prepare-market")(_market_commands.prepare_market)
app.add_typer(_market_commands.report_app, name="report")
app.add_typer(_timesheet_commands.export_app, name="export")

if __name__ == "__main__":
    app()
