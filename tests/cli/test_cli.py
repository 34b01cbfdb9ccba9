"""The `broker` command as an operator uses it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.shared_data import shared_data
from broker.accounts.passwords import verify_password
from broker.cli import app
from search.tantivy_backend import TantivyBackend
from tests.search.damage import damage

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = shared_data() / "uk-outcodes.csv"
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.delenv("BROKER_DATABASE_URL", raising=False)
    return tmp_path


def test_committed_schema_matches_the_code():
    result = runner.invoke(app, ["export-schema"])

    assert result.exit_code == 0
    assert result.stdout == (ROOT / "schema.graphql").read_text(), (
        "schema.graphql is stale: run `broker export-schema --output schema.graphql`"
    )


def _provider_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT name, kind, status, hourly_rate_pence, postcode_district, languages"
            " FROM provider ORDER BY id"
        ).fetchall()


def test_seeding_is_deterministic(env: Path, monkeypatch: pytest.MonkeyPatch):
    args = [
        "seed",
        "--council",
        "Kirklees Council",
        "--providers",
        "40",
        "--holders",
        "2",
        "--seed",
        "7",
        "--today",
        "2026-11-26",
    ]
    first, second = env / "a.db", env / "b.db"

    monkeypatch.setenv("BROKER_DATABASE_URL", f"sqlite:///{first}")
    result = runner.invoke(app, args)
    monkeypatch.setenv("BROKER_DATABASE_URL", f"sqlite:///{second}")
    runner.invoke(app, args)

    assert result.exit_code == 0, result.output
    assert "Seeded 40 listings and 2 holders for Kirklees Council over 28 districts." in result.output
    assert _provider_rows(first) == _provider_rows(second)
    assert len(_provider_rows(first)) == 40


def test_seed_rates_follow_the_market(env: Path):
    runner.invoke(app, ["seed", "--providers", "300", "--holders", "0", "--seed", "1"])

    with sqlite3.connect(env / "broker.db") as connection:
        rates = dict(
            connection.execute(
                "SELECT kind, MIN(hourly_rate_pence) || '-' || MAX(hourly_rate_pence)"
                " FROM provider GROUP BY kind"
            ).fetchall()
        )
    pa_low, pa_high = map(int, rates["PA"].split("-"))
    agency_low, agency_high = map(int, rates["AGENCY"].split("-"))
    assert pa_low >= 1271 and pa_high <= 1800
    assert agency_low >= 2400 and agency_high <= 3400


@pytest.mark.skipif(not NATIONAL.exists(), reason="shared national geography not present")
def test_seed_loads_a_national_geography(env: Path):
    result = runner.invoke(app, ["seed", "--providers", "50", "--holders", "0", "--geography", str(NATIONAL)])

    assert result.exit_code == 0, result.output
    with sqlite3.connect(env / "broker.db") as connection:
        districts = connection.execute("SELECT COUNT(*) FROM postcode_district").fetchone()[0]
    assert districts > 2800


def test_create_user_makes_the_first_admin_and_refuses_duplicates(env: Path):
    args = [
        "create-user",
        "--email",
        "root@council.example",
        "--role",
        "ADMIN",
        "--password",
        "a long enough password",
    ]

    created = runner.invoke(app, args)
    duplicate = runner.invoke(app, args)
    broker_without_council = runner.invoke(
        app, ["create-user", "--email", "b@x.example", "--role", "BROKER", "--password", "long enough pw"]
    )

    assert created.exit_code == 0 and "Created ADMIN root@council.example." in created.output
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    assert broker_without_council.exit_code == 1 and "belongs to a council" in broker_without_council.output


def test_create_user_refuses_a_common_password_and_creates_nobody(env: Path):
    result = runner.invoke(
        app, ["create-user", "--email", "root@council.example", "--role", "ADMIN", "--password", "qwertyuiop"]
    )

    assert result.exit_code == 1
    assert result.output == (
        "error: password: This is one of the most common passwords, which attackers try first. "
        "Choose another: three random words work well.\n"
    )
    with sqlite3.connect(env / "broker.db") as connection:
        assert connection.execute("SELECT COUNT(*) FROM user_account").fetchone()[0] == 0


def test_reindex_and_search_sync_bring_the_index_up_to_date(env: Path):
    runner.invoke(app, ["seed", "--providers", "30", "--holders", "0", "--seed", "3"])

    synced = runner.invoke(app, ["search-sync", "--once"])
    rebuilt = runner.invoke(app, ["reindex"])

    assert synced.exit_code == 0, synced.output
    indexed = int(synced.output.split("indexed ")[1].split(",")[0])
    assert 0 < indexed <= 30
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"Indexed {indexed} listings" in rebuilt.output


def test_reindex_and_search_sync_work_on_a_damaged_index(env: Path):
    runner.invoke(app, ["seed", "--providers", "30", "--holders", "0", "--seed", "3"])
    first = runner.invoke(app, ["reindex"])
    damage(env / "search-index", "truncated to 0 bytes")

    rebuilt = runner.invoke(app, ["reindex"])
    damage(env / "search-index", "meta.json garbage")
    synced = runner.invoke(app, ["search-sync", "--once"])

    indexed = first.output.split("Indexed ")[1].split(" ")[0]
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"Indexed {indexed} listings" in rebuilt.output
    assert synced.exit_code == 0, synced.output
    assert TantivyBackend(env / "search-index").stats()["documents"] == int(indexed)


def test_every_service_group_has_a_name_for_people():
    from broker.taxonomy.services import GROUPS, all_services

    assert {service.group for service in all_services().values()} <= set(GROUPS)


def test_create_user_reads_the_password_from_stdin_without_a_terminal(env: Path):
    result = runner.invoke(
        app,
        ["create-user", "--email", "root@council.example", "--role", "ADMIN", "--password-stdin"],
        input="three random words here\nnot read\n",
    )
    duplicate = runner.invoke(
        app,
        ["create-user", "--email", "root@council.example", "--role", "ADMIN", "--password-stdin"],
        input="three random words here\n",
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == "Created ADMIN root@council.example.\n"
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    with sqlite3.connect(env / "broker.db") as connection:
        (password_hash,) = connection.execute(
            "SELECT password_hash FROM user_account WHERE email = 'root@council.example'"
        ).fetchone()
    assert verify_password(password_hash, "three random words here")


def test_create_user_refuses_an_empty_stdin_and_two_passwords(env: Path):
    args = ["create-user", "--email", "root@council.example", "--role", "ADMIN", "--password-stdin"]

    empty = runner.invoke(app, args, input="")
    both = runner.invoke(app, [*args, "--password", "a long enough password"], input="x\n")

    assert (empty.exit_code, empty.output) == (
        2,
        "error: --password-stdin read no password from standard input.\n",
    )
    assert (both.exit_code, both.output) == (2, "error: give --password or --password-stdin, not both.\n")
    assert not (env / "broker.db").exists()


def test_create_user_without_a_password_asks_for_it_twice(env: Path):
    result = runner.invoke(
        app,
        ["create-user", "--email", "root@council.example", "--role", "ADMIN"],
        input="three random words here\nthree random words here\n",
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Created ADMIN root@council.example.\n")
