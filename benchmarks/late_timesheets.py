"""The late-timesheet list over agreements' whole lives: a council with N care agreements that began
five years ago and never sent a timesheet (every week late), one page read at the start and one deep.

    .venv/bin/python -m benchmarks.late_timesheets [--agreements 300]
    .venv/bin/python -m benchmarks.late_timesheets --database-url postgresql://postgres@127.0.0.1:5432/DB
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.machine import describe
from benchmarks.payments import _empty_postgres
from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.db import Database, migrate
from broker.geography.service import load_districts, read_geography_csv
from broker.timesheets.late import late_weeks
from seed import DEMO_DISTRICTS
from tests.factories import make_agreement, make_council, make_holder, make_plan, make_provider, make_user

TODAY = date(2026, 11, 26)
FIVE_YEARS_AGO = date(2021, 11, 1)


async def run(url: str, agreements: int) -> None:
    db = Database(url)
    async with db.transaction() as session:
        await load_districts(session, read_geography_csv(DEMO_DISTRICTS))
    council = await make_council(db, "Benchmark Council")
    broker = await make_user(db, Role.BROKER, council)
    pa = await make_provider(db, council)
    for i in range(agreements):
        plan = await make_plan(db, await make_holder(db, council))
        start = date.fromordinal(FIVE_YEARS_AGO.toordinal() + i % 7)
        await make_agreement(db, plan, pa, created_by=broker, start_date=start, enqueue=False)
    actor = Actor(user_id=broker.id, role=Role.BROKER, council_id=council.id)  # type: ignore[arg-type]
    for first, offset in ((20, 0), (100, 50_000)):
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            async with db.session() as session:
                _, total = await late_weeks(
                    session, actor=actor, council_id=council.id, today=TODAY, limit=first, offset=offset
                )
            timings.append(time.perf_counter() - started)
        print(
            f"{agreements} agreements, {total:,} late weeks, first {first} at offset {offset:,}: "
            f"median {sorted(timings)[2] * 1000:.0f} ms"
        )
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agreements", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'late.db'}"
        if args.database_url:
            _empty_postgres(url)
        migrate(url)
        print(f"machine: {describe()}; database: {url.split(':')[0]}")
        asyncio.run(run(url, args.agreements))


if __name__ == "__main__":
    main()
