"""How long the 904-byte fragment bomb of issue 9 takes to be answered, and whether /healthz waits for it.

    .venv/bin/python -m benchmarks.fragment_bomb [--levels 22] [--timeout 70] [--providers 100]

The service runs in its own uvicorn process on loopback (production settings, SQLite with seeded
listings); the bomb is sent, and half a second later /healthz: on a server whose validation blocks
the event loop the health check waits as long as the bomb. Both give up after `--timeout` seconds.
Then the costliest query the cost limit lets through (15 aliases of a full 100-listing page) is timed,
since the limit bounds what one request can make the event loop do.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from benchmarks.machine import describe
from benchmarks.providers_rps import seed

FIELDS = "id name kind hourlyRatePence accredited services { code label } languages { code name }"
HEAVY = (
    "{ "
    + " ".join(f"p{n}: providers(first: 100) {{ totalCount nodes {{ {FIELDS} }} }}" for n in range(15))
    + " }"
)


def fragment_bomb(levels: int) -> str:
    fragments = [f"fragment f{n} on Query {{ ...f{n - 1} ...f{n - 1} }}" for n in range(1, levels + 1)]
    return " ".join([f"{{ ...f{levels} }}", "fragment f0 on Query { services { code } }", *fragments])


def serve(database_url: str, port: int) -> None:
    import uvicorn

    from broker.app import create_app
    from broker.settings import Settings

    settings = Settings(
        environment="production",
        database_url=database_url,
        secret_key="b" * 40,
        search_sync_in_process=False,
        data_dir=Path(database_url.removeprefix("sqlite:///")).parent,
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def timed(send, timeout: float) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        response = send(timeout)
        outcome = f"HTTP {response.status_code}: {response.text[:110]}"
    except httpx.TimeoutException:
        outcome = f"no answer within {timeout:.0f} s"
    return time.perf_counter() - start, outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", type=int, default=22)
    parser.add_argument("--timeout", type=float, default=70.0)
    parser.add_argument("--providers", type=int, default=100)
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.serve:
        serve(args.database_url, args.port)
        return
    bomb = fragment_bomb(args.levels)
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        seed(database_url, args.providers)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.fragment_bomb",
                "--serve",
                *("--database-url", database_url),
                *("--port", str(port)),
            ]
        )
        try:
            if not wait_until_up(base):
                raise RuntimeError(f"server at {base} did not come up")
            results: dict[str, tuple[float, str]] = {}

            def send_bomb() -> None:
                results["bomb"] = timed(
                    lambda t: httpx.post(f"{base}/graphql", json={"query": bomb}, timeout=t), args.timeout
                )

            worker = threading.Thread(target=send_bomb)
            worker.start()
            time.sleep(0.5)
            results["healthz"] = timed(lambda t: httpx.get(f"{base}/healthz", timeout=t), args.timeout)
            worker.join()
            report_bomb(args.levels, bomb, results)
            # A server that blocks on the bomb may still be busy with it after the client gave up.
            if wait_until_up(base, args.timeout):
                results["heavy"] = timed(
                    lambda t: httpx.post(f"{base}/graphql", json={"query": HEAVY}, timeout=t), args.timeout
                )
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {describe()}; load average at the end {load}")
    if "heavy" in results:
        seconds, outcome = results["heavy"]
        print(f"15 x providers(first: 100), {args.providers} listings: {seconds:.3f} s  {outcome[-90:]}")
    else:
        print("15 x providers(first: 100): not measured, the server was still busy")


def report_bomb(levels: int, bomb: str, results: dict[str, tuple[float, str]]) -> None:
    print(f"fragment bomb, {levels} levels, {len(bomb.encode())} bytes:")
    seconds, outcome = results["bomb"]
    print(f"  answered in {seconds:8.3f} s  {outcome}")
    seconds, outcome = results["healthz"]
    print(f"  /healthz sent 0.5 s later, answered in {seconds:8.3f} s  {outcome}", flush=True)


if __name__ == "__main__":
    main()
