"""`broker notifications-sync` and `broker daily-jobs`: the notification email worker and the daily
jobs (the notification sweep, the message purge) as their own processes, for installs that run
`broker serve` with BROKER_SEARCH_SYNC_IN_PROCESS=false."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from broker.api.clock import SystemClock
from broker.cli import app, settings_from_env
from broker.db import Database


@app.command("notifications-sync")
def notifications_sync(
    once: Annotated[bool, typer.Option(help="Send what is due and exit.")] = False,
) -> None:
    """Send notification email from the outbox (`broker serve` also runs this in-process)."""
    from broker.app import email_drainer

    settings = settings_from_env()
    if not settings.smtp_host:
        typer.echo("BROKER_SMTP_HOST is not set: no email to send.", err=True)
        raise typer.Exit(1)

    async def run() -> None:
        db = Database(settings.database_url)
        drainer = email_drainer(settings, db, SystemClock())
        assert drainer is not None
        try:
            if once:
                report = await drainer.drain()
                typer.echo(f"sent {report.sent}, failed {report.failed}, dropped {report.dropped}")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            typer.echo("notifications-sync: sending notification email (Ctrl+C to stop)")
            await drainer.run(stop)
        finally:
            await db.dispose()

    asyncio.run(run())


@app.command("daily-jobs")
def daily_jobs_command() -> None:
    """Run the daily jobs once now: tell what time brought (requests about to expire, checks expiring
    or lapsed) and purge messages past their retention. Safe to repeat."""
    from broker.app import daily_jobs
    from broker.notifications.daily import run_jobs

    settings = settings_from_env()

    async def run() -> None:
        db = Database(settings.database_url)
        try:
            await run_jobs(db, daily_jobs(settings), SystemClock().now())
        finally:
            await db.dispose()

    asyncio.run(run())
    typer.echo("daily jobs done")
