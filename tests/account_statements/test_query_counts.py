"""`statementLines` costs the same statements for a page of 6 or of 66 (and of one account statement or
two, each checked against the ledger), with everything a broker's reconciliation view asks for; and an
import costs the same statements for 6 lines or 6,000."""

from __future__ import annotations

from datetime import date, timedelta

from broker.statements.models import StatementLine
from tests.account_statements.world import BANK, IMPORT, RESOLVE, lines, world
from tests.factories import count
from tests.statements import assert_no_statement_per_row, counting_statements

LINES = """query($first: Int!) { statementLines(first: $first) { totalCount nodes {
  id postedOn payee paidOut status statusMessage resolution resolvedBy { email }
  statement { id balanceChecked holder { id } ledger { recordedSpent notRecorded } } holder { id heldAs }
  payment { id amount provider { name } } agreement { id provider { name } }
} } }"""


def _file(days: int) -> str:
    start = date(2026, 1, 1)
    payees = ("Corner Cafe", "Jo Bloggs", "Jo Bloggs")
    rows = [
        f"{start + timedelta(days=n % 320)},{payees[n % 3]},-{1 + n % 90}.{n % 100:02d},r{n}"
        for n in range(days)
    ]
    return "Date,Payee,Amount,Reference\n" + "\n".join(rows) + "\n"


async def test_statement_lines_cost_the_same_statements_for_6_or_66(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    await api.data(IMPORT, w.import_input(_file(60)), as_user=w.broker)
    first_id = (await lines(api, w.broker, status="UNMATCHED"))["nodes"][0]["id"]
    await api.data(
        RESOLVE, {"input": {"lineId": first_id, "action": "ALLOW", "reason": "ok"}}, as_user=w.broker
    )

    with counting_statements(db) as one:
        small = await api.data(LINES, {"first": 6}, as_user=w.broker)
    with counting_statements(db) as many:
        large = await api.data(LINES, {"first": 66}, as_user=w.broker)

    assert len(small["statementLines"]["nodes"]) == 6
    assert all(
        any(n[k] for n in small["statementLines"]["nodes"]) for k in ("payment", "agreement", "resolvedBy")
    )
    nodes = large["statementLines"]["nodes"]
    assert len(nodes) == 66
    assert any(n["payment"] for n in nodes) and any(n["agreement"] for n in nodes)
    assert any(n["resolvedBy"] for n in nodes)
    assert len({n["statement"]["id"] for n in nodes}) > len(
        {n["statement"]["id"] for n in small["statementLines"]["nodes"]}
    )
    assert_no_statement_per_row(one, many, extra_rows=60)


async def test_an_import_costs_the_same_statements_for_6_lines_or_6000(api, db):
    w = await world(db)

    with counting_statements(db) as few:
        await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    with counting_statements(db) as thousands:
        result = (await api.data(IMPORT, w.import_input(_file(6_000)), as_user=w.broker))["importStatement"]

    assert (result["userErrors"], result["linesAdded"]) == ([], 6_000)
    assert await count(db, StatementLine) == 6_006
    # One more INSERT for the second batch of 5,000 lines; nothing per line.
    assert len(thousands) <= len(few) + 1
