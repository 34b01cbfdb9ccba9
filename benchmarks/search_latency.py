"""Search at national scale (issue 3): index build time and p50/p95 of five query shapes, through
the backend directly and through `/graphql`, in one run.

    .venv/bin/python -m benchmarks.search_latency [--providers 100000] [--queries 200]

The `/graphql` figures call the real app in-process (httpx ASGITransport, no sockets), so they are
the service's own overhead on top of the engine's, not network time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks.machine import describe
from benchmarks.seeded import SEED_DAY, national_database
from broker import heap
from broker.api.clock import FixedClock
from broker.app import create_app
from broker.db import Database
from broker.discovery.documents import LISTINGS
from broker.geography.models import PostcodeDistrict
from broker.settings import Settings
from search.factory import backend_from_url
from search.query import GeoFilter, SearchQuery
from search.sync import reindex

TYPOS = ["demensia carer", "Punjbi personal asistant", "autsim support", "respit short brek", "medicaton"]
TEXTS = ["dementia", "personal care Urdu", "autism", "respite", "night support", "moving and handling"]


@dataclass(frozen=True)
class Shape:
    name: str
    backend_query: SearchQuery
    graphql_input: dict


def shapes(rng: random.Random, district: PostcodeDistrict) -> list[Shape]:
    geo = GeoFilter(district.latitude, district.longitude, 15.0)
    text, typo = rng.choice(TEXTS), rng.choice(TYPOS)
    where = {"postcode": district.code, "radiusKm": 15.0}
    filters = {"services": ["PERSONAL_CARE"], "maxRatePence": 1700, "kinds": ["PA"]}
    base = {"today": SEED_DAY, "limit": 20}
    return [
        Shape("text only", SearchQuery(text=text, **base), {"text": text}),
        Shape("geo only", SearchQuery(geo=geo, sort="distance", **base), {**where, "sort": "DISTANCE"}),
        Shape(
            "geo + filters",
            SearchQuery(
                geo=geo,
                services=("PERSONAL_CARE",),
                max_rate_pence=1700,
                kinds=("PA",),
                sort="distance",
                **base,
            ),
            {**where, **filters, "sort": "DISTANCE"},
        ),
        Shape(
            "geo + filters + typo text",
            SearchQuery(
                geo=geo, services=("PERSONAL_CARE",), max_rate_pence=1700, kinds=("PA",), text=typo, **base
            ),
            {**where, **filters, "text": typo},
        ),
        Shape("facets", SearchQuery(text=text, facets=True, **base), {"text": text}),
    ]


GRAPHQL = """query($input: SearchProvidersInput!) { searchProviders(input: $input) {
  totalHits processingTimeMs hits { distanceKm score provider { id name hourlyRatePence } }
  userErrors { code } } }"""
GRAPHQL_FACETS = GRAPHQL.replace("userErrors", "facets { name values { value count } } userErrors")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def run(providers: int, queries: int) -> None:
    url = await national_database(providers)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            environment="test",
            database_url=url,
            secret_key="b" * 40,
            search_url=f"tantivy://{Path(tmp) / 'index'}",
            search_sync_in_process=False,
        )
        db = Database(url)
        backend = backend_from_url(settings.search_url)
        started = time.perf_counter()
        indexed = await reindex(db, backend, LISTINGS)
        build_seconds = time.perf_counter() - started

        async with db.session() as session:
            from sqlalchemy import select

            districts = list((await session.execute(select(PostcodeDistrict))).scalars())
        app = create_app(
            settings, clock=FixedClock(datetime(2026, 11, 26, 12, tzinfo=UTC)), db=db, search=backend
        )
        heap.settle()  # as the server does once started
        rng = random.Random(7)
        direct: dict[str, list[float]] = {}
        through: dict[str, list[float]] = {}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as client:
            for round_ in range(queries + 10):
                for shape in shapes(rng, rng.choice(districts)):
                    t0 = time.perf_counter()
                    backend.search(shape.backend_query)
                    t1 = time.perf_counter()
                    response = await client.post(
                        "/graphql", json={"query": GRAPHQL, "variables": {"input": shape.graphql_input}}
                    )
                    t2 = time.perf_counter()
                    body = response.json()
                    assert "errors" not in body and not body["data"]["searchProviders"]["userErrors"], body
                    if round_ >= 10:  # warm-up rounds are not counted
                        direct.setdefault(shape.name, []).append((t1 - t0) * 1000)
                        through.setdefault(shape.name, []).append((t2 - t1) * 1000)
        await db.dispose()

    print(f"machine: {describe()}")
    print(
        f"index build from scratch: {indexed} listings in {build_seconds:.1f} s (documents read from SQLite "
        "and written to tantivy)"
    )
    print(f"{'query shape':<28}{'backend p50':>12}{'p95':>8}{'/graphql p50':>14}{'p95':>8}{'p95 ratio':>11}")
    for name in direct:
        d50, d95 = percentiles(direct[name])
        g50, g95 = percentiles(through[name])
        print(f"{name:<28}{d50:>10.1f}ms{d95:>6.1f}ms{g50:>12.1f}ms{g95:>6.1f}ms{g95 / d95:>10.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.providers, args.queries))


if __name__ == "__main__":
    main()
