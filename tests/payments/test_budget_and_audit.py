"""Budget statements and the annual DP audit (GraphQL and `broker audit`)."""

from __future__ import annotations

import asyncio
import csv
import shutil
from datetime import UTC, date, datetime

from strawberry.relay import to_base64
from typer.testing import CliRunner

from broker.accounts.models import Role, User
from broker.agreements.models import Agreement, AgreementStatus
from broker.cli import app
from broker.db import Database
from broker.holders.models import DPHolder
from broker.payments.audit import AuditFlagCode, flags_for
from broker.payments.models import Payment
from tests.factories import (
    make_agreement,
    make_council,
    make_holder,
    make_payment,
    make_plan,
    make_provider,
    make_user,
    reload,
)

STATEMENT = """
query($holder: ID!, $from: Date!, $to: Date!) { budgetStatement(holderId: $holder, from: $from, to: $to) {
  from to allocatedPence committedPence spentPence inFlightPence unspentPence
  forecast { yearStart yearEnd allocatedPence spentToDatePence stillCommittedPence projectedSpendPence
             projectedUnspentPence }
} }
"""
AUDIT = """
query($year: Int!) { annualAudit(year: $year) {
  year yearStart yearEnd contingencyWeeks reclaimablePence flaggedPayments
  holders { allocatedPence spentPence unspentPence contingencyPence reclaimablePence payments
            flags { code message } }
} }
"""


async def _since_april(db, holder) -> None:
    async with db.transaction() as session:
        row = await session.get(DPHolder, holder.id)
        row.created_at = datetime(2026, 4, 1, tzinfo=UTC)


async def statement_world(db):
    """Amina: £300 a week; Jo: 10 hours a week at £14.50 (£145) since 6 April 2026."""
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    amina = await make_holder(db, council, weekly_budget_pence=30_000)
    plan = await make_plan(db, amina)
    jo_user = await make_user(db, Role.PROVIDER, council)
    jo = await make_provider(db, council, owner=jo_user, name="Jo")
    agreement = await make_agreement(db, plan, jo, created_by=broker)
    for start in (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)):
        await make_payment(db, agreement, period_start=start)
    await make_payment(
        db,
        agreement,
        period_start=date(2026, 11, 9),
        hours=2,
        status="PARTIALLY_REFUNDED",
        refunded_pence=1450,
    )
    await make_payment(db, agreement, period_start=date(2026, 11, 23), method="CARD", status="PROCESSING")
    await make_payment(db, agreement, period_start=date(2026, 11, 23), method="CARD", status="FAILED")
    return council, broker, amina, jo_user, agreement


async def test_budget_statement_adds_up_allocated_committed_spent_and_forecast(api, db):
    _, broker, amina, _, _ = await statement_world(db)

    statement = (
        await api.data(
            STATEMENT,
            {"holder": to_base64("DPHolder", amina.id), "from": "2026-11-02", "to": "2026-11-29"},
            as_user=broker,
        )
    )["budgetStatement"]

    assert statement == {
        "from": "2026-11-02",
        "to": "2026-11-29",
        "allocatedPence": 120_000,  # 4 weeks x £300
        "committedPence": 58_000,  # 4 weeks x 10 h x £14.50
        "spentPence": 44_950,  # 3 x £145 + £29 less £14.50 refunded; failed and unsettled left out
        "inFlightPence": 14_500,
        "unspentPence": 75_050,
        "forecast": {
            "yearStart": "2026-04-01",
            "yearEnd": "2027-03-31",
            "allocatedPence": 1_564_286,  # 365 days x £300 / 7
            "spentToDatePence": 44_950,
            "stillCommittedPence": 252_714,  # 30 Nov to 31 Mar: 122 days x £145 / 7
            "projectedSpendPence": 297_664,
            "projectedUnspentPence": 1_266_622,
        },
    }


async def test_holders_read_their_own_statement_and_nobody_elses(api, db):
    council, _, amina, jo_user, _ = await statement_world(db)
    amina_user = await reload(db, User, amina.user_id)
    other = await make_holder(db, council)
    other_user = await reload(db, User, other.user_id)
    other_broker = await make_user(db, Role.BROKER, await make_council(db))
    variables = {"holder": to_base64("DPHolder", amina.id), "from": "2026-11-02", "to": "2026-11-29"}

    own = await api.execute(STATEMENT, variables, as_user=amina_user)
    refused = {
        name: await api.execute(STATEMENT, variables, as_user=user)
        for name, user in [
            ("provider", jo_user),
            ("other holder", other_user),
            ("other council", other_broker),
        ]
    }

    assert own["data"]["budgetStatement"]["spentPence"] == 44_950
    for body in refused.values():
        assert body["data"] == {"budgetStatement": None}
        assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
            ("No DP holder with this ID.", "NOT_FOUND")
        ]


async def test_a_statement_period_that_ends_before_it_starts_is_refused(api, db):
    _, broker, amina, _, _ = await statement_world(db)

    body = await api.execute(
        STATEMENT,
        {"holder": to_base64("DPHolder", amina.id), "from": "2026-11-29", "to": "2026-11-02"},
        as_user=broker,
    )

    assert [(e["extensions"]["field"], e["extensions"]["code"]) for e in body["errors"]] == [
        ("to", "OUT_OF_RANGE")
    ]


