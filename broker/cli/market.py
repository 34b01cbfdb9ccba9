"""`broker import-figures CSV` and `broker report gaps|take-up|rates|time-to-care|workforce --council NAME`
(`--output FILE`), and `broker prepare-market` (rebuild the tables market reports read ready-made).

Both run as the platform's operator (`access.OPERATOR`) with the same rules and suppression as the
API. The figures CSV has a header row: council, month, people_on_long_term_community_support and,
optionally, people_on_long_term_community_support_18_to_64, ..._65_plus, people_on_direct_payments.
"""

from __future__ import annotations

import asyncio
import csv
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from broker.api.clock import SystemClock, london_date
from broker.db import Database, migrate
from broker.errors import BrokerError, ErrorCode, InvalidInput
from broker.hygiene import whole_number
from broker.market import demand, figures, prepared, reports
from broker.market.access import OPERATOR
from broker.settings import Settings

report_app = typer.Typer(
    help="Market reports as CSV: gaps, take-up, rates, time-to-care, workforce.", no_args_is_help=True
)
COUNTS = (
    "people_on_long_term_community_support",
    "people_on_long_term_community_support_18_to_64",
    "people_on_long_term_community_support_65_plus",
    "people_on_direct_payments",
)


def _fail(error: BrokerError, where: str = "") -> typer.Exit:
    for problem in error.errors:
        typer.echo(f"error: {where}{problem.field}: {problem.message}", err=True)
    return typer.Exit(1)


def _count(row: dict[str, str], name: str, line: int) -> int | None:
    text = (row.get(name) or "").strip()
    if not text:
        return None
    value = whole_number(text)
    if value is None:
        raise InvalidInput(
            f"line {line}: {text!r} is not a whole number.", field=name, code=ErrorCode.INVALID
        )
    return value


async def _import(settings: Settings, path: Path) -> int:
    db = Database(settings.database_url)
    now = SystemClock().now()
    recorded = 0
    try:
        async with db.transaction() as session:
            with path.open(newline="", encoding="utf-8") as handle:
                for line, row in enumerate(csv.DictReader(handle), start=2):
                    council = await reports.council_named(session, (row.get("council") or "").strip())
                    try:
                        month = date.fromisoformat((row.get("month") or "").strip())
                    except ValueError as error:
                        raise InvalidInput(f"line {line}: give YYYY-MM-01.", field="month") from error
                    total = _count(row, COUNTS[0], line)
                    if total is None:
                        raise InvalidInput(
                            f"line {line}: required.", field=COUNTS[0], code=ErrorCode.REQUIRED
                        )
                    assert council.id is not None
                    await figures.record_council_figures(
                        session,
                        actor=OPERATOR,
                        command=figures.CouncilFiguresCommand(
                            council_id=council.id,
                            month=month,
                            people_on_long_term_community_support=total,
                            people_on_long_term_community_support_18_to_64=_count(row, COUNTS[1], line),
                            people_on_long_term_community_support_65_plus=_count(row, COUNTS[2], line),
                            people_on_direct_payments=_count(row, COUNTS[3], line),
                        ),
                        now=now,
                    )
                    recorded += 1
        return recorded
    finally:
        await db.dispose()


async def _prepare_market(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            await prepared.rebuild_band_splits(session)
            await demand.rebuild(session)
            await prepared.rebuild(session, london_date(SystemClock().now()))
    finally:
        await db.dispose()


def prepare_market() -> None:
    """Rebuild the market's prepared tables (each need's split across time bands, the demand rows of
    open plans, reachable supply per cell) from the plans and listings. Safe at any time: those are
    the source of truth, and the service keeps the tables up to date itself; needed after loading
    rows in bulk."""
    from broker.cli import settings_from_env as _settings

    settings = _settings()
    migrate(settings.database_url)
    asyncio.run(_prepare_market(settings))
    typer.echo("Prepared market tables rebuilt.")


def import_figures(
    path: Annotated[Path, typer.Argument(help="CSV of monthly figures (see `broker.cli.market`).")],
) -> None:
    """Record councils' monthly figures (people on long-term community support, their DP counts) from
    a CSV; all rows or none."""
    from broker.cli import settings_from_env as _settings

    settings = _settings()
    migrate(settings.database_url)
    try:
        rows = asyncio.run(_import(settings, path))
    except BrokerError as error:
        raise _fail(error) from error
    typer.echo(f"Recorded {rows} months of figures.")


async def _report(settings: Settings, name: str, council: str, start: date | None, end: date | None) -> str:
    db = Database(settings.database_url)
    now = SystemClock().now()
    first, last = reports.default_period(london_date(now))
    try:
        async with db.transaction() as session:
            found = await reports.council_named(session, council)
            assert found.id is not None
            return await reports.report_csv(
                session,
                name,
                actor=OPERATOR,
                council_id=found.id,
                start=start or first,
                end=end or last,
                now=now,
            )
    finally:
        await db.dispose()


def _run_report(name: str, council: str, output: Path | None, start: date | None, end: date | None) -> None:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from broker.cli import settings_from_env as _settings

    settings = _settings()
    migrate(settings.database_url)
    with Progress(
        SpinnerColumn(), TextColumn(f"{name} for {council}"), console=Console(stderr=True)
    ) as progress:
        progress.add_task(name, total=None)
        try:
            body = asyncio.run(_report(settings, name, council, start, end))
        except BrokerError as error:
            raise _fail(error) from error
    if output:
        output.write_text(body, encoding="utf-8")
        typer.echo(f"{name} for {council}: {body.count(chr(10)) - 1} rows in {output}.")
    else:
        sys.stdout.write(body)


Council = Annotated[str, typer.Option(help="Council name, as created.")]
Output = Annotated[Path | None, typer.Option(help="Write the CSV here instead of stdout.")]
From = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (default: 12 months ago).")]
To = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today).")]


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        typer.echo(f"error: {text!r} is not a date (YYYY-MM-DD).", err=True)
        raise typer.Exit(2) from error


@report_app.command("gaps")
def gaps_report(council: Council, output: Output = None, from_: From = None, to: To = None) -> None:
    """Market gaps by district, service and time band."""
    _run_report("gaps", council, output, _day(from_), _day(to))


@report_app.command("take-up")
def take_up_report(council: Council, output: Output = None, from_: From = None, to: To = None) -> None:
    """DP take-up (ASCOF 3D2a) month by month."""
    _run_report("take-up", council, output, _day(from_), _day(to))


@report_app.command("rates")
def rates_report(council: Council, output: Output = None) -> None:
    """Rate sufficiency today by district and kind of provider."""
    _run_report("rates", council, output, None, None)


@report_app.command("time-to-care")
def time_to_care_report(council: Council, output: Output = None, from_: From = None, to: To = None) -> None:
    """Days from a plan becoming ACTIVE to the first request, agreement and payment."""
    _run_report("time-to-care", council, output, _day(from_), _day(to))


@report_app.command("workforce")
def workforce_report(council: Council, output: Output = None, from_: From = None, to: To = None) -> None:
    """Accredited PAs and agencies by district each month: joiners, leavers, turnover."""
    _run_report("workforce", council, output, _day(from_), _day(to))
