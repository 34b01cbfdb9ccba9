"""Real Chromium for the web client's journeys: one `broker serve` on a fresh data folder (demo data
seeded, index built, as `make run` does) shared by every browser test, and `check`, which runs
axe-core (WCAG 2.2 AA) at 1280 px and at 320 px and keeps a full-page screenshot of each page under
test-artefacts/web/ for a reviewer to look at.

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
from playwright.sync_api import Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[3]
ARTEFACTS = ROOT / "test-artefacts" / "web"
DEMO_PASSWORD = "demo-password-2026"
READY_WITHIN_SECONDS = 900
WCAG = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    }
}

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("web-demo")
    port = _free_port()
    env = {**os.environ, "BROKER_DATA_DIR": str(data / "var"), "BROKER_ENVIRONMENT": "development"}
    for name in ("BROKER_DATABASE_URL", "BROKER_SEARCH_URL", "BROKER_SECRET_KEY"):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-c", "from broker.cli import app; app()", "serve", "--port", str(port)],
        env=env,
        cwd=data,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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


@pytest.fixture(scope="module")
def chromium():
    """Per module: Playwright's sync API holds an event loop open in this thread while it runs, and
    the async tests collected after the browser folder need the thread's loop free again."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def check(page: Page, name: str) -> None:
    """axe-core finds nothing on the page, at 1280 px and at 320 px (where nothing scrolls sideways),
    and a full-page screenshot is kept."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
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
