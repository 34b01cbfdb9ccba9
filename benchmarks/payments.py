"""`recordPayment` throughput (offline ledger, BANK_TRANSFER) and `budgetStatement` latency for a holder
with three years of weekly payments.

    .venv/bin/python -m benchmarks.payments [--payments 2000] [--concurrency 8] [--statements 300]
        [--database-url postgresql://...]

Runs in-process through /graphql (httpx ASGI transport: parsing, validation, permissions, the
transaction, JSON), on a fresh SQLite file by default or on the PostgreSQL database given (whose tables
are emptied first). Each recordPayment has its own idempotency key, so every one writes a row.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from strawberry.relay import to_base64

from benchmarks.machine import describe
from broker.accounts.models import Role
from broker.api.clock import FixedClock
from broker.app import create_app
from broker.db import Database, migrate, sync_url
from broker.geography.service import load_districts, read_geography_csv
from broker.metadata import metadata
from broker.payments.models import Payment, PaymentMethod, PaymentStatus
from broker.settings import Settings
from seed import DEMO_DISTRICTS
from tests.client import GraphQLClient
from tests.factories import make_agreement, make_council, make_holder, make_plan, make_provider, make_user

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
THREE_YEARS_AGO = date(2023, 11, 27)  # a Monday
RECORD = """mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
  payment { id status } userErrors { code } } }"""
STATEMENT = """query($holder: ID!, $from: Date!, $to: Date!) {
  budgetStatement(holderId: $holder, from: $from, to: $to) {
    allocatedPence committedPence spentPence unspentPence
    forecast { projectedSpendPence projectedUnspentPence } } }"""


def _empty_postgres(url: str) -> None:
    with psycopg.connect(sync_url(url).replace("+psycopg", "")) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


async def _world(db: Database):
    async with db.transaction() as session:
        await load_districts(session, read_geography_csv(DEMO_DISTRICTS))
    council = await make_council(db, "Benchmark Council")
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)
    plan = await make_plan(db, holder)
    provider = await make_provider(db, council)
    agreement = await make_agreement(db, plan, provider, created_by=broker, start_date=THREE_YEARS_AGO)
    weeks = (NOW.date() - THREE_YEARS_AGO).days // 7
    async with db.transaction() as session:
        session.add_all(
            Payment(
                idempotency_key=f"history-{week}",
                agreement_id=agreement.id,
                council_id=agreement.council_id,
                holder_id=agreement.holder_id,
                provider_id=agreement.provider_id,
                period_start=THREE_YEARS_AGO + timedelta(weeks=week),
                period_end=THREE_YEARS_AGO + timedelta(weeks=week, days=6),
                hours=10,
                amount_pence=14_500,
                method=PaymentMethod.BANK_TRANSFER,
                status=PaymentStatus.SUCCEEDED,
                recorded_by_id=broker.id,
                created_at=NOW,
                updated_at=NOW,
            )
            for week in range(weeks)
        )
    return broker, holder, agreement, weeks


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(database_url: str, payments: int, concurrency: int, statements: int) -> None:
    migrate(database_url)
    settings = Settings(environment="test", database_url=database_url, data_dir=Path(tempfile.mkdtemp()))
    db = Database(database_url)
    broker, holder, agreement, weeks = await _world(db)
    app = create_app(settings, clock=FixedClock(NOW), db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        client = GraphQLClient(http, settings=settings, clock=FixedClock(NOW))
        agreement_id = to_base64("Agreement", agreement.id)

        def payment(index: int) -> dict:
            return {
                "input": {
                    "agreementId": agreement_id,
                    "periodStart": "2026-11-16",
                    "periodEnd": "2026-11-22",
                    "hours": 10,
                    "amountPence": 14_500,
                    "method": "BANK_TRANSFER",
                    "idempotencyKey": f"bench-{index}",
                }
            }

        variables = {
            "holder": to_base64("DPHolder", holder.id),
            "from": str(THREE_YEARS_AGO),
            "to": "2026-11-22",
        }
        await client.data(STATEMENT, variables, as_user=broker)
        timings = []
        for _ in range(statements):
            started = time.perf_counter()
            await client.data(STATEMENT, variables, as_user=broker)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"budgetStatement over {weeks} weekly payments: "
            f"p50 {statistics.median(timings):.1f} ms, p95 {_percentile(timings, 0.95):.1f} ms, "
            f"max {max(timings):.1f} ms over {statements} requests"
        )
        queue = list(range(payments))
        failures = 0

        async def worker() -> None:
            nonlocal failures
            while queue:
                index = queue.pop()
                body = await client.data(RECORD, payment(index), as_user=broker)
                if body["recordPayment"]["userErrors"]:
                    failures += 1

        await client.data(RECORD, payment(-1), as_user=broker)  # warm caches
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        print(
            f"recordPayment: {payments} payments in {elapsed:.1f} s = {payments / elapsed:.0f} payments/s "
            f"({concurrency} concurrent clients, {failures} refused)"
        )

    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--statements", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (emptied first); default SQLite")
    args = parser.parse_args()
    url = args.database_url
    if url:
        _empty_postgres(url)
        label = "PostgreSQL"
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/payments.db"
        label = "SQLite"
    print(f"machine: {describe()}; database: {label}")
    assert metadata is not None
    asyncio.run(run(url, args.payments, args.concurrency, args.statements))


if __name__ == "__main__":
    main()