async def audit_world(db):
    """Amina (£300 a week since April) paid Jo under an agreement that ended on 31 October 2026, with
    four payments that break the rules and one that does not; Bilal (£200 a week) spent nothing."""
    council, broker, amina, _, _ = await statement_world(db)
    await _since_april(db, amina)
    plan = await make_plan(db, amina)
    kim = await make_provider(db, council, name="Kim")
    ended = await make_agreement(
        db, plan, kim, created_by=broker, status="ENDED", end_date=date(2026, 10, 31)
    )
    await make_payment(db, ended, period_start=date(2026, 10, 5))
    await make_payment(db, ended, period_start=date(2026, 10, 26))  # runs to 1 November
    await make_payment(db, ended, period_start=date(2026, 10, 12), amount_pence=16_000)
    await make_payment(db, ended, period_start=date(2026, 10, 19), hours=12)
    await make_payment(db, ended, period_start=date(2026, 4, 1))  # before 6 April
    bilal = await make_holder(db, council, weekly_budget_pence=20_000)
    await _since_april(db, bilal)
    return broker


async def test_annual_audit_flags_payments_and_computes_what_is_reclaimable(api, db):
    broker = await audit_world(db)

    audit = (await api.data(AUDIT, {"year": 2026}, as_user=broker))["annualAudit"]

    amina, bilal = audit["holders"]
    assert (audit["year"], audit["yearStart"], audit["yearEnd"], audit["contingencyWeeks"]) == (
        2026,
        "2026-04-01",
        "2027-03-31",
        4.0,
    )
    spent = 44_950 + 14_500 * 3 + 16_000 + 17_400
    assert {k: v for k, v in amina.items() if k != "flags"} == {
        "allocatedPence": 1_564_286,
        "spentPence": spent,
        "unspentPence": 1_564_286 - spent,
        "contingencyPence": 120_000,
        "reclaimablePence": 1_564_286 - spent - 120_000,
        "payments": 9,
    }
    assert amina["flags"] == [
        {
            "code": "OUTSIDE_AGREEMENT",
            "message": "Paid for care from 1 Apr 2026, before the agreement began on 6 Apr 2026.",
        },
        {
            "code": "ABOVE_AGREED_RATE",
            "message": "£160.00 for 10 hours is £16.00 an hour, above the agreed £14.50.",
        },
        {"code": "OVER_PLAN_HOURS", "message": "12 hours paid where the plan allows 10 for this period."},
        {
            "code": "AFTER_AGREEMENT_ENDED",
            "message": "Paid for care to 1 Nov 2026, after the agreement ended on 31 Oct 2026.",
        },
    ]
    assert bilal == {
        "allocatedPence": 1_042_857,
        "spentPence": 0,
        "unspentPence": 1_042_857,
        "contingencyPence": 80_000,
        "reclaimablePence": 962_857,
        "payments": 0,
        "flags": [],
    }
    assert audit["reclaimablePence"] == amina["reclaimablePence"] + 962_857
    assert audit["flaggedPayments"] == 4


async def test_only_council_staff_audit(api, db):
    await audit_world(db)
    async with db.session() as session:
        from sqlalchemy import select

        holder_user = (
            (await session.execute(select(User).where(User.role == Role.DP_HOLDER))).scalars().first()
        )

    body = await api.execute(AUDIT, {"year": 2026}, as_user=holder_user)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_payment_within_its_agreement_and_plan_raises_no_flag():
    agreement = Agreement(
        council_id=1,
        holder_id=1,
        plan_id=1,
        provider_id=1,
        status=AgreementStatus.ACTIVE,
        hours_per_week=10,
        hourly_rate_pence=1450,
        start_date=date(2026, 4, 6),
        created_by_id=1,
    )
    fortnight = Payment(
        id=7,
        idempotency_key="k",
        agreement_id=1,
        council_id=1,
        holder_id=1,
        provider_id=1,
        period_start=date(2026, 5, 4),
        period_end=date(2026, 5, 17),
        hours=19.5,
        amount_pence=28_275,
        method="BANK_TRANSFER",
        recorded_by_id=1,
    )

    assert flags_for(fortnight, agreement, plan_hours_per_week=10) == []
    fortnight.amount_pence = 28_276
    assert [f.code for f in flags_for(fortnight, agreement, plan_hours_per_week=10)] == [
        AuditFlagCode.ABOVE_AGREED_RATE
    ]


def test_broker_audit_writes_the_csv_with_a_progress_bar(sqlite_template, tmp_path, monkeypatch):
    path = tmp_path / "broker.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"

    async def given() -> None:
        db = Database(url)
        try:
            await audit_world(db)
        finally:
            await db.dispose()

    asyncio.run(given())
    monkeypatch.setenv("BROKER_DATABASE_URL", url)
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    output = tmp_path / "audit.csv"

    result = CliRunner().invoke(
        app, ["audit", "--council", "Leeds City Council", "--year", "2026", "--output", str(output)]
    )

    assert result.exit_code == 0, result.output
    assert "Audited 2 DP holders of Leeds City Council for 2026-27" in result.stdout
    rows = list(csv.DictReader(output.open()))
    assert [(r["dp_holder_id"], r["reclaimable_pence"], r["flagged_payments"]) for r in rows] == [
        ("1", str(1_564_286 - 44_950 - 14_500 * 3 - 16_000 - 17_400 - 120_000), "4"),
        ("2", "962857", "0"),
    ]
    assert rows[0]["flags"].count("payment ") == 4


def test_broker_audit_refuses_an_unknown_council(sqlite_template, tmp_path, monkeypatch):
    path = tmp_path / "broker.db"
    shutil.copy(sqlite_template, path)
    monkeypatch.setenv("BROKER_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(app, ["audit", "--council", "Nowhere", "--year", "2026"])

    assert result.exit_code == 1
    assert "No council called 'Nowhere'." in result.output
