"""Requests per second for `providers(first: 50)` with nested services and accreditations, beside a
bare Starlette endpoint that returns the same rows as JSON from the same database.

    .venv/bin/python -m benchmarks.providers_rps [--providers 2000] [--seconds 10] [--connections 16]

Each server runs alone in its own process (uvicorn, one worker); load comes from `wrk` when installed
(apt-get install wrk), else from an httpx client in this process. The ratio is the figure to watch.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from benchmarks.machine import describe

QUERY = """{ providers(first: 50) { totalCount nodes {
  id name kind hourlyRatePence accredited
  services { code label }
  accreditations { checkType status expiresOn current }
} } }"""


def bare_app(database_url: str):
    """The same 50 rows, their services and checks, straight from SQLAlchemy to JSON."""
    from collections import defaultdict

    from sqlalchemy import func, select
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from broker.db import Database
    from broker.providers.accreditation import check_is_current, is_accredited
    from broker.providers.models import (
        Accreditation,
        Provider,
        ProviderService,
        ProviderStatus,
    )
    from broker.taxonomy.services import all_services

    db = Database(database_url)

    async def providers(_request):
        today = date.today()
        published = Provider.status == ProviderStatus.PUBLISHED
        async with db.session() as session:
            total = (await session.execute(select(func.count()).where(published))).scalar_one()
            rows = list(
                (
                    await session.execute(
                        select(Provider).where(published).order_by(Provider.name, Provider.id).limit(50)
                    )
                ).scalars()
            )
            ids = [p.id for p in rows]
            services, checks = defaultdict(list), defaultdict(list)
            for s in (
                await session.execute(select(ProviderService).where(ProviderService.provider_id.in_(ids)))
            ).scalars():
                services[s.provider_id].append(s.service_code)
            for c in (
                await session.execute(select(Accreditation).where(Accreditation.provider_id.in_(ids)))
            ).scalars():
                checks[c.provider_id].append(c)
        labels = all_services()
        nodes = [
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "hourlyRatePence": p.hourly_rate_pence,
                "accredited": is_accredited(p.kind, checks[p.id], today),
                "services": [{"code": c, "label": labels[c].label} for c in sorted(services[p.id])],
                "accreditations": [
                    {
                        "checkType": c.check_type,
                        "status": c.status,
                        "expiresOn": c.expires_on.isoformat() if c.expires_on else None,
                        "current": check_is_current(c, today),
                    }
                    for c in checks[p.id]
                ],
            }
            for p in rows
        ]
        return JSONResponse({"data": {"providers": {"totalCount": total, "nodes": nodes}}})

    return Starlette(routes=[Route("/graphql", providers, methods=["POST"])])


def serve(kind: str, database_url: str, port: int) -> None:
    import uvicorn

    from broker.app import create_app
    from broker.settings import Settings

    if kind == "graphql":
        settings = Settings(environment="test", database_url=database_url, secret_key="b" * 40)
        app = create_app(settings)
    else:
        app = bare_app(database_url)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def seed(database_url: str, providers: int) -> None:
    from broker.accounts.service import get_or_create_council
    from broker.db import Database, migrate
    from broker.geography.service import load_districts, read_geography_csv
    from seed import DEMO_DISTRICTS
    from seed.generator import generate

    migrate(database_url)

    async def run() -> None:
        db = Database(database_url)
        async with db.transaction() as session:
            districts = read_geography_csv(DEMO_DISTRICTS)
            await load_districts(session, districts)
            council = await get_or_create_council(session, "Benchmark Council")
            await generate(
                session,
                council=council,
                providers=providers,
                holders=0,
                seed=1,
                today=date.today(),
                districts=districts,
                holder_password_hash="-",
            )
        await db.dispose()

    asyncio.run(run())


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 180  # a loaded machine imports the app slowly
    while time.monotonic() < deadline:
        try:
            if httpx.post(url, json={"query": QUERY}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up")


def load_with_wrk(url: str, seconds: int, connections: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        body = json.dumps({"query": QUERY}).replace("\\", "\\\\").replace('"', '\\"')
        script.write(
            f'wrk.method = "POST"\nwrk.body = "{body}"\nwrk.headers["Content-Type"] = "application/json"\n'
        )
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    if "Non-2xx" in output:
        raise RuntimeError(output)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]


def load_with_httpx(url: str, seconds: int, connections: int) -> float:
    async def run() -> float:
        done = 0
        stop = time.monotonic() + seconds
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    response = await client.post(url, json={"query": QUERY})
                    response.raise_for_status()
                    done += 1

            start = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(connections)))
            return done / (time.monotonic() - start)

    return asyncio.run(run())


def measure(kind: str, database_url: str, port: int, seconds: int, connections: int) -> float:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.providers_rps",
            "--serve",
            kind,
            "--database-url",
            database_url,
            "--port",
            str(port),
        ],
    )
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        wait_until_up(url)
        load = load_with_wrk if shutil.which("wrk") else load_with_httpx
        load(url, 2, connections)  # warm up
        return load(url, seconds, connections)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--serve", choices=["graphql", "bare"])
    parser.add_argument("--database-url")
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.database_url, args.port)
        return
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        seed(database_url, args.providers)
        graphql = measure("graphql", database_url, args.port, args.seconds, args.connections)
        bare = measure("bare", database_url, args.port + 1, args.seconds, args.connections)
    tool = "wrk" if shutil.which("wrk") else "httpx"
    print(f"machine: {describe()}")
    print(f"providers(first: 50) nested, {args.providers} listings, SQLite, {tool} -c{args.connections}:")
    print(f"  /graphql (strawberry)     {graphql:8.1f} req/s")
    print(f"  bare Starlette JSON       {bare:8.1f} req/s")
    print(f"  ratio graphql / bare      {graphql / bare:8.2f}")


if __name__ == "__main__":
    main()
