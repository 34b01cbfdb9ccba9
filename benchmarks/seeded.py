"""A national-scale seeded database for benchmarks, built once and cached under /tmp."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from benchmarks.shared_data import shared_data
from broker.accounts.service import get_or_create_council
from broker.db import Database, migrate
from broker.geography.service import load_districts, read_geography_csv
from seed.generator import generate

NATIONAL = shared_data() / "uk-outcodes.csv"
CACHE = Path("/tmp/dp-broker-benchmarks")
SEED_DAY = date(2026, 11, 26)


async def national_database(providers: int, *, seed: int = 1) -> str:
    """URL of a SQLite database holding `providers` listings over the national geography."""
    if not NATIONAL.exists():
        raise SystemExit(f"national geography not found at {NATIONAL}")
    path = CACHE / f"national-{providers}-{seed}.db"
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

    async def fill() -> None:
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
                seed=seed,
                today=SEED_DAY,
                districts=districts,
                holder_password_hash="-",
            )
        await db.dispose()

    await fill()
    partial.rename(path)
    print(f"seeded {providers} listings over {NATIONAL.name} in {time.perf_counter() - started:.1f} s")
    return url
