"""`broker load-geography`: a production install learns its postcode districts from a council's file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner

from benchmarks.shared_data import shared_data
from broker.accounts.models import Role
from broker.cli import app
from broker.geography.models import PostcodeDistrict
from broker.geography.service import load_districts, read_geography_csv
from tests.factories import make_council, make_user
from tests.providers.test_provider_listing import CREATE, PA_LISTING

NATIONAL = shared_data() / "uk-outcodes.csv"
runner = CliRunner()

# Columns of the ONS Postcode Directory a council holds (a subset, in ONSPD's own order and names).
ONSPD_SAMPLE = """\
pcd,pcd2,pcds,dointr,doterm,oslaua,osward,ctry,lat,long
ZZ1 1AA,ZZ1  1AA,ZZ1 1AA,198001,,E06000099,E05000001,E92000001,54.100000,-2.800000
ZZ1 1AB,ZZ1  1AB,ZZ1 1AB,198001,,E06000099,E05000001,E92000001,54.200000,-2.600000
ZZ1 1AD,ZZ1  1AD,ZZ1 1AD,198001,200312,E06000099,E05000001,E92000001,57.000000,1.000000
ZZ1 9ZZ,ZZ1  9ZZ,ZZ1 9ZZ,198001,,E06000099,E05000001,E92000001,99.999999,0.000000
ZZ2 3BC,ZZ2  3BC,ZZ2 3BC,199001,,E06000098,E05000002,E92000001,53.500000,-1.500000
ZZ3 1AA,ZZ3  1AA,ZZ3 1AA,199001,201001,E06000098,E05000002,E92000001,53.000000,-1.000000
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.delenv("BROKER_DATABASE_URL", raising=False)
    return tmp_path


def _districts(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT code, latitude, longitude, town, area, region FROM postcode_district ORDER BY code"
        ).fetchall()


@pytest.mark.skipif(not NATIONAL.exists(), reason="shared national geography not present")
def test_loading_the_national_file_twice_leaves_the_same_districts(env: Path):
    first = runner.invoke(app, ["load-geography", str(NATIONAL)])
    once = _districts(env / "broker.db")
    second = runner.invoke(app, ["load-geography", str(NATIONAL)])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "Loaded 2848 postcode districts from uk-outcodes.csv." in second.stdout
    assert len(once) == 2848
    assert _districts(env / "broker.db") == once


def test_loading_a_corrected_file_updates_the_district_in_place(env: Path):
    original, corrected = env / "a.csv", env / "b.csv"
    header = "postcode,latitude,longitude,city,county,region_name\n"
    original.write_text(
        header + "LS8,53.8,-1.5,Leeds,Leeds,Yorkshire\nLS9,53.79,-1.51,Leeds,Leeds,Yorkshire\n"
    )
    corrected.write_text(header + "LS8,53.82,-1.52,Roundhay,Leeds,Yorkshire and The Humber\n")

    runner.invoke(app, ["load-geography", str(original)])
    result = runner.invoke(app, ["load-geography", str(corrected)])

    assert result.exit_code == 0, result.output
    assert _districts(env / "broker.db") == [
        ("LS8", 53.82, -1.52, "Roundhay", "Leeds", "Yorkshire and The Humber"),
        ("LS9", 53.79, -1.51, "Leeds", "Leeds", "Yorkshire"),
    ]


def test_onspd_postcodes_become_districts_at_the_mean_of_their_live_postcodes(env: Path):
    onspd = env / "ONSPD_NOV_2026_UK.csv"
    onspd.write_text(ONSPD_SAMPLE)

    result = runner.invoke(app, ["load-geography", str(onspd)])

    assert result.exit_code == 0, result.output
    assert "Loaded 2 postcode districts from ONSPD_NOV_2026_UK.csv." in result.stdout
    assert _districts(env / "broker.db") == [
        ("ZZ1", 54.15, -2.7, "", "E06000099", ""),
        ("ZZ2", 53.5, -1.5, "", "E06000098", ""),
    ]


def test_a_file_without_districts_is_refused(env: Path):
    empty = env / "other.csv"
    empty.write_text("postcode,latitude,longitude\nnot a postcode,1,2\n")

    result = runner.invoke(app, ["load-geography", str(empty)])

    assert result.exit_code == 1
    assert "has no postcode districts in a format we read" in result.output


async def test_a_listing_can_be_based_in_a_district_loaded_from_onspd(api, db, tmp_path: Path):
    onspd = tmp_path / "onspd.csv"
    onspd.write_text(ONSPD_SAMPLE)
    council = await make_council(db, "Westmorland and Furness Council")
    jo = await make_user(db, Role.PROVIDER, council)
    listing = {**PA_LISTING, "basePostcode": "ZZ1 1AB"}
    before = (await api.data(CREATE, {"input": listing}, as_user=jo))["createProvider"]

    async with db.transaction() as session:
        await load_districts(session, read_geography_csv(onspd))
    try:
        after = (await api.data(CREATE, {"input": listing}, as_user=jo))["createProvider"]
    finally:
        # The PostgreSQL test database keeps its districts between tests; loading none afterwards
        # empties the process's cache of districts it has seen.
        async with db.transaction() as session:
            await session.execute(delete(PostcodeDistrict).where(PostcodeDistrict.code.in_(["ZZ1", "ZZ2"])))
            await load_districts(session, [])

    assert [error["code"] for error in before["userErrors"]] == ["UNKNOWN_POSTCODE"]
    assert after["userErrors"] == []
    assert after["provider"]["postcodeDistrict"] == "ZZ1"
