"""A broker imports a DP account statement and every line is reconciled against payments and agreements."""

from __future__ import annotations

from strawberry.relay import to_base64

from broker.statements.models import AccountStatement, StatementLine
from tests.account_statements.world import BANK, IMPORT, lines, world
from tests.factories import count


async def test_a_bank_statement_is_imported_and_each_line_reconciled(api, db):
    w = await world(db)

    result = (await api.data(IMPORT, w.import_input(BANK), as_user=w.broker))["importStatement"]

    assert result["userErrors"] == []
    assert (result["linesRead"], result["linesAdded"], result["linesAlreadyImported"]) == (6, 6, 0)
    statement = result["statement"]
    del statement["id"]
    assert statement == {
        "format": "BANK_CSV",
        "firstDate": "2026-11-01",
        "lastDate": "2026-11-20",
        "linesRead": 6,
        "linesAdded": 6,
        "paidOut": 168_000,
        "paidIn": 120_000,
        "openingBalance": 30_000,
        "closingBalance": -18_000,
        "expectedClosingBalance": -18_000,
        "balanceChecked": True,
        "balanceMismatchLines": [],
    }
    assert result["balanceCheck"] == {
        "opening": 30_000,
        "closing": -18_000,
        "expectedClosing": -18_000,
        "matches": True,
        "mismatchLines": [],
        "mismatches": 0,
    }
    assert result["addedByStatus"] == [
        {"status": "ABOVE_AGREED_RATE", "lines": 1},
        {"status": "AFTER_AGREEMENT_ENDED", "lines": 1},
        {"status": "MATCHED", "lines": 2},
        {"status": "MONEY_IN", "lines": 1},
        {"status": "UNMATCHED", "lines": 1},
    ]
    found = (await lines(api, w.broker))["nodes"]
    jo, kim = to_base64("Agreement", w.jo_agreement.id), to_base64("Agreement", w.kim_agreement.id)
    assert [
        (n["postedOn"], n["payee"], n["paidOut"], n["paidIn"], n["status"], n["agreement"], n["payment"])
        for n in found
    ] == [
        ("2026-11-20", "Jo Bloggs", 90_000, 0, "ABOVE_AGREED_RATE", {"id": jo}, None),
        ("2026-11-18", "Sunny Holidays", 40_000, 0, "UNMATCHED", None, None),
        ("2026-11-17", "Kim Care", 9_000, 0, "AFTER_AGREEMENT_ENDED", {"id": kim}, None),
        ("2026-11-16", "Jo Bloggs", 14_500, 0, "MATCHED", {"id": jo}, None),
        (
            "2026-11-09",
            "JO BLOGGS",
            14_500,
            0,
            "MATCHED",
            {"id": jo},
            {"id": to_base64("Payment", w.payment.id)},
        ),
        ("2026-11-01", "Leeds City Council", 0, 120_000, "MONEY_IN", None, None),
    ]
    assert [n["statusMessage"] for n in found] == [
        "£900.00 for 7 days is more than 10 hours a week at the agreed £14.50 an hour allow (£160.95).",
        "No agreement of this person's is with a provider of this name.",
        "Paid on 17 Nov 2026, after the agreement with Kim Care Ltd ended on 31 Aug 2026.",
        "Paid to Jo Bloggs under the agreement; no payment was recorded for it.",
        "The payment of £145.00 to Jo Bloggs for 2 Nov 2026 to 8 Nov 2026.",
        "Money paid in: nothing to reconcile.",
    ]
    assert [n["balance"] for n in found] == [-18_000, 72_000, 112_000, 121_000, 135_500, 150_000]


async def test_importing_the_same_statement_again_changes_nothing(api, db):
    w = await world(db)
    first = (await api.data(IMPORT, w.import_input(BANK), as_user=w.broker))["importStatement"]
    before = (await lines(api, w.broker))["nodes"]

    again = (await api.data(IMPORT, w.import_input(BANK), as_user=w.holder_user))["importStatement"]

    assert again["userErrors"] == []
    assert (again["linesRead"], again["linesAdded"], again["linesAlreadyImported"]) == (6, 0, 6)
    assert again["statement"] == first["statement"]
    assert again["addedByStatus"] == []
    assert (await lines(api, w.broker))["nodes"] == before
    assert await count(db, AccountStatement) == 1
    assert await count(db, StatementLine) == 6


