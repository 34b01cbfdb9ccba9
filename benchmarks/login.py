"""Sign-in throughput, and how long /healthz waits meanwhile (issue 9: argon2 on the event loop).

    .venv/bin/python -m benchmarks.login [--clients 8] [--seconds 20]

One uvicorn process (one worker) serves a fresh SQLite database on 127.0.0.1 with one user per
client. `--clients` concurrent clients sign in with the right password in a loop for `--seconds`,
each as its own user (so the per-email throttle does not apply; the per-address limit is raised
for the run); a probe sends GET /healthz every 100 ms meanwhile and records how long each answer
took. Every login must succeed. The figures: logins a second, and the probe's median, 95th
percentile and worst latency. Run it from another checkout (PYTHONPATH) to compare versions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.machine import describe

PASSWORD = "benchmark passphrase 2026"
LOGIN = """mutation($e: String!, $p: String!) {
  login(input: {email: $e, password: $p}) { token userErrors { code } }
}"""


def settings(database_url: str, data_dir: Path):
    from broker.settings import Settings

    return Settings(
        environment="production",
        database_url=database_url,
        data_dir=data_dir,
        secret_key="b" * 40,
        search_sync_in_process=False,
        # Ignored by versions without throttling; lets one address sign in all run long.
        login_address_max_attempts=10**9,
        login_max_failures=10**9,
    )


def seed(database_url: str, users: int) -> None:
    from broker.accounts.models import Council, Role, User
    from broker.accounts.passwords import hash_password
    from broker.db import Database, migrate

    migrate(database_url)
    password_hash = hash_password(PASSWORD)

    async def run() -> None:
        db = Database(database_url)
        async with db.transaction() as session:
            council = Council(name="Benchmark Council")
            session.add(council)
            await session.flush()
            session.add_all(
                User(
                    email=f"user{n}@bench.example",
                    password_hash=password_hash,
                    role=Role.BROKER,
                    council_id=council.id,
                )
                for n in range(users)
            )
        await db.dispose()

    asyncio.run(run())


def serve(database_url: str, data_dir: Path, port: int) -> None:
    import uvicorn

    from broker.app import create_app

    app = create_app(settings(database_url, data_dir))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_until_up(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(150):
            try:
                if (await client.get(f"{base}/healthz", timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("server did not come up")


async def load(base: str, clients: int, seconds: float) -> dict[str, float]:
    logins = 0
    failures = 0
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients + 2)) as http:

        async def client(n: int) -> None:
            nonlocal logins, failures
            while time.monotonic() < stop:
                body = {"query": LOGIN, "variables": {"e": f"user{n}@bench.example", "p": PASSWORD}}
                response = await http.post(f"{base}/graphql", json=body)
                if response.status_code == 200 and response.json()["data"]["login"]["token"]:
                    logins += 1
                else:
                    failures += 1

        async def probe() -> None:
            while time.monotonic() < stop:
                started = time.perf_counter()
                (await http.get(f"{base}/healthz")).raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.1)

        started = time.monotonic()
        await asyncio.gather(probe(), *(client(n) for n in range(clients)))
        elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "logins_per_second": logins / elapsed,
        "failed_logins": failures,
        "healthz_probes": len(latencies),
        "healthz_median_ms": statistics.median(latencies),
        "healthz_p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "healthz_max_ms": latencies[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--serve", nargs=3, metavar=("DATABASE_URL", "DATA_DIR", "PORT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], Path(args.serve[1]), int(args.serve[2]))
        return
    with tempfile.TemporaryDirectory(prefix="login-bench-") as tmp:
        database_url = f"sqlite:///{tmp}/broker.db"
        seed(database_url, args.clients)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.login", "--serve", database_url, tmp, str(port)],
            env=os.environ.copy(),
        )
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_until_up(base))
            figures = asyncio.run(load(base, args.clients, args.seconds))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    print(describe())
    print(f"{args.clients} clients, {args.seconds:.0f} s")
    for name, value in figures.items():
        print(f"  {name}: {value:.1f}" if isinstance(value, float) else f"  {name}: {value}")


if __name__ == "__main__":
    main()
