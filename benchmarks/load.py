"""Load on real `broker serve` processes over loopback: throughput, p50/p99 and error rate for
`searchProviders`, `matchesForPlan` and `recordPayment`, with one and two app processes on PostgreSQL,
and a soak that prints the servers' memory before and after.

    .venv/bin/python -m benchmarks.load [--seconds 60] [--connections 16 64] [--workers 1 2]
        [--soak-minutes 10] [--soak-only] [--postgres postgresql://postgres@127.0.0.1:5432/test]

It creates its own database on the server given (dropped at the end), starts the servers on free
loopback ports (development mode: the demo council is seeded), and drives them with an asyncio/httpx
load generator: N connections, each a loop of one request after another (closed loop), for a fixed
time. Two processes are two `broker serve` on two ports with the connections spread over both (what
a load balancer in front of replicas does); `--workers 2` on one port needs Meilisearch, which
cannot be installed here, and each process has its own embedded index instead. The sign-in throttle
is not on the measured path.

Why not locust: its workers are gevent greenlets in the same two cores as the servers, its own cost
per request is larger than httpx's, and it needs a web UI or headless config on top; a bounded
asyncio loop over httpx (a dependency already) is enough to count and time requests.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from benchmarks.machine import describe
from broker.db import sync_url
from seed.demo import DEMO_PASSWORD

BROKER = Path(sys.executable).with_name("broker")
SECRET = "load-benchmark-secret-key-0123456789abcdef"

LOGIN = 'mutation($p: String!) { login(input: {email: "broker@leeds.example", password: $p}) { token } }'
SEARCH = """query { searchProviders(input: {text: "care", postcode: "LS6 1AA", radiusKm: 15, first: 20}) {
  totalHits hits { provider { id name } distanceKm } userErrors { code } } }"""
MATCHES = "query($plan: ID!) { matchesForPlan(planId: $plan, first: 10) { score provider { id name } } }"
AGREEMENTS = "{ agreements(first: 20) { edges { node { id status hourlyRatePence startDate } } } }"
PLANS = "{ supportPlans(first: 5) { edges { node { id } } } }"
RECORD = """mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
  payment { id } userErrors { code message } } }"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    def rss_mb(self) -> float:
        """Resident memory of the server process (and any worker children), in MiB."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        total = 0
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(database: str, folder: Path) -> Server:
    port = _free_port()
    folder.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROKER_")}
    env |= {
        "BROKER_ENVIRONMENT": "development",
        "BROKER_DATABASE_URL": database,
        "BROKER_DATA_DIR": str(folder / "var"),
        "BROKER_SECRET_KEY": SECRET,
        "BROKER_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [str(BROKER), "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=(folder / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit(f"server did not start: {(folder / 'serve.log').read_text()[-2000:]}")


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sample: str = ""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


async def drive(
    urls: list[str],
    connections: int,
    seconds: float,
    request: Callable[[int], tuple[str, dict[str, Any]]],
    token: str,
) -> Result:
    """`connections` closed loops spread over `urls`, for `seconds`."""
    result = Result()
    counter = itertools.count()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Authorization": f"Bearer {token}"}
    clients = [httpx.AsyncClient(base_url=url, limits=limits, timeout=60, headers=headers) for url in urls]
    stop_at = time.perf_counter() + seconds

    async def loop(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop_at:
            query, variables = request(next(counter))
            started = time.perf_counter()
            try:
                answer = await client.post("/graphql", json={"query": query, "variables": variables})
                body = answer.json()
                ok = answer.status_code == 200 and "errors" not in body and not _user_errors(body)
            except (httpx.HTTPError, ValueError) as error:
                ok, body = False, {"exception": type(error).__name__}
            result.latencies.append((time.perf_counter() - started) * 1000)
            if not ok:
                result.errors += 1
                result.sample = result.sample or str(body)[:300]

    await asyncio.gather(*(loop(clients[i % len(clients)]) for i in range(connections)))
    for client in clients:
        await client.aclose()
    return result


def _user_errors(body: dict[str, Any]) -> bool:
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict) and value.get("userErrors"):
            return True
    return False


def _setup(url: str) -> tuple[str, str, dict[str, Any]]:
    token = httpx.post(f"{url}/graphql", json={"query": LOGIN, "variables": {"p": DEMO_PASSWORD}}).json()
    token = token["data"]["login"]["token"]
    headers = {"Authorization": f"Bearer {token}"}
    agreements = httpx.post(f"{url}/graphql", json={"query": AGREEMENTS}, headers=headers).json()
    active = [e["node"] for e in agreements["data"]["agreements"]["edges"] if e["node"]["status"] == "ACTIVE"]
    plans = httpx.post(f"{url}/graphql", json={"query": PLANS}, headers=headers).json()
    plan = plans["data"]["supportPlans"]["edges"][0]["node"]["id"]
    return token, plan, active[0]


def requests(
    plan: str, agreement: dict[str, Any], run: str
) -> dict[str, Callable[[int], tuple[str, dict[str, Any]]]]:
    def payment(index: int) -> tuple[str, dict[str, Any]]:
        return RECORD, {
            "input": {
                "agreementId": agreement["id"],
                "periodStart": agreement["startDate"],
                "periodEnd": agreement["startDate"],
                "hours": 0.25,
                "amountPence": round(agreement["hourlyRatePence"] * 0.25),
                "method": "BANK_TRANSFER",
                "supplementary": True,
                "supplementaryReason": "load benchmark",
                "idempotencyKey": f"load-{run}-{index}",
            }
        }

    return {
        "searchProviders": lambda _: (SEARCH, {}),
        "matchesForPlan": lambda _: (MATCHES, {"plan": plan}),
        "recordPayment": payment,
    }


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--operations", nargs="+", default=["searchProviders", "matchesForPlan", "recordPayment"]
    )
    parser.add_argument("--soak-minutes", type=float, default=10)
    parser.add_argument("--soak-only", action="store_true")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BROKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()

    server_url = make_url(sync_url(args.postgres)).set(drivername="postgresql")
    admin = server_url.render_as_string(hide_password=False)
    name = f"broker_load_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    database = server_url.set(database=name).render_as_string(hide_password=False)
    root = Path(tempfile.mkdtemp(prefix="broker-load-"))
    servers: list[Server] = []
    print(describe())
    try:
        servers.append(start(database, root / "p1"))  # seeds the demo council
        servers.append(start(database, root / "p2"))
        token, plan, agreement = _setup(servers[0].url)
        shapes = requests(plan, agreement, secrets.token_hex(3))
        for server in servers:  # warm both (first queries, caches, index readers)
            asyncio.run(drive([server.url], 2, 2, shapes["searchProviders"], token))
            asyncio.run(drive([server.url], 2, 2, shapes["matchesForPlan"], token))
        if not args.soak_only:
            print(f"load before: {_uptime()}")
            print("| operation | connections | processes | requests/s | p50 ms | p99 ms | errors | 1→2 |")
            print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for operation in args.operations:
                for connections in args.connections:
                    single = None
                    for workers in args.workers:
                        urls = [s.url for s in servers[:workers]]
                        result = asyncio.run(drive(urls, connections, args.seconds, shapes[operation], token))
                        rate_per_s = len(result.latencies) / args.seconds
                        single = single or rate_per_s
                        ratio = f"{rate_per_s / single:.2f}" if workers > 1 else ""
                        p50, p99 = _percentile(result.latencies, 0.5), _percentile(result.latencies, 0.99)
                        errors = result.errors / max(1, len(result.latencies))
                        print(
                            f"| {operation} | {connections} | {workers} | {rate_per_s:.1f} | "
                            f"{p50:.0f} | {p99:.0f} | {errors:.2%} | {ratio} |",
                            flush=True,
                        )
                        if result.sample:
                            print(f"  first error: {result.sample}", flush=True)
            print(f"load after: {_uptime()}")
        if args.soak_minutes > 0:
            server = servers[0]
            before = server.rss_mb()
            print(f"soak: {args.soak_minutes} min, 16 connections, one process, mixed; {_uptime()}")
            mixed = list(shapes.values())
            result = asyncio.run(
                drive([server.url], 16, args.soak_minutes * 60, lambda i: mixed[i % len(mixed)](i), token)
            )
            after = server.rss_mb()
            p50, p99 = _percentile(result.latencies, 0.5), _percentile(result.latencies, 0.99)
            print(
                f"soak: {len(result.latencies)} requests, errors {result.errors}, "
                f"p50 {p50:.0f} ms, p99 {p99:.0f} ms; server RSS {before:.0f} MiB before, "
                f"{after:.0f} MiB after ({(after - before) / before:+.1%}); {_uptime()}"
            )
            if result.sample:
                print(f"  first error: {result.sample}")
    finally:
        for server in servers:
            server.stop()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