async def test_an_overlapping_statement_adds_only_its_new_lines(api, db):
    """December's export repeats the last two November lines; two identical coffees on one day are
    two lines, and stay two when the next export repeats that day."""
    w = await world(db)
    november = "Date,Payee,Amount,Reference\n" + "\n".join(
        [
            "2026-11-18,Sunny Holidays,-400.00,",
            "2026-11-20,Corner Cafe,-4.50,",
            "2026-11-20,Corner Cafe,-4.50,",
        ]
    )
    overlapping = november + "\n2026-11-21,Corner Cafe,-4.50,\n2026-11-22,Jo Bloggs,-145.00,wk4\n"
    await api.data(IMPORT, w.import_input(november), as_user=w.broker)

    result = (await api.data(IMPORT, w.import_input(overlapping), as_user=w.broker))["importStatement"]

    assert (result["linesRead"], result["linesAdded"], result["linesAlreadyImported"]) == (5, 2, 3)
    assert result["statement"]["linesAdded"] == 2
    found = (await lines(api, w.broker))["nodes"]
    assert [(n["postedOn"], n["payee"]) for n in found] == [
        ("2026-11-22", "Jo Bloggs"),
        ("2026-11-21", "Corner Cafe"),
        ("2026-11-20", "Corner Cafe"),
        ("2026-11-20", "Corner Cafe"),
        ("2026-11-18", "Sunny Holidays"),
    ]
    assert await count(db, AccountStatement) == 2
    third = (await api.data(IMPORT, w.import_input(overlapping), as_user=w.broker))["importStatement"]
    assert (third["linesAdded"], third["linesAlreadyImported"]) == (0, 5)
    assert await count(db, StatementLine) == 5


async def test_a_balance_that_does_not_add_up_is_reported_on_the_payload_and_the_statement(api, db):
    """£20 left the account on 17 November that the export does not show: every balance from there on is
    £20 short, and the check names the first line where the balances stop following."""
    w = await world(db)
    wrong = BANK.replace(",1120.00", ",1100.00").replace(",720.00", ",700.00").replace(",-180.00", ",-200.00")

    result = (await api.data(IMPORT, w.import_input(wrong), as_user=w.broker))["importStatement"]

    assert result["userErrors"] == []
    assert result["linesAdded"] == 6
    assert result["balanceCheck"] == {
        "opening": 30_000,
        "closing": -20_000,
        "expectedClosing": -18_000,
        "matches": False,
        "mismatchLines": [5],
        "mismatches": 1,
    }
    statement = result["statement"]
    assert (statement["balanceChecked"], statement["balanceMismatchLines"]) == (False, [5])
    assert (statement["closingBalance"], statement["expectedClosingBalance"]) == (-20_000, -18_000)


async def test_a_card_export_flags_a_category_the_council_blocks(api, db):
    w = await world(db, blocked=("7995",))
    card = (
        "Date,Merchant,MCC,Amount,Reference\n"
        "2026-11-10 14:02:11,SQ *JO BLOGGS,7299,145.00,C-1\n"
        "2026-11-11,Lucky Bets,7995,20.00,C-2\n"
        "2026-11-12,Card load,,-500.00,LOAD\n"
    )

    result = (await api.data(IMPORT, w.import_input(card, "PREPAID_CARD"), as_user=w.broker))[
        "importStatement"
    ]

    assert result["userErrors"] == []
    assert result["balanceCheck"] is None
    assert result["statement"]["balanceChecked"] is None
    found = (await lines(api, w.broker))["nodes"]
    assert [
        (n["payee"], n["merchantCategoryCode"], n["paidOut"], n["paidIn"], n["status"]) for n in found
    ] == [
        ("Card load", None, 0, 50_000, "MONEY_IN"),
        ("Lucky Bets", "7995", 2_000, 0, "BLOCKED_CATEGORY"),
        ("SQ *JO BLOGGS", "7299", 14_500, 0, "MATCHED"),
    ]
    assert (
        found[1]["statusMessage"] == "Paid under merchant category 7995, which the council's DP rules block."
    )


async def test_a_paid_out_paid_in_export_newest_first_with_pounds_and_commas(api, db):
    w = await world(db)
    export = (
        "Date,Transaction type,Description,Paid out,Paid in,Balance\n"
        '20/11/2026,DEB,SUNNY HOLIDAYS,£400.00,,"£1,100.00"\n'
        '09/11/2026,FPO,JO BLOGGS INV-1102,£145.00,,"£1,500.00"\n'
        '01/11/2026,BGC,LEEDS CITY COUNCIL,,"£1,200.00","£1,645.00"\n'
    )

    result = (await api.data(IMPORT, w.import_input(export, "BANK_PAID_OUT_PAID_IN"), as_user=w.broker))[
        "importStatement"
    ]

    assert result["userErrors"] == []
    assert result["balanceCheck"]["opening"] == 44_500
    assert (result["balanceCheck"]["closing"], result["balanceCheck"]["matches"]) == (110_000, True)
    found = (await lines(api, w.broker))["nodes"]
    assert [(n["postedOn"], n["paidOut"], n["paidIn"], n["status"]) for n in found] == [
        ("2026-11-20", 40_000, 0, "UNMATCHED"),
        ("2026-11-09", 14_500, 0, "MATCHED"),
        ("2026-11-01", 0, 120_000, "MONEY_IN"),
    ]
    assert found[1]["payment"] == {"id": to_base64("Payment", w.payment.id)}


