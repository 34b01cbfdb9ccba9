"""The council checks an imported statement against the payments recorded here: money that left the
account without a recorded payment shows as a difference, to the penny, never silently."""

from __future__ import annotations

from tests.account_statements.world import BANK, world

IMPORT_WITH_LEDGER = """mutation($input: ImportStatementInput!) { importStatement(input: $input) {
  statement { ledger { recordedSpent notRecorded ledgerClosingBalance closingDifference agrees } }
  userErrors { field message code }
} }"""

LEDGER_THROUGH_LINES = """{ statementLines(first: 1) { nodes { statement {
  ledger { recordedSpent notRecorded agrees } } } } }"""


async def test_money_out_that_no_recorded_payment_explains_is_the_difference(api, db):
    """November's statement shows £1,680 out; the service recorded one £145 payment (2-8 Nov). The
    ledger expects £300 + £1,200 - £145 = £1,355 at the close; the bank says -£180."""
    w = await world(db)

    result = (await api.data(IMPORT_WITH_LEDGER, w.import_input(BANK), as_user=w.broker))["importStatement"]

    assert result["userErrors"] == []
    assert result["statement"]["ledger"] == {
        "recordedSpent": 14_500,
        "notRecorded": 153_500,
        "ledgerClosingBalance": 135_500,
        "closingDifference": -153_500,
        "agrees": False,
    }


async def test_a_statement_whose_every_payment_is_recorded_agrees_with_the_ledger(api, db):
    w = await world(db)
    recorded_only = "\n".join(BANK.splitlines()[:3]) + "\n"

    result = await api.data(IMPORT_WITH_LEDGER, w.import_input(recorded_only), as_user=w.broker)

    assert result["importStatement"]["statement"]["ledger"] == {
        "recordedSpent": 14_500,
        "notRecorded": 0,
        "ledgerClosingBalance": 135_500,
        "closingDifference": 0,
        "agrees": True,
    }


async def test_the_holder_sees_their_statements_check_and_the_provider_sees_no_statement(api, db):
    w = await world(db)
    await api.data(IMPORT_WITH_LEDGER, w.import_input(BANK), as_user=w.broker)

    holder_view = (await api.data(LEDGER_THROUGH_LINES, as_user=w.holder_user))["statementLines"]["nodes"]
    provider_view = (await api.data(LEDGER_THROUGH_LINES, as_user=w.jo_user))["statementLines"]["nodes"]

    ledger = {"recordedSpent": 14_500, "notRecorded": 153_500, "agrees": False}
    assert holder_view == [{"statement": {"ledger": ledger}}]
    assert provider_view == []
    anonymous = await api.execute(LEDGER_THROUGH_LINES)
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
