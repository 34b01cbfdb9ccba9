"""The annual DP audit reads imported statements: spend outside agreements is flagged, brokers'
decisions count, and the reclaimable money follows the statement's closing balance."""

from __future__ import annotations

import asyncio
import csv
import shutil
from datetime import UTC, datetime

from typer.testing import CliRunner

from broker.cli import app
from broker.db import Database
from broker.holders.models import DPHolder
from tests.account_statements.world import BANK, IMPORT, RESOLVE, lines, world

AUDIT = """query($year: Int!) { annualAudit(year: $year) {
  reclaimable flaggedPayments flaggedStatementLines
  holders { allocated spent unspent contingency reclaimable statementSpend statementBalance statementBalanceOn
            recovery flags { code } statementFlags { lineId code message amount } }
} }"""
ALLOCATED = 1_564_286  # £300 a week from 1 April 2026 to 31 March 2027
CONTINGENCY = 120_000  # four weeks


async def _since_april(db, holder) -> None:
    async with db.transaction() as session:
        row = await session.get(DPHolder, holder.id)
        row.created_at = datetime(2026, 4, 1, tzinfo=UTC)


async def _decide(api, w, status: str, action: str, reason: str) -> str:
    line_id = (await lines(api, w.broker, status=status))["nodes"][0]["id"]
    await api.data(
        RESOLVE, {"input": {"lineId": line_id, "action": action, "reason": reason}}, as_user=w.broker
    )
    return line_id


async def test_spend_outside_agreements_is_flagged_and_the_closing_balance_sets_what_is_reclaimable(api, db):
    w = await world(db)
    await _since_april(db, w.holder)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    holiday = await _decide(api, w, "UNMATCHED", "ALLOW", "Respite break agreed at review.")
    overpaid = await _decide(api, w, "ABOVE_AGREED_RATE", "RECOVER", "Paid twice.")
    kim = (await lines(api, w.broker, status="AFTER_AGREEMENT_ENDED"))["nodes"][0]["id"]

    audit = (await api.data(AUDIT, {"year": 2026}, as_user=w.broker))["annualAudit"]

    [amina] = audit["holders"]
    assert amina["statementFlags"] == [
        {
            "lineId": kim,
            "code": "AFTER_AGREEMENT_ENDED",
            "message": "£90.00 to Kim Care on 17 Nov 2026: Paid on 17 Nov 2026, after the agreement with Kim "
            "Care Ltd ended on 31 Aug 2026.",
            "amount": 9_000,
        },
        {
            "lineId": overpaid,
            "code": "MARKED_FOR_RECOVERY",
            "message": "£900.00 to Jo Bloggs on 20 Nov 2026: marked for recovery (Paid twice.).",
            "amount": 90_000,
        },
    ]
    assert holiday not in {f["lineId"] for f in amina["statementFlags"]}
    assert {k: v for k, v in amina.items() if k not in ("statementFlags", "flags")} == {
        "allocated": ALLOCATED,
        "spent": 14_500,  # the one recorded payment
        "unspent": ALLOCATED - 14_500 - 153_500,  # less money out no payment accounts for
        "contingency": CONTINGENCY,
        "statementSpend": 14_500 + 9_000 + 40_000 + 90_000,
        "statementBalance": -18_000,
        "statementBalanceOn": "2026-11-20",
        "recovery": 90_000,
        "reclaimable": 90_000,  # nothing left in the account above the contingency, plus the recovery
    }
    assert (audit["reclaimable"], audit["flaggedStatementLines"], audit["flaggedPayments"]) == (90_000, 2, 0)


async def test_an_unresolved_line_under_no_agreement_is_outside_agreement(api, db):
    w = await world(db)
    await _since_april(db, w.holder)
    card = "Date,Merchant,MCC,Amount,Reference\n2026-11-18,Sunny Holidays,4722,400.00,H1\n"
    await api.data(IMPORT, w.import_input(card, "PREPAID_CARD"), as_user=w.broker)

    audit = (await api.data(AUDIT, {"year": 2026}, as_user=w.broker))["annualAudit"]

    [amina] = audit["holders"]
    assert [(f["code"], f["amount"]) for f in amina["statementFlags"]] == [("OUTSIDE_AGREEMENT", 40_000)]
    assert amina["statementBalance"] is None  # a card export states no balance
    assert amina["reclaimable"] == ALLOCATED - 14_500 - 40_000 - CONTINGENCY


async def test_a_statement_whose_balances_do_not_add_up_does_not_set_the_reclaimable_money(api, db):
    w = await world(db)
    await _since_april(db, w.holder)
    wrong = BANK.replace(",720.00", ",700.00").replace(",-180.00", ",-200.00")
    await api.data(IMPORT, w.import_input(wrong), as_user=w.broker)

    audit = (await api.data(AUDIT, {"year": 2026}, as_user=w.broker))["annualAudit"]

    [amina] = audit["holders"]
    assert amina["statementBalance"] is None
    assert amina["reclaimable"] == ALLOCATED - 14_500 - 153_500 - CONTINGENCY


def test_broker_audit_writes_the_statement_columns(sqlite_template, tmp_path, monkeypatch):
    path = tmp_path / "broker.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"

    async def given() -> None:
        db = Database(url)
        try:
            w = await world(db)
            await _since_april(db, w.holder)
        finally:
            await db.dispose()

    asyncio.run(given())
    statement = tmp_path / "statement.csv"
    statement.write_text('Date,Payee,Amount,Reference\n2026-11-18,"=HYPERLINK(""http://x"")",-40.00,\n')
    monkeypatch.setenv("BROKER_DATABASE_URL", url)
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    imported = runner.invoke(
        app, ["import-statement", "--holder", "1", "--format", "BANK_CSV", str(statement)]
    )
    assert imported.exit_code == 0, imported.output
    output = tmp_path / "audit.csv"

    result = runner.invoke(
        app, ["audit", "--council", "Leeds City Council", "--year", "2026", "--output", str(output)]
    )

    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(output.open()))
    assert (row["statement_spend_pence"], row["statement_balance_pence"], row["recovery_pence"]) == (
        "4000",
        "",
        "0",
    )
    assert row["flagged_statement_lines"] == "1"
    assert row["flags"].startswith('statement line 1 OUTSIDE_AGREEMENT: £40.00 to =HYPERLINK("http://x") on')
    assert row["reclaimable_pence"] == str(ALLOCATED - 14_500 - 4_000 - CONTINGENCY)
