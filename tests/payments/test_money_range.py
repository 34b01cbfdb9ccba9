"""Money beyond 32 bits: `Pence` fields carry it, the deprecated `Int` fields say where to look, and a
statement, the audit and `broker audit` answer whatever rows the database holds."""

from __future__ import annotations

import asyncio
import csv
from datetime import date

from sqlalchemy import select
from strawberry.relay import to_base64
from typer.testing import CliRunner

from broker.accounts.models import Role
from broker.agreements.models import Agreement
from broker.cli import app
from broker.db import Database
from tests.factories import (
    make_agreement,
    make_council,
    make_holder,
    make_payment,
    make_plan,
    make_provider,
    make_user,
)

HUGE = 2**62  # £46 quadrillion: fits 64 bits, not 32
STATEMENT = """
query($holder: ID!) { budgetStatement(holderId: $holder, from: "2026-11-16", to: "2026-11-22") {
  allocated committed spent inFlight unspent forecast { spentToDate projectedSpend }
} }
"""
AUDIT = """
query { annualAudit(year: 2026) {
  reclaimable flaggedPayments holders { spent unspent reclaimable payments flags { code message } }
} }
"""


async def extreme_world(db):
    """Amina (£300 a week, 10 hours a week with Jo at £14.50) and two rows no rule would let in: £46
    quadrillion for 1e308 hours, and £10 for infinite hours."""
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    amina = await make_holder(db, council, weekly_budget_pence=30_000)
    jo = await make_provider(db, council, name="Jo")
    agreement = await make_agreement(db, await make_plan(db, amina), jo, created_by=broker)
    await make_payment(db, agreement, period_start=date(2026, 11, 16), hours=1e308, amount_pence=HUGE)
    await make_payment(db, agreement, period_start=date(2026, 11, 16), hours=float("inf"), amount_pence=1_000)
    return broker, amina


async def test_a_statement_carries_64_bit_pence_whatever_the_rows(api, db):
    broker, amina = await extreme_world(db)

    statement = (await api.data(STATEMENT, {"holder": to_base64("DPHolder", amina.id)}, as_user=broker))[
        "budgetStatement"
    ]

    assert statement == {
        "allocated": 30_000,
        "committed": 14_500,
        "spent": HUGE + 1_000,
        "inFlight": 0,
        "unspent": 30_000 - HUGE - 1_000,
        "forecast": {"spentToDate": HUGE + 1_000, "projectedSpend": HUGE + 1_000 + 267_214},
    }


async def test_a_deprecated_int_field_too_small_for_the_amount_says_which_field_to_read(api, db):
    broker, amina = await extreme_world(db)

    body = await api.execute(
        """query($holder: ID!) { budgetStatement(holderId: $holder, from: "2026-11-16", to: "2026-11-22") {
          allocatedPence spentPence } }""",
        {"holder": to_base64("DPHolder", amina.id)},
        as_user=broker,
    )

    assert body["data"] == {"budgetStatement": None}
    assert [{k: v for k, v in e.items() if k != "locations"} for e in body["errors"]] == [
        {
            "message": "This amount does not fit a 32-bit Int; read `spent` (Pence, 64-bit) instead.",
            "path": ["budgetStatement", "spentPence"],
            "extensions": {"code": "OUT_OF_RANGE", "field": None},
        }
    ]


async def test_a_payment_of_more_than_32_bits_reads_in_full_as_pence(api, db):
    broker, _ = await extreme_world(db)

    nodes = (await api.data("{ payments { nodes { amount } } }", as_user=broker))["payments"]["nodes"]
    legacy = await api.execute("{ payments { nodes { amountPence } } }", as_user=broker)

    assert sorted(p["amount"] for p in nodes) == [1_000, HUGE]
    assert [(e["message"], e["extensions"]["code"]) for e in legacy["errors"]] == [
        ("This amount does not fit a 32-bit Int; read `amount` (Pence, 64-bit) instead.", "OUT_OF_RANGE")
    ]


async def test_the_annual_audit_answers_and_flags_impossible_rows(api, db):
    broker, _ = await extreme_world(db)

    audit = (await api.data(AUDIT, as_user=broker))["annualAudit"]

    (amina,) = audit["holders"]
    assert amina["spent"] == HUGE + 1_000
    assert amina["reclaimable"] == 0
    assert audit["reclaimable"] == 0
    assert audit["flaggedPayments"] == 2
    assert amina["flags"] == [
        {"code": "OVER_PLAN_HOURS", "message": "1e+308 hours paid where the plan allows 10 for this period."},
        {"code": "OVER_PLAN_HOURS", "message": "inf hours paid where the plan allows 10 for this period."},
    ]


def test_broker_audit_writes_the_csv_whatever_the_rows(database_url, tmp_path, monkeypatch):
    async def given() -> None:
        db = Database(database_url)
        try:
            await extreme_world(db)
        finally:
            await db.dispose()

    asyncio.run(given())
    monkeypatch.setenv("BROKER_DATABASE_URL", database_url)
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    output = tmp_path / "audit.csv"

    result = CliRunner().invoke(
        app, ["audit", "--council", "Leeds City Council", "--year", "2026", "--output", str(output)]
    )

    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader(output.open()))
    assert (row["spent_pence"], row["reclaimable_pence"], row["flagged_payments"]) == (
        str(HUGE + 1_000),
        "0",
        "2",
    )


async def test_a_statement_names_an_agreement_whose_hours_cannot_be_costed(api, db):
    broker, amina = await extreme_world(db)
    async with db.transaction() as session:
        agreement = (await session.execute(select(Agreement))).scalar_one()
        agreement.hours_per_week = float("inf")

    body = await api.execute(STATEMENT, {"holder": to_base64("DPHolder", amina.id)}, as_user=broker)

    assert body["data"] == {"budgetStatement": None}
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        (
            f"Agreement {agreement.id} has inf hours a week, which cannot be costed; correct the agreement.",
            "INVALID_STATE",
        )
    ]