async def test_a_custom_export_is_read_through_its_column_mapping(api, db):
    w = await world(db)
    export = (
        "Posted,Details,Value,Our ref\n"
        "11/09/2026,Jo Bloggs,145.00,INV-1102\n"
        "11/18/2026,Sunny Holidays,400.00,\n"
    )
    mapping = {
        "date": "posted",
        "payee": "Details",
        "amount": "Value",
        "reference": "Our ref",
        "dateFormat": "MONTH_DAY_YEAR",
        "moneyOut": "POSITIVE",
    }

    result = (
        await api.data(IMPORT, w.import_input(export, "CUSTOM", columnMapping=mapping), as_user=w.broker)
    )["importStatement"]

    assert result["userErrors"] == []
    found = (await lines(api, w.broker))["nodes"]
    assert [(n["postedOn"], n["paidOut"], n["reference"], n["status"]) for n in found] == [
        ("2026-11-18", 40_000, "", "UNMATCHED"),
        ("2026-11-09", 14_500, "INV-1102", "MATCHED"),
    ]


async def test_a_custom_format_needs_a_mapping_that_names_its_money(api, db):
    w = await world(db)

    missing = (await api.data(IMPORT, w.import_input("a,b\n1,2\n", "CUSTOM"), as_user=w.broker))[
        "importStatement"
    ]
    no_money = (
        await api.data(
            IMPORT,
            w.import_input("a,b\n1,2\n", "CUSTOM", columnMapping={"date": "a", "payee": "a"}),
            as_user=w.broker,
        )
    )["importStatement"]

    assert missing["userErrors"] == [
        {
            "field": "input.columnMapping",
            "message": "A CUSTOM statement needs a column mapping.",
            "code": "REQUIRED",
        }
    ]
    assert no_money["userErrors"] == [
        {
            "field": "input.columnMapping.amount",
            "message": "Name the amount column, or the paid out and paid in columns.",
            "code": "REQUIRED",
        },
        {
            "field": "input.columnMapping.payee",
            "message": "This column is already mapped to the date.",
            "code": "DUPLICATE",
        },
    ]
    assert await count(db, StatementLine) == 0


async def test_bad_lines_are_named_by_line_and_column_and_nothing_is_imported(api, db):
    w = await world(db)
    bad = (
        "Date,Payee,Amount,Reference\n"
        "2026-11-09,Jo Bloggs,-145.00,ok\n"
        "2026-13-01,Jo Bloggs,-145.00,bad month\n"
        "2026-11-10,,-12.345,no payee\n"
        "2026-11-11,Shop,,no amount\n"
    )

    result = (await api.data(IMPORT, w.import_input(bad), as_user=w.broker))["importStatement"]

    assert result["statement"] is None
    assert result["userErrors"] == [
        {
            "field": "input.file.3.date",
            "message": "Line 3, column 'Date': '2026-13-01' is not a day of the calendar.",
            "code": "INVALID",
        },
        {
            "field": "input.file.4.payee",
            "message": "Line 4, column 'Payee': The payee is missing.",
            "code": "INVALID",
        },
        {
            "field": "input.file.4.amount",
            "message": "Line 4, column 'Amount': '-12.345' is not an amount of money: write pounds and "
            "pence, e.g. 12.50.",
            "code": "INVALID",
        },
        {
            "field": "input.file.5.amount",
            "message": "Line 5, column 'Amount': The amount is missing.",
            "code": "INVALID",
        },
    ]
    assert await count(db, StatementLine) == 0
    assert await count(db, AccountStatement) == 0


async def test_a_file_in_another_format_is_told_which_columns_it_lacks(api, db):
    w = await world(db)

    result = (await api.data(IMPORT, w.import_input(BANK, "PREPAID_CARD"), as_user=w.broker))[
        "importStatement"
    ]

    assert result["userErrors"] == [
        {
            "field": "input.file.1",
            "message": "Line 1: the header has no 'Merchant', 'MCC' column; is this the right format?",
            "code": "INVALID",
        }
    ]
