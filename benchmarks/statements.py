"""`importStatement` throughput: import and reconcile a 10,000-line statement for one DP holder through
/graphql, then a council's DP year of statements (by default 500 holders x 1,000 lines = 500,000 lines)
through the service as `broker import-statement` calls it; lines a second.

    .venv/bin/python -m benchmarks.statements [--lines 10000] [--holders 500] [--lines-per-holder 1000]
        [--database-url postgresql://...]

Each holder has two agreements (a PA paid weekly with a recorded payment for every week, an agency
paid weekly with none recorded) and a year of bank statement lines with running balances: the PA's
weekly pay (MATCHED to its payment), the agency's (MATCHED to the agreement), a monthly council
top-up (MONEY_IN) and everyday card spending (UNMATCHED). So every check of the reconciliation rule
runs, and the balance check on every line. On a fresh SQLite file by default, or on the PostgreSQL
database given (whose tables are dropped first).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert
from strawberry.relay import to_base64

from benchmarks.machine import describe
from benchmarks.payments import _empty_postgres
from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.api.clock import FixedClock
from broker.app import create_app
from broker.db import Database, migrate
from broker.geography.service import load_districts, read_geography_csv
from broker.payments.models import Payment, PaymentMethod, PaymentStatus
from broker.providers.models import ProviderKind
from broker.settings import Settings
from broker.statements.importing import StatementImport, import_statement
from broker.statements.models import StatementFormat
from seed import DEMO_DISTRICTS
from tests.client import GraphQLClient
from tests.factories import make_agreement, make_council, make_holder, make_plan, make_provider, make_user

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
YEAR_START = date(2025, 11, 24)  # a Monday, a year before the clock
IMPORT = """mutation($input: ImportStatementInput!) { importStatement(input: $input) {
  linesRead linesAdded balanceCheck { matches } addedByStatus { status lines } userErrors { message } } }"""
SHOPS = ("Corner Cafe", "Tesco Stores", "Boots", "Leeds Bus", "Post Office", "Greggs", "Argos", "Library")


def statement_text(lines: int, seed: int, *, pa: str, agency: str) -> str:
    """A bank CSV of `lines` lines over the year from YEAR_START, oldest first, with balances."""
    rng = random.Random(seed)
    rows: list[tuple[date, str, int, str]] = []
    per_week = max(1, lines // 52)
    week = 0
    while len(rows) < lines:
        monday = YEAR_START + timedelta(weeks=week % 52)
        rows.append((monday + timedelta(days=7), pa, -14_500, f"PAY-{seed}-{week}"))
        if len(rows) < lines:
            rows.append((monday + timedelta(days=8), agency, -21_000, f"AG{week}"))
        if week % 4 == 0 and len(rows) < lines:
            rows.append((monday, "Council DP payment", 160_000, "DP"))
        for _ in range(per_week - 3):
            if len(rows) >= lines:
                break
            rows.append(
                (monday + timedelta(days=rng.randrange(7)), rng.choice(SHOPS), -rng.randrange(100, 4_000), "")
            )
        week += 1
    rows = [r for r in rows if r[0] <= NOW.date()]
    rows.sort(key=lambda r: r[0])
    balance = 50_000
    out = ["Date,Payee,Amount,Reference,Balance"]
    for day, payee, pence, reference in rows:
        balance += pence
        sign = "-" if pence < 0 else ""
        out.append(
            f"{day},{payee},{sign}{abs(pence) // 100}.{abs(pence) % 100:02d},{reference},{balance / 100:.2f}"
        )
    return "\n".join(out) + "\n"


async def _holder(db: Database, council, broker, pa, agency, index: int):
    holder = await make_holder(db, council)
    plan = await make_plan(db, holder)
    pa_agreement = await make_agreement(
        db, plan, pa, created_by=broker, start_date=date(2025, 4, 7), enqueue=False
    )
    await make_agreement(
        db,
        plan,
        agency,
        created_by=broker,
        hourly_rate_pence=2_100,
        start_date=date(2025, 4, 7),
        enqueue=False,
    )
    async with db.transaction() as session:
        await session.execute(
            insert(Payment),
            [
                {
                    "idempotency_key": f"PAY-{index}-{week}",
                    "agreement_id": pa_agreement.id,
                    "council_id": council.id,
                    "holder_id": holder.id,
                    "provider_id": pa.id,
                    "period_start": YEAR_START + timedelta(weeks=week),
                    "period_end": YEAR_START + timedelta(weeks=week, days=6),
                    "hours": 10.0,
                    "amount_pence": 14_500,
                    "refunded_pence": 0,
                    "method": PaymentMethod.BANK_TRANSFER,
                    "status": PaymentStatus.SUCCEEDED,
                    "recorded_by_id": broker.id,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for week in range(52)
            ],
        )
    return holder


async def run(database_url: str, lines: int, holders: int, lines_per_holder: int) -> None:
    migrate(database_url)
    settings = Settings(environment="test", database_url=database_url, data_dir=Path(tempfile.mkdtemp()))
    db = Database(database_url)
    async with db.transaction() as session:
        await load_districts(session, read_geography_csv(DEMO_DISTRICTS))
    council = await make_council(db, "Benchmark Council")
    broker = await make_user(db, Role.BROKER, council)
    pa = await make_provider(db, council, name="Jo Bloggs")
    agency = await make_provider(db, council, kind=ProviderKind.AGENCY, name="Brighter Homecare Ltd")
    started = time.perf_counter()
    one = await _holder(db, council, broker, pa, agency, 0)
    population = [await _holder(db, council, broker, pa, agency, i) for i in range(1, holders + 1)]
    print(
        f"seeded {holders + 1} holders with agreements and a year of payments "
        f"in {time.perf_counter() - started:.0f} s"
    )

    app = create_app(settings, clock=FixedClock(NOW), db=db)
    transport = httpx.ASGITransport(app=app)
    big = statement_text(lines, 0, pa="JO BLOGGS", agency="BRIGHTER HOMECA")
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        client = GraphQLClient(http, settings=settings, clock=FixedClock(NOW))
        variables = {"input": {"holderId": to_base64("DPHolder", one.id), "format": "BANK_CSV", "file": big}}
        started = time.perf_counter()
        result = (await client.data(IMPORT, variables, as_user=broker))["importStatement"]
        elapsed = time.perf_counter() - started
        assert not result["userErrors"], result["userErrors"][:3]
        statuses = ", ".join(f"{s['lines']} {s['status']}" for s in result["addedByStatus"])
        print(
            f"one holder, {result['linesAdded']:,} lines ({len(big) / 1e6:.2f} MB) through /graphql: "
            f"{elapsed:.2f} s = {result['linesAdded'] / elapsed:,.0f} lines/s; "
            f"balances add up: {result['balanceCheck']['matches']}; {statuses}"
        )
        started = time.perf_counter()
        again = (await client.data(IMPORT, variables, as_user=broker))["importStatement"]
        elapsed = time.perf_counter() - started
        print(
            f"the same file again: {again['linesAdded']} added in {elapsed:.2f} s = "
            f"{again['linesRead'] / elapsed:,.0f} lines/s"
        )

    system = Actor(user_id=0, role=Role.ADMIN, council_id=None)
    texts = [
        statement_text(lines_per_holder, h.id, pa="Jo Bloggs", agency="Brighter Homecare") for h in population
    ]
    total = 0
    started = time.perf_counter()
    for holder, text in zip(population, texts, strict=True):
        async with db.transaction() as session:
            done = await import_statement(
                session,
                actor=system,
                command=StatementImport(holder_id=holder.id, format=StatementFormat.BANK_CSV, file=text),
                now=NOW,
                today=NOW.date(),
            )
        total += done.lines_added
    elapsed = time.perf_counter() - started
    print(
        f"a council's year: {holders} holders x {lines_per_holder:,} lines = {total:,} lines "
        f"in {elapsed:.1f} s = {total / elapsed:,.0f} lines/s (one import per holder, one transaction each)"
    )
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--holders", type=int, default=500)
    parser.add_argument("--lines-per-holder", type=int, default=1_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (emptied first); default SQLite")
    args = parser.parse_args()
    url = args.database_url
    if url:
        _empty_postgres(url)
        label = "PostgreSQL"
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/statements.db"
        label = "SQLite"
    print(f"machine: {describe()}; database: {label}")
    asyncio.run(run(url, args.lines, args.holders, args.lines_per_holder))


if __name__ == "__main__":
    main()
