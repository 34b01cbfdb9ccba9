"""`marketGaps` and `dpTakeUp` at a large council's scale, and `marketGaps` nationally (issue 13).

    .venv/bin/python -m benchmarks.market [--plans 50000] [--providers 20000] [--queries 20]
        [--national-needs 1000000] [--national-councils 12] [--national-providers 60000]
        [--backends sqlite,postgresql] [--postgres-server postgresql://postgres@127.0.0.1:5432/postgres]

One council: `--plans` plans of three needs each over the 80 postcode districts nearest Leeds, in
`../shared/data/uk-outcodes.csv` (BROKER_SHARED_DATA), `--providers` providers among them and two years
of agreements; on SQLite (cached under /tmp/dp-broker-benchmarks) and PostgreSQL (database
`broker_bench_market`, created if missing and rebuilt only when its seed differs). Each operation is
timed as the service call (`gaps.market_gaps`, `takeup.dp_take_up`, in the transaction or session
their resolvers open) and through `/graphql` in-process (httpx ASGI transport), as a commissioner.

Nationally: `--national-needs` need rows over `--national-councils` councils (the largest holding
30% of them) in `broker_bench_market_national`. `marketGaps` has no national form (its input names
one council), so a platform admin asks for the largest council; the one read across every council,
the open demand feed (`reports.open_demand`: `gap_rows` for each council, today), is timed too.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import make_url, select
from strawberry.relay import to_base64

from benchmarks import market_seed as seed
from benchmarks.machine import describe
from benchmarks.seeded import CACHE, NATIONAL
from broker import heap
from broker.accounts.actor import Actor
from broker.accounts.models import Role, User
from broker.api.clock import FixedClock
from broker.app import create_app
from broker.db import Database, migrate
from broker.geography.service import read_geography_csv
from broker.market import demand, gaps, prepared, reports, takeup
from broker.market.models import DemandRow, SupplyState
from broker.plans.models import NeedBand
from broker.providers.models import Provider
from broker.settings import Settings
from search import outbox
from tests.client import GraphQLClient

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
COUNCIL_DB = "broker_bench_market"
NATIONAL_DB = "broker_bench_market_national"
GROUP_BY = [gaps.GroupBy.DISTRICT, gaps.GroupBy.SERVICE, gaps.GroupBy.TIME_BAND]
GAPS_FROM, GAPS_TO = date(2025, 12, 1), date(2026, 11, 30)
TAKEUP_FROM, TAKEUP_TO = date(2024, 12, 1), date(2026, 11, 30)
GAPS = """query($input: MarketGapsInput!) { marketGaps(input: $input) {
  district service timeBand people peopleWaiting demandHours agreedHours unmetHours
  budgetedRates { lowerQuartilePence medianPence upperQuartilePence } medianDaysToFirstAgreement
  reachableSupplyHours gapRatio asked: askedRates { medianPence } topUnmetReasons { constraint times hours }
  suppressed } }"""
TAKEUP = """query($council: ID!, $from: Date!, $to: Date!) {
  dpTakeUp(councilId: $council, from: $from, to: $to) {
  months { month ratePercent peopleOnDirectPayments peopleOnDirectPaymentsHere newDirectPayments
    endedDirectPayments ratePercent18To64 ratePercent65Plus suppressed }
  target { ratePercent netNeededNew: netNewNeeded newPerMonth projectedRatePercent onTrack } } }"""


def _districts():
    if not NATIONAL.exists():
        raise SystemExit(f"national geography not found at {NATIONAL}: set BROKER_SHARED_DATA")
    return read_geography_csv(NATIONAL)


def _district_rows(districts) -> list[tuple]:
    return [(d.code, d.latitude, d.longitude, d.town, d.area, d.region) for d in districts]


def _council_rows(districts, plans: int, providers: int, rng_seed: int) -> seed.Rows:
    import random

    rng = random.Random(rng_seed)
    leeds = next(d for d in districts if d.code == "LS1")
    rows, ids = seed.Rows(), seed.Ids()
    seed.staff(rows, ids, None, "platform")
    seed.council(
        rows,
        ids,
        rng,
        name="Market benchmark council",
        districts=seed.nearest(districts, leeds, 80),
        plans=plans,
        providers=providers,
    )
    return rows


def sqlite_council(plans: int, providers: int) -> str:
    path = CACHE / f"market-{plans}-{providers}-1.db"
    url = f"sqlite:///{path}"
    if path.exists():
        migrate(url)
        return url
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    migrate(f"sqlite:///{partial}")
    started = time.perf_counter()
    districts = _districts()
    rows = _council_rows(districts, plans, providers, 1)
    connection = sqlite3.connect(partial)
    with connection:
        connection.executemany(
            "INSERT INTO postcode_district VALUES (?, ?, ?, ?, ?, ?)", _district_rows(districts)
        )
        seed.write_sqlite(connection, rows)
    connection.execute("ANALYZE")
    connection.close()
    partial.rename(path)
    print(f"seeded SQLite {path.name} in {time.perf_counter() - started:.1f} s")
    return url


def _postgres_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _postgres_database(server: str, name: str, stamp: str, fill: Callable[[psycopg.Connection], None]) -> str:
    """Our own database `name` (created if missing), rebuilt when its stamp (a comment) differs."""
    url = _postgres_url(server, name)
    with psycopg.connect(server, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{name}"')
        comment = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()[0]
    if comment == stamp:
        migrate(url)
        return url
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    migrate(url)
    with psycopg.connect(url) as connection:
        fill(connection)
        connection.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{stamp}'")
    print(f"seeded PostgreSQL {name} ({stamp}) in {time.perf_counter() - started:.1f} s")
    return url


def _copy_districts(connection: psycopg.Connection, districts) -> None:
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY postcode_district (code, latitude, longitude, town, area, region) FROM STDIN"
        ) as copy,
    ):
        for row in _district_rows(districts):
            copy.write_row(row)


def postgres_council(server: str, plans: int, providers: int) -> str:
    def fill(connection: psycopg.Connection) -> None:
        districts = _districts()
        _copy_districts(connection, districts)
        seed.write_postgres(connection, _council_rows(districts, plans, providers, 1))

    return _postgres_database(server, COUNCIL_DB, f"council plans={plans} providers={providers} seed=1", fill)


def postgres_national(server: str, needs: int, councils: int, providers: int) -> str:
    import random

    def fill(connection: psycopg.Connection) -> None:
        districts = _districts()
        _copy_districts(connection, districts)
        rng = random.Random(2)
        ids = seed.Ids()
        rows = seed.Rows()
        seed.staff(rows, ids, None, "platform")
        seed.write_postgres(connection, rows)
        plans = needs // 3
        largest = plans * 3 // 10
        others = (plans - largest) // max(councils - 1, 1)
        centres = rng.sample([d for d in districts if d.code != "LS1"], councils - 1)
        leeds = next(d for d in districts if d.code == "LS1")
        for index, centre in enumerate([leeds, *centres]):
            size = largest if index == 0 else others
            if index == councils - 1:
                size = plans - largest - others * (councils - 2)
            rows = seed.Rows()
            seed.council(
                rows,
                ids,
                rng,
                name=f"National benchmark council {index + 1}",
                districts=seed.nearest(districts, centre, 120 if index == 0 else 60),
                plans=size,
                providers=providers * size // plans,
            )
            seed.write_postgres(connection, rows)
            print(f"  council {index + 1}: {size} plans, {len(rows.tables['plan_need'])} needs", flush=True)

    stamp = f"national needs={needs} councils={councils} providers={providers} seed=2"
    return _postgres_database(server, NATIONAL_DB, stamp, fill)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * (len(ordered) - 1)))], ordered[-1]


async def timed(call: Callable[[], Awaitable[object]], queries: int, warmup: int) -> list[float]:
    samples = []
    for index in range(queries + warmup):
        started = time.perf_counter()
        await call()
        if index >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(label: str, samples: list[float], goal_ms: float) -> None:
    p50, p95, worst = percentiles(samples)
    verdict = "met" if p95 <= goal_ms else "NOT met"
    print(
        f"{label:<58} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  max {worst:8.1f} ms  "
        f"(n={len(samples)}; p95 ≤ {goal_ms:.0f} ms: {verdict})",
        flush=True,
    )


async def _users(db: Database, *roles_and_councils: tuple[Role, int | None]) -> list[User]:
    async with db.session() as session:
        found = []
        for role, council_id in roles_and_councils:
            query = select(User).where(User.role == role, User.council_id == council_id)  # type: ignore[arg-type]
            if council_id is None:
                query = select(User).where(User.role == role, User.council_id.is_(None))  # type: ignore[union-attr]
            found.append((await session.execute(query.order_by(User.id).limit(1))).scalar_one())
        return found


async def prepare(db: Database, label: str) -> None:
    """Rebuilds the prepared tables unless they hold today's (bulk-loaded seeds bypass plan saves and
    listing events), then times the refresh a listing event costs (what a reader pays when it finds
    one pending): free hours moving (as with an agreement) and a rate edited."""
    async with db.session() as session:
        state = await session.get(SupplyState, 1)
        bands = (await session.execute(select(NeedBand.need_id).limit(1))).first()
    if state is not None and state.as_of == seed.TODAY and bands is not None:
        print(f"{label}: prepared tables already hold {seed.TODAY}", flush=True)
    else:
        started = time.perf_counter()
        async with db.transaction() as session:
            await prepared.rebuild_band_splits(session)
        print(f"{label}: need bands rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        async with db.transaction() as session:
            await prepared.rebuild(session, seed.TODAY)
        print(f"{label}: prepared supply rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
    async with db.session() as session:
        demand_ready = (await session.execute(select(DemandRow.id).limit(1))).first() is not None
    if not demand_ready:
        started = time.perf_counter()
        async with db.transaction() as session:
            await demand.rebuild(session)
        print(f"{label}: prepared demand rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
    for event in ("free hours move", "rate edit"):
        async with db.transaction() as session:
            provider = (await session.execute(select(Provider).order_by(Provider.id).limit(1))).scalar_one()
            if event == "rate edit" and provider.hourly_rate_pence is not None:
                provider.hourly_rate_pence += 1
            else:  # as an agreement starting or ending moves them
                provider.weekly_capacity_hours = (provider.weekly_capacity_hours or 0.0) + 1.0
            outbox.enqueue(session, [provider.id])  # type: ignore[list-item]
        started = time.perf_counter()
        async with db.transaction() as session:
            await prepared.ensure_current(session, seed.TODAY)
        took = (time.perf_counter() - started) * 1000
        print(f"{label}: one listing event ({event}) refreshed in {took:.0f} ms", flush=True)


async def bench_council(url: str, backend: str, queries: int, warmup: int) -> None:
    db = Database(url)
    await prepare(db, backend)
    (commissioner,) = await _users(db, (Role.COMMISSIONER, 1))
    council_id = commissioner.council_id
    assert council_id is not None
    actor = Actor(user_id=commissioner.id, role=Role.COMMISSIONER, council_id=council_id)  # type: ignore[arg-type]
    settings = Settings(
        environment="test", database_url=url, secret_key="b" * 40, data_dir=Path(tempfile.mkdtemp())
    )
    app = create_app(settings, clock=FixedClock(seed.NOW), db=db)
    heap.settle()  # as the server does once started

    async def gaps_call() -> None:
        async with db.transaction() as session:
            rows = await gaps.market_gaps(
                session,
                actor=actor,
                council_id=council_id,
                group_by=GROUP_BY,
                start=GAPS_FROM,
                end=GAPS_TO,
                now=seed.NOW,
            )
        assert rows

    async def takeup_call() -> None:
        async with db.session() as session:
            await takeup.dp_take_up(
                session, actor=actor, council_id=council_id, start=TAKEUP_FROM, end=TAKEUP_TO
            )

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
        client = GraphQLClient(http, settings=settings, clock=FixedClock(seed.NOW))
        gaps_input = {
            "input": {
                "councilId": to_base64("Council", council_id),
                "groupBy": [g.value for g in GROUP_BY],
                "from": str(GAPS_FROM),
                "to": str(GAPS_TO),
            }
        }
        takeup_vars = {
            "council": to_base64("Council", council_id),
            "from": str(TAKEUP_FROM),
            "to": str(TAKEUP_TO),
        }

        async def gaps_graphql() -> None:
            body = await client.data(GAPS, gaps_input, as_user=commissioner)
            assert body["marketGaps"]

        async def takeup_graphql() -> None:
            body = await client.data(TAKEUP, takeup_vars, as_user=commissioner)
            assert len(body["dpTakeUp"]["months"]) == 24

        async with db.session() as session:
            cells = len(
                await gaps.gap_rows(
                    session,
                    council_id=council_id,
                    group_by=GROUP_BY,
                    start=GAPS_FROM,
                    end=GAPS_TO,
                    today=seed.TODAY,
                )
            )
        print(f"{backend}: marketGaps by district, service and time band = {cells} cells", flush=True)
        report(f"{backend} marketGaps, service call", await timed(gaps_call, queries, warmup), 300)
        report(f"{backend} marketGaps, via /graphql", await timed(gaps_graphql, queries, warmup), 300)
        report(
            f"{backend} dpTakeUp (24 months), service call", await timed(takeup_call, queries, warmup), 300
        )
        report(
            f"{backend} dpTakeUp (24 months), via /graphql", await timed(takeup_graphql, queries, warmup), 300
        )
    await db.dispose()


async def bench_national(url: str, queries: int, warmup: int, national_rounds: int) -> None:
    db = Database(url)
    await prepare(db, "PostgreSQL national")
    (admin,) = await _users(db, (Role.ADMIN, None))
    actor = Actor(user_id=admin.id, role=Role.ADMIN, council_id=None)  # type: ignore[arg-type]
    async with db.session() as session:
        from broker.accounts.models import Council

        councils = [c.id for c in (await session.execute(select(Council).order_by(Council.id))).scalars()]
    largest = councils[0]
    heap.settle()  # as the server does once started

    def gaps_for(council_id: int, waiting_plans: bool) -> Callable[[], Awaitable[None]]:
        async def call() -> None:
            async with db.transaction() as session:
                await gaps.market_gaps(
                    session,
                    actor=actor,
                    council_id=council_id,
                    group_by=GROUP_BY,
                    start=GAPS_FROM,
                    end=GAPS_TO,
                    now=seed.NOW,
                    waiting_plans=waiting_plans,
                )

        return call

    # As `GAPS` asks (no waitingPlans), then with the platform admin's drill-down: every waiting plan.
    report(
        "PostgreSQL national: marketGaps, largest council",
        await timed(gaps_for(largest, False), queries, warmup),
        2000,
    )
    report(
        "PostgreSQL national: marketGaps, largest council, with waiting plans",
        await timed(gaps_for(largest, True), queries, warmup),
        2000,
    )

    async def open_demand() -> None:
        async with db.session() as session:
            assert await reports.open_demand(session, today=seed.TODAY)

    report(
        f"PostgreSQL national: open demand feed (gap_rows for all {len(councils)} councils, today)",
        await timed(open_demand, national_rounds, 0),
        2000,
    )
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=50_000)
    parser.add_argument("--providers", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--national-needs", type=int, default=1_000_000, help="0 skips the national case")
    parser.add_argument("--national-councils", type=int, default=12)
    parser.add_argument("--national-providers", type=int, default=60_000)
    parser.add_argument("--national-queries", type=int, default=5)
    parser.add_argument("--national-rounds", type=int, default=1, help="runs of the open demand feed")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-server", default=SERVER, help="server (and a database to connect to first)"
    )
    args = parser.parse_args()
    print(f"machine: {describe()}", flush=True)
    backends = args.backends.split(",")
    if "sqlite" in backends:
        url = sqlite_council(args.plans, args.providers)
        asyncio.run(bench_council(url, "SQLite", args.queries, args.warmup))
    if "postgresql" in backends:
        url = postgres_council(args.postgres_server, args.plans, args.providers)
        asyncio.run(bench_council(url, "PostgreSQL", args.queries, args.warmup))
        if args.national_needs:
            url = postgres_national(
                args.postgres_server, args.national_needs, args.national_councils, args.national_providers
            )
            asyncio.run(bench_national(url, args.national_queries, args.warmup, args.national_rounds))


if __name__ == "__main__":
    main()
