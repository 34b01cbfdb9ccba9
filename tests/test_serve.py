"""`broker serve` and the settings it starts from: what it prints, what it refuses, the files it makes."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from broker.cli import app

BROKER = Path(sys.executable).with_name("broker")
SECRET = "planted-production-secret-key-0123456789abcdef"
runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _signals_as_at_a_terminal() -> None:
    """The child starts with no signal blocked and Ctrl-C's default, whatever the test runner's
    worker inherited or set (a pytest-xdist worker's child otherwise missed SIGINT)."""
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _banner_of_serve(env: dict[str, str], cwd: Path, args: list[str] | None = None) -> str:
    """Starts `broker serve`, reads what it prints up to its banner's end, and stops it."""
    process = subprocess.Popen(
        [str(BROKER), "serve", *(["--port", str(_free_port())] if args is None else args)],
        cwd=cwd,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=_signals_as_at_a_terminal,
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    said: list[str] = []
    last = "  Database:" if env.get("BROKER_ENVIRONMENT") == "production" else "Try:"
    try:
        while not said or not said[-1].startswith(last):
            said.append(lines.get(timeout=120))
    except queue.Empty:
        pass
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    return "".join(said)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("BROKER_")]:
        monkeypatch.delenv(name)


def test_production_refuses_an_sqlite_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env):
    monkeypatch.setenv("BROKER_ENVIRONMENT", "production")
    monkeypatch.setenv("BROKER_SECRET_KEY", SECRET)
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))

    default = runner.invoke(app, ["migrate"])
    monkeypatch.setenv("BROKER_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    explicit = runner.invoke(app, ["migrate"])

    message = (
        "error: BROKER_DATABASE_URL must be a postgresql:// URL in production "
        "(got a sqlite URL; SQLite is the embedded default for development only)\n"
    )
    assert (default.exit_code, default.output) == (2, message)
    assert (explicit.exit_code, explicit.output) == (2, message)
    assert not (tmp_path / "x.db").exists()


def test_the_sqlite_database_and_its_directory_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env
):
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path / "data"))
    earlier = tmp_path / "earlier.db"
    earlier.touch(mode=0o644)

    created = runner.invoke(app, ["seed", "--providers", "3", "--holders", "1"])
    monkeypatch.setenv("BROKER_DATABASE_URL", f"sqlite:///{earlier}")
    tightened = runner.invoke(app, ["migrate"])

    assert created.exit_code == 0 and tightened.exit_code == 0, created.output + tightened.output
    modes = {
        path.name: oct(path.stat().st_mode & 0o777)
        for path in [tmp_path / "data", *sorted((tmp_path / "data").glob("broker.db*")), earlier]
    }
    assert modes == {"data": "0o700", "broker.db": "0o600", "earlier.db": "0o600"} | {
        name: "0o600" for name in modes if name.startswith("broker.db-")
    }


def test_development_serve_lists_the_demo_sign_ins_it_seeded(tmp_path: Path, clean_env):
    banner = _banner_of_serve({"BROKER_DATA_DIR": str(tmp_path / "var")}, tmp_path)

    assert banner.startswith("Empty database: seeding the demo council (Leeds City Council)...\n")
    assert f"  Database: sqlite:///{tmp_path / 'var' / 'broker.db'}\n" in banner
    assert "Demo sign-ins (password 'demo-password-2026'):\n  ADMIN           admin@demo.example\n" in banner
    assert 'Try: mutation { login(input: {email: "broker@leeds.example", ' in banner


def test_production_serve_prints_no_demo_sign_ins_and_no_database_password(
    tmp_path: Path, postgres_url: str, clean_env
):
    with_password = make_url(postgres_url).set(password="planted-db-password")
    url = with_password.render_as_string(hide_password=False)

    banner = _banner_of_serve(
        {
            "BROKER_ENVIRONMENT": "production",
            "BROKER_DATABASE_URL": url,
            "BROKER_SECRET_KEY": SECRET,
            "BROKER_DATA_DIR": str(tmp_path / "var"),
            "BROKER_SEARCH_SYNC_IN_PROCESS": "false",
        },
        tmp_path,
    )

    assert f"  Database: {with_password.render_as_string(hide_password=True)}\n" in banner
    assert ":***@" in banner
    assert "planted-db-password" not in banner and SECRET not in banner
    assert "Demo sign-ins" not in banner and "demo-password" not in banner


def test_serve_listens_where_broker_host_and_broker_port_say(tmp_path: Path, clean_env):
    port = _free_port()

    banner = _banner_of_serve(
        {"BROKER_DATA_DIR": str(tmp_path / "var"), "BROKER_HOST": "127.0.0.1", "BROKER_PORT": str(port)},
        tmp_path,
        args=[],
    )

    assert f"\nDP broker is running at http://127.0.0.1:{port}/\n" in banner


def test_serve_refuses_a_port_that_is_not_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_env):
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BROKER_PORT", "70000")

    result = runner.invoke(app, ["serve"])

    assert (result.exit_code, result.output) == (
        2,
        "error: BROKER_PORT: Input should be less than or equal to 65535\n",
    )
