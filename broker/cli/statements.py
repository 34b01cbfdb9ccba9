"""`broker import-statement`: import and reconcile a DP account statement from a file, for council staff."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from broker.accounts.models import Role
from broker.db import Database, migrate
from broker.errors import BrokerError
from broker.settings import Settings

if TYPE_CHECKING:
    from broker.statements.formats import ColumnMapping
    from broker.statements.importing import ImportResult
    from broker.statements.models import StatementLine

from broker.cli import app, settings_from_env

LINE_COLUMNS = [
    "line_number",
    "posted_on",
    "payee",
    "reference",
    "merchant_category_code",
    "paid_out_pence",
    "paid_in_pence",
    "balance_pence",
    "status",
    "status_message",
]


async def _import(
    settings: Settings,
    holder_id: int,
    format_name: str,
    text: str,
    mapping: ColumnMapping | None,
    on_progress: Callable[[int, int], None],
) -> tuple[ImportResult, list[StatementLine]]:
    from sqlalchemy import select
    from sqlmodel import col

    from broker.accounts.actor import Actor
    from broker.api.clock import SystemClock, london_date
    from broker.statements.importing import StatementImport, import_statement
    from broker.statements.models import StatementFormat, StatementLine

    db = Database(settings.database_url)
    now = SystemClock().now()
    try:
        async with db.transaction() as session:
            # The command line runs with the platform's own authority, as `broker audit` does.
            system = Actor(user_id=0, role=Role.ADMIN, council_id=None)
            result = await import_statement(
                session,
                actor=system,
                command=StatementImport(
                    holder_id=holder_id,
                    format=StatementFormat(format_name),
                    file=text,
                    column_mapping=mapping,
                ),
                now=now,
                today=london_date(now),
                progress=on_progress,
            )
            lines: list[StatementLine] = []
            if result.statement is not None and result.lines_added:
                found = await session.execute(
                    select(StatementLine)
                    .where(col(StatementLine.statement_id) == result.statement.id)
                    .order_by(col(StatementLine.line_number))
                )
                lines = list(found.scalars())
            return result, lines
    finally:
        await db.dispose()


def _mapping(pairs: list[str], date_format: str, money_out: str) -> ColumnMapping | None:
    from broker.statements.formats import ColumnMapping, DateFormat, MoneyOut

    if not pairs:
        return None
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, header = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"'{pair}' is not FIELD=HEADER.", param_hint="--map")
        given[name.strip().replace("-", "_")] = header
    if "date" not in given or "payee" not in given:
        raise typer.BadParameter("Map at least date=HEADER and payee=HEADER.", param_hint="--map")
    try:
        return ColumnMapping(
            **given,
            date_format=DateFormat(date_format),
            money_out=MoneyOut(money_out),
        )
    except (TypeError, ValueError) as error:
        raise typer.BadParameter(str(error), param_hint="--map") from error


@app.command("import-statement")
def import_statement(
    file: Annotated[
        Path, typer.Argument(help="The CSV export, header row first.", exists=True, dir_okay=False)
    ],
    holder: Annotated[int, typer.Option(help="The DP holder's database ID.")],
    format: Annotated[
        str, typer.Option(help="PREPAID_CARD, BANK_CSV, BANK_PAID_OUT_PAID_IN or CUSTOM (with --map).")
    ],
    map: Annotated[
        list[str] | None,
        typer.Option(help="CUSTOM: FIELD=HEADER, e.g. date=Posted, payee=Description, amount=Value."),
    ] = None,
    date_format: Annotated[str, typer.Option(help="CUSTOM: ISO, DAY_MONTH_YEAR or MONTH_DAY_YEAR.")] = "ISO",
    money_out: Annotated[
        str, typer.Option(help="CUSTOM, one amount column: NEGATIVE or POSITIVE.")
    ] = "NEGATIVE",
    output: Annotated[
        Path | None, typer.Option(help="Write the added lines, as reconciled, to this CSV.")
    ] = None,
) -> None:
    """Import a DP account statement and reconcile each new line against the holder's payments and
    agreements. Importing the same file again changes nothing."""
    import csv

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from broker.hygiene import spreadsheet_cell
    from broker.statements.models import StatementFormat

    if format not in {f.value for f in StatementFormat}:
        raise typer.BadParameter(f"Unknown format '{format}'.", param_hint="--format")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        typer.echo(f"error: file: {file} is not UTF-8 text ({error.reason} at byte {error.start}).", err=True)
        raise typer.Exit(1) from error
    mapping = _mapping(map or [], date_format, money_out)
    settings = settings_from_env()
    migrate(settings.database_url)
    with Progress(
        TextColumn("importing statement lines"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("import", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result, lines = asyncio.run(_import(settings, holder, format, text, mapping, on_progress))
        except BrokerError as error:
            for problem in error.errors:
                typer.echo(f"error: {problem.field}: {problem.message}", err=True)
            raise typer.Exit(1) from error
    if output:
        with output.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(LINE_COLUMNS)
            for line in lines:
                writer.writerow(
                    [
                        line.line_number,
                        line.posted_on.isoformat(),
                        spreadsheet_cell(line.payee),
                        spreadsheet_cell(line.reference),
                        line.merchant_category_code or "",
                        line.paid_out_pence,
                        line.paid_in_pence,
                        "" if line.balance_pence is None else line.balance_pence,
                        line.status.value,
                        spreadsheet_cell(line.status_message),
                    ]
                )
    statuses = ", ".join(f"{n} {status.value}" for status, n in sorted(result.added_by_status.items()))
    typer.echo(
        f"Read {result.lines_read} lines: {result.lines_added} added, {result.lines_already_imported} "
        f"already imported." + (f" Added: {statuses}." if statuses else "")
    )
    if result.balance is not None:
        check = result.balance
        if check.matches:
            typer.echo(f"Balances add up: closing £{check.closing_pence / 100:,.2f}.")
        else:
            lines_named = ", ".join(str(n) for n in check.mismatch_lines[:10])
            typer.echo(
                f"Balances do not add up: closing £{check.closing_pence / 100:,.2f} stated, "
                f"£{check.expected_closing_pence / 100:,.2f} expected; {check.mismatches} mismatched "
                f"(lines {lines_named})."
            )
