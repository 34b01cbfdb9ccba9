"""`broker import-statement`: the same import from a file, with a progress bar and a CSV of the lines."""

from __future__ import annotations

import asyncio
import csv
import shutil

import pytest
from typer.testing import CliRunner

from broker.cli import app
from broker.db import Database
from tests.account_statements.world import BANK, world


@pytest.fixture
def cli(sqlite_template, tmp_path, monkeypatch):
    path = tmp_path / "broker.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"

    async def given() -> None:
        db = Database(url)
        try:
            await world(db)
        finally:
            await db.dispose()

    asyncio.run(given())
    monkeypatch.setenv("BROKER_DATABASE_URL", url)
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["import-statement", *args])


def test_import_statement_reconciles_the_file_and_writes_the_lines(cli, tmp_path):
    statement = tmp_path / "november.csv"
    statement.write_text(BANK)
    output = tmp_path / "lines.csv"

    result = cli("--holder", "1", "--format", "BANK_CSV", "--output", str(output), str(statement))

    assert result.exit_code == 0, result.output
    assert "Read 6 lines: 6 added, 0 already imported." in result.stdout
    assert "1 ABOVE_AGREED_RATE, 1 AFTER_AGREEMENT_ENDED, 2 MATCHED, 1 MONEY_IN, 1 UNMATCHED" in result.stdout
    assert "Balances add up: closing £-180.00." in result.stdout
    rows = list(csv.DictReader(output.open()))
    assert [(r["line_number"], r["paid_out_pence"], r["status"]) for r in rows] == [
        ("2", "0", "MONEY_IN"),
        ("3", "14500", "MATCHED"),
        ("4", "14500", "MATCHED"),
        ("5", "9000", "AFTER_AGREEMENT_ENDED"),
        ("6", "40000", "UNMATCHED"),
        ("7", "90000", "ABOVE_AGREED_RATE"),
    ]

    again = cli("--holder", "1", "--format", "BANK_CSV", str(statement))

    assert again.exit_code == 0, again.output
    assert "Read 6 lines: 0 added, 6 already imported." in again.stdout


def test_formula_cells_are_escaped_in_the_csv_written(cli, tmp_path):
    statement = tmp_path / "card.csv"
    statement.write_text(
        "Date,Merchant,MCC,Amount,Reference\n"
        '2026-11-09,"=HYPERLINK(""http://evil.example"",""Refund"")",5999,5.00,+cmd|calc\n'
        "2026-11-10,-2+3,5999,1.00,@SUM(A1)\n"
    )
    output = tmp_path / "lines.csv"

    result = cli("--holder", "1", "--format", "PREPAID_CARD", "--output", str(output), str(statement))

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(output.open()))
    assert [(r["payee"], r["reference"]) for r in rows] == [
        ('\'=HYPERLINK("http://evil.example","Refund")', "'+cmd|calc"),
        ("'-2+3", "'@SUM(A1)"),
    ]


def test_a_bad_file_is_refused_naming_its_lines_and_nothing_is_imported(cli, tmp_path):
    statement = tmp_path / "bad.csv"
    statement.write_text("Date,Payee,Amount,Reference\n2026-11-09,Jo\x00,-1.00,\n2026-11-10,Jo,NaN,\n")

    result = cli("--holder", "1", "--format", "BANK_CSV", str(statement))

    assert result.exit_code == 1
    assert "error: file.2: Line 2: Text cannot contain NUL (\\u0000) characters." in result.output
    again = cli("--holder", "1", "--format", "BANK_CSV", str(statement.with_name("none.csv")))
    assert again.exit_code == 2


def test_a_custom_file_is_mapped_on_the_command_line(cli, tmp_path):
    statement = tmp_path / "custom.csv"
    statement.write_text("When,Who,Out,In\n18/11/2026,Sunny Holidays,400.00,\n")

    result = cli(
        "--holder", "1", "--format", "CUSTOM", "--map", "date=When", "--map", "payee=Who",
        "--map", "paid-out=Out", "--map", "paid_in=In", "--date-format", "DAY_MONTH_YEAR", str(statement),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Read 1 lines: 1 added, 0 already imported. Added: 1 UNMATCHED." in result.stdout
