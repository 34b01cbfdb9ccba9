"""`broker export payroll`: the same export as `payrollExport`, from the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from broker.cli import app
from broker.cli.timesheets import parse_period
from broker.db import Database
from broker.timesheets.models import Timesheet, TimesheetShift, TimesheetStatus
from tests.timesheets.world import world

APPROVED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def cli(sqlite_template, tmp_path, monkeypatch):
    path = tmp_path / "broker.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    made = {}

    async def given() -> None:
        db = Database(url)
        try:
            w = await world(db)
            async with db.transaction() as session:
                sheet = Timesheet(
                    agreement_id=w.agreement.id,
                    council_id=w.council.id,
                    holder_id=w.holder.id,
                    provider_id=w.jo.id,
                    week_start=date(2026, 11, 16),
                    status=TimesheetStatus.APPROVED,
                    minutes=600,
                    hourly_rate_pence=1450,
                    amount_due_pence=14_500,
                    submitted_by_id=w.jo_user.id,
                    submitted_at=APPROVED_AT,
                    decided_by_id=w.holder_user.id,
                    decided_at=APPROVED_AT,
                )
                session.add(sheet)
                await session.flush()
                session.add_all(
                    TimesheetShift(
                        timesheet_id=sheet.id,
                        provider_id=w.jo.id,
                        position=i,
                        worked_on=day,
                        start_minute=540,
                        end_minute=840,
                    )
                    for i, day in enumerate((date(2026, 11, 16), date(2026, 11, 18)))
                )
            made["bureau"] = w.bureau.id
        finally:
            await db.dispose()

    asyncio.run(given())
    monkeypatch.setenv("BROKER_DATABASE_URL", url)
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    return made, lambda *args: runner.invoke(app, ["export", "payroll", *args])


def test_export_payroll_writes_the_months_approved_weeks(cli, tmp_path):
    made, run = cli
    out = tmp_path / "payroll.csv"

    result = run("--provider", str(made["bureau"]), "--period", "2026-11", "--output", str(out))

    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader(io.StringIO(out.read_text())))
    assert (row["employer"], row["worker"], row["week_start"], row["shifts"], row["amount_due_pence"]) == (
        "Amina Hussain",
        "Jo Bloggs",
        "2026-11-16",
        "2",
        "14500",
    )
    assert "1 approved timesheets, £145.00 due, 2026-11-01 to 2026-11-30." in result.output


def test_export_payroll_finds_the_provider_by_name_and_prints_to_stdout(cli):
    _, run = cli

    result = run("--provider", "Aire Payroll Bureau", "--period", "2026-11-16:2026-11-22")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("timesheet_id,employer,employer_holder_id,worker,")
    assert "Jo Bloggs" in result.stdout


def test_export_payroll_says_what_is_wrong(cli):
    _, run = cli

    unknown = run("--provider", "Nobody Ltd", "--period", "2026-11")
    bad_period = run("--provider", "Aire Payroll Bureau", "--period", "November")

    assert unknown.exit_code == 1
    assert "error: provider: No provider has this name." in unknown.output
    assert bad_period.exit_code == 2


def test_a_period_is_a_month_or_two_days():
    assert parse_period("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period("2026-11-02:2026-11-29") == (date(2026, 11, 2), date(2026, 11, 29))
