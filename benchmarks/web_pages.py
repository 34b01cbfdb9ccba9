"""The web client's ten most used pages on the demo data (issue 12): server time per page (p50, p95)
and bytes per page excluding fonts (HTML + CSS + JS).

    .venv/bin/python -m benchmarks.web_pages [--rounds 30]

A fresh SQLite database is seeded as `broker serve` seeds an empty one (the demo council: 150
listings, 30 holders and 60 plans) and indexed; the app runs in-process (httpx ASGITransport, no
sockets), so the time is the server's: the page handler, its GraphQL operations through the whole
`/graphql` stack, the database and the template, not the network. Each role signs in once and keeps
its cookie, as a browser would. Bytes are the page's HTML plus the stylesheet and scripts it links
(`/static/app.css`, the govuk-frontend bundle, `/static/init.js`), uncompressed as served (the app
does not compress); the stylesheet uses the system font stack, so there are no fonts to exclude.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.machine import describe
from broker.settings import Settings

PASSWORD = "demo-password-2026"
ASSET = re.compile(r'(?:href|src)="(/(?:static|web-assets)/[^"]+\.(?:css|js))"')


@dataclass(frozen=True)
class PageCase:
    name: str
    role: str  # whose cookie: "anonymous" or a demo sign-in
    path: str


async def _sign_in(http: httpx.AsyncClient, email: str) -> None:
    form = await http.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    answer = await http.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "next": "", "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.text


def _first(page: str, pattern: str) -> str:
    found = re.search(pattern, page)
    assert found, pattern
    return found.group(1)


async def _cases(clients: dict[str, httpx.AsyncClient]) -> list[PageCase]:
    """The ten pages, with IDs found by clicking as their users would."""
    public, broker, holder = (
        clients["anonymous"],
        clients["broker@leeds.example"],
        clients["holder@leeds.example"],
    )
    search = "/?text=dementia&postcode=LS8+1AA&radiusKm=10"
    provider = _first((await public.get(search)).text, r'href="(/providers/[^"]+)"')
    caseload = (await broker.get("/caseload")).text
    holder_page = _first(caseload, r'href="(/holders/[^"]+)">Holder 0<')
    plan = _first((await broker.get(holder_page)).text, r'href="(/plans/[^"/]+)"')
    home = (await holder.get("/your-care")).text
    statement = _first(home, r'href="(/your-care/[^"/]+/budget-statement)"')
    return [
        PageCase("public search", "anonymous", search),
        PageCase("a provider page", "anonymous", provider),
        PageCase("sign-in", "anonymous", "/sign-in"),
        PageCase("caseload", "broker@leeds.example", "/caseload"),
        PageCase("holder page", "broker@leeds.example", holder_page),
        PageCase("plan page with matches", "broker@leeds.example", plan),
        PageCase("care requests", "broker@leeds.example", "/care-requests"),
        PageCase("market gaps", "commissioner@leeds.example", "/market"),
        PageCase("your holder home", "holder@leeds.example", "/your-care"),
        PageCase("budget statement", "holder@leeds.example", statement),
    ]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def prepare(folder: Path) -> Settings:
    """A fresh database seeded and indexed as `broker serve` does an empty one."""
    from broker.cli import _reindex, _seed_demo
    from broker.db import migrate

    settings = Settings(
        environment="development",
        database_url=f"sqlite:///{folder / 'broker.db'}",
        data_dir=folder,
        secret_key="b" * 40,
        search_url=f"tantivy://{folder / 'index'}",
        login_address_max_attempts=10**6,
    )
    started = time.perf_counter()
    migrate(settings.database_url)
    asyncio.run(_seed_demo(settings))
    asyncio.run(_reindex(settings))
    print(f"demo data seeded and indexed in {time.perf_counter() - started:.1f} s")
    return settings


async def run(settings: Settings, rounds: int) -> None:
    from broker.app import create_app

    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    roles = ("anonymous", "broker@leeds.example", "commissioner@leeds.example", "holder@leeds.example")
    clients = {role: httpx.AsyncClient(transport=transport, base_url="http://bench") for role in roles}
    try:
        for role, http in clients.items():
            if role != "anonymous":
                await _sign_in(http, role)
        cases = await _cases(clients)
        asset_bytes: dict[str, tuple[int, int]] = {}
        times: dict[str, list[float]] = {c.name: [] for c in cases}
        sizes: dict[str, tuple[int, int, list[str]]] = {}
        for round_ in range(rounds + 3):
            for case in cases:
                http = clients[case.role]
                t0 = time.perf_counter()
                answer = await http.get(case.path)
                elapsed = (time.perf_counter() - t0) * 1000
                assert answer.status_code == 200, (case, answer.status_code)
                if round_ >= 3:  # warm-up rounds are not counted
                    times[case.name].append(elapsed)
                if case.name not in sizes:
                    assets = ASSET.findall(answer.text)
                    for asset in assets:
                        if asset not in asset_bytes:
                            body = (await http.get(asset)).content
                            asset_bytes[asset] = (len(body), len(gzip.compress(body)))
                    sizes[case.name] = (len(answer.content), len(gzip.compress(answer.content)), assets)
    finally:
        for http in clients.values():
            await http.aclose()

    load = os.getloadavg()
    print(f"machine: {describe()}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"{rounds} rounds of the ten pages, after 3 warm-up rounds; SQLite, tantivy, in-process")
    header = f"{'page':<26}{'p50':>9}{'p95':>9}{'HTML':>10}{'+CSS+JS':>10}{'gzipped':>10}"
    print(header)

    def total(assets: list[str], which: int) -> int:
        return sum(asset_bytes[a][which] for a in assets)

    for name, samples in times.items():
        p50, p95 = percentiles(samples)
        html, html_gz, assets = sizes[name]
        whole, whole_gz = html + total(assets, 0), html_gz + total(assets, 1)
        print(
            f"{name:<26}{p50:>7.1f}ms{p95:>7.1f}ms"
            f"{html / 1024:>8.1f}KB{whole / 1024:>8.1f}KB{whole_gz / 1024:>8.1f}KB"
        )
    for asset, (raw, packed) in sorted(asset_bytes.items()):
        print(f"  {asset}: {raw / 1024:.1f} KB ({packed / 1024:.1f} KB gzipped)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = prepare(Path(folder))
        asyncio.run(run(settings, args.rounds))


if __name__ == "__main__":
    main()
