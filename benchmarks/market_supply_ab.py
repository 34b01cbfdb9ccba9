"""Reachable supply for `marketGaps` (one council, full grouping) worked out on the spot, as every
request did before the prepared tables, against read from them, back to back under the same load.

    .venv/bin/python -m benchmarks.market_supply_ab [--url postgresql://...broker_bench_market] [--runs 1]

Run `benchmarks.market` first: it seeds the database and prepares its tables.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from sqlalchemy import and_
from sqlmodel import col

from benchmarks import market_seed as seed
from broker.db import Database
from broker.market import prepared
from broker.market.gaps import DEMAND_STATUSES
from broker.market.models import SupplyCell
from broker.market.supply import supply
from broker.plans.models import SupportPlan


async def main(url: str, runs: int) -> None:
    db = Database(url)
    plans = and_(col(SupportPlan.council_id) == 1, col(SupportPlan.status).in_(DEMAND_STATUSES))
    for _ in range(runs):
        async with db.session() as session:
            started = time.perf_counter()
            hours, _ = await supply(
                session, dims=["district", "service", "band"], plans=plans, today=seed.TODAY
            )
            direct = time.perf_counter() - started
            started = time.perf_counter()
            await prepared.ensure_current(session, seed.TODAY)
            districts = col(SupplyCell.district).in_(
                SupportPlan.__table__.select()
                .with_only_columns(col(SupportPlan.postcode_district))
                .where(plans)
            )
            cells = await prepared.supply_cells(session, districts=districts)
            ready = time.perf_counter() - started
        same = all(cells.get(k, (0.0, None))[0] == v for k, v in hours.items())
        print(
            f"supply on the spot {direct * 1000:.0f} ms ({len(hours)} cells); prepared {ready * 1000:.0f} ms"
            f" ({len(cells)} cells); same hours: {same}",
            flush=True,
        )
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/broker_bench_market")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.runs))
