"""`matchesForPlan` latency over 100,000 national listings, and batch allocation of 5,000 needs over
20,000 listings against a greedy baseline on the same candidates.

    .venv/bin/python -m benchmarks.matching [--providers 100000] [--queries 300]
        [--allocation-providers 20000] [--allocation-needs 5000]

Databases are SQLite files seeded once (seed/generator.py listings over ../shared/data/uk-outcodes.csv,
seed/plans.py holders and plans) and cached under /tmp/dp-broker-matching. Latency is measured
in-process through /graphql (httpx ASGI transport: parsing, permissions, the read-log write, JSON),
and for the service call alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select
from strawberry.relay import to_base64

from benchmarks.machine import describe
from benchmarks.shared_data import shared_data
from broker import heap
from broker.accounts.actor import Actor
from broker.accounts.models import Council, Role, User
from broker.accounts.service import get_or_create_council
from broker.accounts.tokens import issue_token
from broker.api.clock import FixedClock
from broker.app import create_app
from broker.db import Database, migrate
from broker.geography.service import load_districts, read_geography_csv
from broker.matching import service as matching
from broker.matching.allocation import greedy, solve
from broker.plans import service as plans
from broker.plans.models import PlanNeed, SupportPlan
from broker.settings import Settings
from seed.generator import generate
from seed.plans import generate_plans

NATIONAL = shared_data() / "uk-outcodes.csv"
CACHE = Path("/tmp/dp-broker-matching")
SEED_DAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
QUERY = """query($plan: ID!) { matchesForPlan(planId: $plan, first: 10) {
  provider { id name } score reason components { component points } } }"""


async def seeded(providers: int, plans_wanted: int) -> str:
    """A cached database with `providers` listings and `plans_wanted` holders with plans."""
    path = CACHE / f"national-{providers}-{plans_wanted}.db"
    url = f"sqlite:///{path}"
    if path.exists():
        migrate(url)  # a cache from an older schema gains the newer tables
        return url
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    partial_url = f"sqlite:///{partial}"
    migrate(partial_url)
    started = time.perf_counter()
    db = Database(partial_url)
    async with db.transaction() as session:
        districts = read_geography_csv(NATIONAL)
        await load_districts(session, districts)
        council = await get_or_create_council(session, "National benchmark")
        await generate(
            session,
            council=council,
            providers=providers,
            holders=0,
            seed=1,
            today=SEED_DAY,
            districts=districts,
            holder_password_hash="-",
        )
        await generate_plans(
            session, council=council, plans=plans_wanted, seed=2, today=SEED_DAY, districts=districts
        )
        session.add(
            User(email="broker@benchmark.example", password_hash="-", role=Role.BROKER, council_id=council.id)
        )
    await db.dispose()
    partial.rename(path)
    print(
        f"seeded {providers:,} listings and {plans_wanted:,} plans in {time.perf_counter() - started:.0f} s"
    )
    return url


async def _broker(db: Database) -> tuple[User, Actor]:
    async with db.session() as session:
        user = (await session.execute(select(User).where(User.role == Role.BROKER))).scalar_one()
    return user, Actor(user_id=user.id, role=user.role, council_id=user.council_id)  # type: ignore[arg-type]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


async def latency(providers: int, queries: int) -> None:
    url = await seeded(providers, 400)
    db = Database(url)
    user, actor = await _broker(db)
    async with db.session() as session:
        plan_ids = list((await session.execute(select(SupportPlan.id).order_by(SupportPlan.id))).scalars())
    rng = random.Random(3)
    chosen = [rng.choice(plan_ids) for _ in range(queries)]
    settings = Settings(environment="test", database_url=url, secret_key="m" * 40)
    app = create_app(settings, clock=FixedClock(NOW), db=db)
    heap.settle()  # as the server does once started
    service_ms, counts = [], []
    for n, plan_id in enumerate([*chosen[:20], *chosen]):
        started = time.perf_counter()
        async with db.transaction() as session:
            found = await matching.matches_for_plan(
                session, actor=actor, plan_id=plan_id, need_id=None, first=10, today=SEED_DAY, now=NOW
            )
        if n >= 20:
            service_ms.append((time.perf_counter() - started) * 1000)
            counts.append((found.considered, len(found.matches)))
    token, _ = issue_token(user, secret="m" * 40, now=NOW, ttl=timedelta(hours=1))
    graphql_ms = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for n, plan_id in enumerate([*chosen[:20], *chosen]):
            started = time.perf_counter()
            response = await client.post(
                "/graphql",
                json={"query": QUERY, "variables": {"plan": to_base64("SupportPlan", plan_id)}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 200 and "errors" not in response.json(), response.text
            if n >= 20:
                graphql_ms.append((time.perf_counter() - started) * 1000)
    await db.dispose()
    s50, s95 = _percentiles(service_ms)
    g50, g95 = _percentiles(graphql_ms)
    considered = statistics.median(c for c, _ in counts)
    empty = sum(1 for _, m in counts if m == 0)
    print(f"matchesForPlan(first: 10), {providers:,} listings, {queries} queries over 400 plans, SQLite:")
    print(f"  service call      p50 {s50:6.1f} ms   p95 {s95:6.1f} ms")
    print(f"  /graphql          p50 {g50:6.1f} ms   p95 {g95:6.1f} ms")
    print(f"  candidates evaluated per query: median {considered:.0f}; queries with no match: {empty}")


async def allocation(providers: int, needs_wanted: int) -> None:
    url = await seeded(providers, needs_wanted // 2 + 500)
    db = Database(url)
    _, actor = await _broker(db)
    async with db.session() as session:
        rows = (
            await session.execute(
                select(PlanNeed.plan_id, func.count()).group_by(PlanNeed.plan_id).order_by(PlanNeed.plan_id)
            )
        ).all()
        council = (await session.execute(select(Council))).scalars().first()
    plan_ids, total = [], 0
    for plan_id, n in rows:
        if total >= needs_wanted:
            break
        plan_ids.append(plan_id)
        total += n
    assert council is not None
    started = time.perf_counter()
    async with db.transaction() as session:
        proposal = await matching.propose_allocation(
            session, actor=actor, plan_ids=plan_ids, today=SEED_DAY, now=NOW
        )
    end_to_end = time.perf_counter() - started
    async with db.session() as session:
        found = await plans.read_support_plans(session, actor=actor, ids=plan_ids, operation="bench", now=NOW)
        details = await plans.plan_details(session, [found[i] for i in plan_ids])
        specs = [matching.plan_spec(details[i]) for i in plan_ids]
        built = time.perf_counter()
        problem, _ = await matching.allocation_problem(session, specs, today=SEED_DAY)
        build_seconds = time.perf_counter() - built
    solved = solve(problem, time_limit=25)
    baseline = greedy(problem)
    await db.dispose()
    unmet = sum(p.unmet_hours for p in proposal.plans)
    needed = sum(p.needed_hours for p in proposal.plans)
    print(
        f"proposeAllocation, {total:,} needs in {len(plan_ids):,} plans over {providers:,} listings, SQLite:"
    )
    print(f"  end to end (read plans, candidates, solve)   {end_to_end:6.1f} s")
    options = len(problem.options)
    print(f"  candidate options {options:,}, built in {build_seconds:.1f} s; solver {solved.seconds:.1f} s")
    print(f"  solver ({solved.method}, optimal={solved.optimal})  total score {solved.total_score:,.0f}")
    print(f"  greedy baseline                   total score {baseline.total_score:,.0f}")
    print(f"  ratio solver / greedy             {solved.total_score / baseline.total_score:.4f}")
    print(f"  needs assigned: solver {len(solved.chosen):,}, greedy {len(baseline.chosen):,}")
    print(f"  hours unmet {unmet:,.0f} of {needed:,.0f} needed")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--allocation-providers", type=int, default=20_000)
    parser.add_argument("--allocation-needs", type=int, default=5_000)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-allocation", action="store_true")
    args = parser.parse_args()
    if not NATIONAL.exists():
        raise SystemExit(f"national geography not found at {NATIONAL}")
    print(f"machine: {describe()}; load average at start {_load()}")
    if not args.skip_latency:
        asyncio.run(latency(args.providers, args.queries))
    if not args.skip_allocation:
        asyncio.run(allocation(args.allocation_providers, args.allocation_needs))
    print(f"load average at end {_load()} (the machine may be shared: figures inflate with load)")


def _load() -> str:
    return " / ".join(f"{n:.1f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()
