"""`broker export payroll --provider ID|NAME --period YYYY-MM|FROM:TO [--output FILE]`: the payroll
export of approved timesheets, as `payrollExport` gives it, for the DP support organisation that runs
the payroll. Runs with the platform's own authority, as `broker audit` does; it only reads."""

from __future__ import annotations

import asyncio
import calendar
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from broker.accounts.models import Role
from broker.db import Database, migrate
from broker.errors import BrokerError
from broker.settings import Settings

if TYPE_CHECKING:
    from broker.timesheets.payroll import PayrollExport

export_app = typer.Typer(help="Exports as CSV: payroll.", no_args_is_help=True)


def parse_period(text: str) -> tuple[date, date]:
    """`2026-11` (a calendar month) or `2026-11-02:2026-11-29` (inclusive days)."""
    value = text.strip()
    try:
        if ":" in value:
            first, _, last = value.partition(":")
            return date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except ValueError as error:
        raise typer.BadParameter(
            "Give a month (2026-11) or two days (2026-11-02:2026-11-29).", param_hint="--period"
        ) from error


async def _export(settings: Settings, provider: str, start: date, end: date) -> PayrollExport:
    from sqlalchemy import select
    from sqlmodel import col

    from broker.accounts.actor import Actor
    from broker.errors import NotFound
    from broker.hygiene import whole_number
    from broker.providers.models import Provider
    from broker.timesheets.payroll import payroll_export

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            key = whole_number(provider.strip())
            if key is None:
                found = await session.execute(
                    select(col(Provider.id)).where(col(Provider.name) == provider.strip()).limit(2)
                )
                keys = list(found.scalars())
                if len(keys) != 1:
                    raise NotFound(
                        "No single provider has this name; give its ID."
                        if keys
                        else "No provider has this name.",
                        field="provider",
                    )
                key = keys[0]
            assert key is not None
            system = Actor(user_id=0, role=Role.ADMIN, council_id=None)
            return await payroll_export(
                session, actor=system, provider_id=key, period_start=start, period_end=end
            )
    finally:
        await db.dispose()


@export_app.command("payroll")
def payroll(
    provider: Annotated[
        str, typer.Option(help="The payroll provider: its database ID or exact listing name.")
    ],
    period: Annotated[str, typer.Option(help="The pay period: 2026-11, or 2026-11-02:2026-11-29.")],
    output: Annotated[Path | None, typer.Option(help="Write the CSV here instead of stdout.")] = None,
) -> None:
    """Approved timesheets of one pay period (weeks starting in it) for every DP holder the provider
    runs payroll for, as CSV: employer, worker, week, minutes, rate and amount due in pence."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from strawberry import relay

    from broker.cli import settings_from_env

    start, end = parse_period(period)
    settings = settings_from_env()
    migrate(settings.database_url)
    try:
        export = asyncio.run(_export(settings, provider, start, end))
    except BrokerError as error:
        for problem in error.errors:
            typer.echo(f"error: {problem.field}: {problem.message}", err=True)
        raise typer.Exit(1) from error

    def global_id(type_name: str, key: int) -> str:
        return str(relay.GlobalID(type_name, str(key)))

    text = export.csv(global_id)
    with Progress(
        TextColumn("writing approved timesheets"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("payroll", total=len(export.rows))
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text, nl=False)
        progress.update(task, completed=len(export.rows))
    typer.echo(
        f"{len(export.rows)} approved timesheets, £{export.amount_due_pence / 100:,.2f} due, "
        f"{start.isoformat()} to {end.isoformat()}.",
        err=True,
    )
