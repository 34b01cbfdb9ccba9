"""`broker audit`: the annual DP audit of a council, as CSV, for its finance and audit teams."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import select
from sqlmodel import col

from broker.accounts.models import Council, Role
from broker.db import Database, migrate
from broker.errors import BrokerError
from broker.settings import Settings

if TYPE_CHECKING:
    from broker.payments.audit import AuditReport

from broker.cli import app, settings_from_env


async def _audit(
    settings: Settings,
    council_name: str,
    year: int,
    contingency_weeks: float,
    on_progress: Callable[[int, int], None],
) -> AuditReport:
    from broker.accounts.actor import Actor
    from broker.payments.audit import annual_audit
    from broker.statements.audit import register

    register()  # the audit reads imported statements too

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            council = (
                await session.execute(select(Council).where(col(Council.name) == council_name))
            ).scalar_one_or_none()
            if council is None:
                raise BrokerError(f"No council called '{council_name}'.", field="council")
            # The command line runs with the platform's own authority; it only reads.
            system = Actor(user_id=0, role=Role.ADMIN, council_id=None)
            assert council.id is not None
            return await annual_audit(
                session,
                actor=system,
                council_id=council.id,
                year=year,
                contingency_weeks=contingency_weeks,
                progress=on_progress,
            )
    finally:
        await db.dispose()


AUDIT_COLUMNS = [
    "dp_holder_id",
    "home_postcode_district",
    "weekly_budget_pence",
    "allocated_pence",
    "spent_pence",
    "unspent_pence",
    "contingency_pence",
    "reclaimable_pence",
    "payments",
    "flagged_payments",
    "flags",
    "statement_spend_pence",
    "statement_balance_pence",
    "recovery_pence",
    "flagged_statement_lines",
]


@app.command()
def audit(
    council: Annotated[str, typer.Option(help="Council name, as created.")],
    year: Annotated[int, typer.Option(help="The DP year to audit: 1 April YEAR to 31 March YEAR+1.")],
    output: Annotated[Path | None, typer.Option(help="Write the CSV here instead of stdout.")] = None,
    contingency_weeks: Annotated[
        float | None,
        typer.Option(help="Weeks of budget a person keeps (default BROKER_AUDIT_CONTINGENCY_WEEKS)."),
    ] = None,
) -> None:
    """The annual DP audit of a council as CSV: one row per DP holder, with flagged payments and the
    unspent money above the contingency that may be reclaimed."""
    import csv
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from broker.hygiene import spreadsheet_cell

    settings = settings_from_env()
    migrate(settings.database_url)
    weeks = settings.audit_contingency_weeks if contingency_weeks is None else contingency_weeks
    with Progress(
        TextColumn("auditing DP holders"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("audit", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = asyncio.run(_audit(settings, council, year, weeks, on_progress))
        except BrokerError as error:
            for problem in error.errors:
                typer.echo(f"error: {problem.field}: {problem.message}", err=True)
            raise typer.Exit(1) from error
    handle = output.open("w", newline="") if output else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(AUDIT_COLUMNS)
        for row in report.holders:
            writer.writerow(
                [
                    row.holder.id,
                    row.holder.postcode_district,
                    row.holder.weekly_budget_pence,
                    row.allocated_pence,
                    row.spent_pence,
                    row.unspent_pence,
                    row.contingency_pence,
                    row.reclaimable_pence,
                    row.payments,
                    len({f.payment_id for f in row.flags}),
                    spreadsheet_cell(
                        "; ".join(
                            [f"payment {f.payment_id} {f.code.value}: {f.message}" for f in row.flags]
                            + [
                                f"statement line {f.line_id} {f.code.value}: {f.message}"
                                for f in row.statements.flags
                            ]
                        )
                    ),
                    row.statements.spend_pence,
                    ""
                    if row.statements.closing_balance_pence is None
                    else row.statements.closing_balance_pence,
                    row.statements.recovery_pence,
                    len(row.statements.flags),
                ]
            )
    finally:
        if output:
            handle.close()
    if output:
        holders, reclaimable = len(report.holders), report.reclaimable_pence
        flagged = report.flagged_payments
        typer.echo(
            f"Audited {holders} DP holders of {council} for {year}-{(year + 1) % 100:02d}: "
            f"£{reclaimable / 100:,.2f} reclaimable, {flagged} payments flagged. CSV in {output}."
        )
