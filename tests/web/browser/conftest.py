"""Real Chromium for the web client's journeys: one `broker serve` on a fresh data folder (demo data
seeded, index built, as `make run` does) shared by every browser test, and `check`, which runs
axe-core (WCAG 2.2 AA) at 1280 px and at 320 px and keeps a full-page screenshot of each page under
test-artefacts/web/ for a reviewer to look at.

Assertions about a page go through Playwright's `expect`, which retries until the page that a click
led to has arrived: on a loaded CI machine a bare `is_visible()` reads the page before it is parsed.
When a journey fails, its page's address and text and the end of the server's log are printed with it.

Without Chromium the browser tests skip with the reason, except where BROKER_REQUIRE_BROWSER is set (CI).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[3]
ARTEFACTS = ROOT / "test-artefacts" / "web"
DEMO_PASSWORD = "demo-password-2026"
READY_WITHIN_SECONDS = 900
SERVER_LOG = "serve.log"
WCAG = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    }
}

expect.set_options(timeout=20_000)  # a loaded two-core machine takes seconds over some pages

if not CHROMIUM.exists() and os.environ.get("BROKER_REQUIRE_BROWSER"):
    raise RuntimeError(
        "BROKER_REQUIRE_BROWSER is set but /usr/bin/chromium is missing (apt-get install chromium)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="no Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def site_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-demo")


@pytest.fixture(scope="session")
def site(site_folder: Path) -> Iterator[str]:
    data = site_folder
    log = (data / SERVER_LOG).open("wb")
    port = _free_port()
    env = {**os.environ, "BROKER_DATA_DIR": str(data / "var"), "BROKER_ENVIRONMENT": "development"}
    for name in ("BROKER_DATABASE_URL", "BROKER_SEARCH_URL", "BROKER_SECRET_KEY"):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-c", "from broker.cli import app; app()", "serve", "--port", str(port)],
        env=env,
        cwd=data,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Seeding the demo takes seconds on an idle machine and minutes on a loaded one.
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("broker serve did not become ready")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def chromium():
    """Per module: Playwright's sync API holds an event loop open in this thread while it runs, and
    the async tests collected after the browser folder need the thread's loop free again."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request: pytest.FixtureRequest, site_folder: Path) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    if request.node.stash.get(_CALL_FAILED, False):
        _report_failure(page, site_folder / SERVER_LOG)
    context.close()


def _report_failure(page: Page, log: Path) -> None:
    """What the browser was showing and what the server said last: a CI failure's only evidence."""
    print(f"page at failure: {page.url} ({page.title()!r})")
    print(page.locator("body").inner_text(timeout=5_000)[:2_000])
    if log.exists():
        print("end of the server log:")
        print("\n".join(log.read_text(errors="replace").splitlines()[-40:]))


def check(page: Page, name: str) -> None:
    """axe-core finds nothing on the page, at 1280 px and at 320 px (where nothing scrolls sideways),
    and a full-page screenshot is kept."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")  # a click waits for the next page to begin, not to arrive
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{name} scrolls sideways at 320 px ({width} px wide)"
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{name} at 320 px: {results.generate_report()}"
    page.screenshot(path=ARTEFACTS / f"{name}-320.png", full_page=True)
    if size:
        page.set_viewport_size(size)


def sign_in_as(page: Page, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
