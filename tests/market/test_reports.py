"""CSV twins (`/reports/<name>.csv`, `broker report`), `broker import-figures` and the open demand feed."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil

from typer.testing import CliRunner

from broker.accounts.models import Role
from broker.cli import app as cli
from broker.db import Database
from tests.factories import make_council, make_holder, make_plan, make_user


async def _waiting(db, council, people: int):
    for _ in range(people):
        await make_plan(db, await make_holder(db, council))


async def test_staff_download_gaps_csv_with_a_bearer_token(api, db):
    council, other = await make_council(db), await make_council(db)
    await _waiting(db, council, 5)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    response = await api.http.get(
        "/reports/gaps.csv?from=2026-11-01&to=2026-11-30",
        headers={"Authorization": f"Bearer {api.token_for(commissioner)}"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["district"], r["service"], r["time_band"], r["people"], r["unmet_hours"], r["suppressed"])
            for r in rows] == [("LS8", "PERSONAL_CARE", "DAYTIME", "5", "50.0", "false")]  # fmt: skip
    assert (await api.http.get("/reports/gaps.csv")).status_code == 401
    holder = await make_user(db, Role.DP_HOLDER, council)
    denied = await api.http.get(
        "/reports/gaps.csv", headers={"Authorization": f"Bearer {api.token_for(holder)}"}
    )
    assert denied.status_code == 403
    stranger = await make_user(db, Role.BROKER, other)
    token = {"Authorization": f"Bearer {api.token_for(stranger)}"}
    assert (await api.http.get(f"/reports/gaps.csv?council={council.id}", headers=token)).status_code == 403
    assert (await api.http.get("/reports/nothing.csv", headers=token)).status_code == 404
    assert (await api.http.get("/reports/gaps.csv?from=someday", headers=token)).status_code == 400
    take_up = await api.http.get("/reports/take-up.csv?from=2026-01-01&to=2026-03-31", headers=token)
    assert take_up.status_code == 200 and take_up.text.count("\n") == 4


async def test_the_open_demand_feed_needs_no_sign_in_and_withholds_small_counts(api, db):
    leeds, york = await make_council(db, "Leeds"), await make_council(db, "York")
    await _waiting(db, leeds, 6)
    await _waiting(db, york, 2)
    response = await api.http.get("/open-data/demand.json")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json() == {
        "date": "2026-11-26",
        "rows": [
            {"council": "Leeds", "district": "LS8", "service": "PERSONAL_CARE", "time_band": "DAYTIME",
             "people_waiting": 6, "unmet_hours": 60.0, "suppressed": False},
            {"council": "York", "district": "LS8", "service": "PERSONAL_CARE", "time_band": "DAYTIME",
             "people_waiting": None, "unmet_hours": None, "suppressed": True},
        ],
    }  # fmt: skip
    text = (await api.http.get("/open-data/demand.csv")).text
    assert text.splitlines() == [
        "council,district,service,time_band,people_waiting,unmet_hours,suppressed",
        "Leeds,LS8,PERSONAL_CARE,DAYTIME,6,60.0,false",
        "York,LS8,PERSONAL_CARE,DAYTIME,,,true",
    ]


def test_import_figures_then_report_take_up_from_the_command_line(sqlite_template, tmp_path, monkeypatch):
    path = tmp_path / "broker.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"

    async def given() -> None:
        db = Database(url)
        try:
            await make_council(db, "Leeds City Council")
        finally:
            await db.dispose()

    asyncio.run(given())
    monkeypatch.setenv("BROKER_DATABASE_URL", url)
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    figures = tmp_path / "figures.csv"
    figures.write_text(
        "council,month,people_on_long_term_community_support,people_on_direct_payments\n"
        "Leeds City Council,2025-09-01,6295,938\n"
        "Leeds City Council,2025-10-01,6300,\n"
    )
    result = CliRunner().invoke(cli, ["import-figures", str(figures)])
    assert result.exit_code == 0, result.output
    assert "Recorded 2 months of figures." in result.stdout
    output = tmp_path / "take-up.csv"
    result = CliRunner().invoke(
        cli, ["report", "take-up", "--council", "Leeds City Council", "--from", "2025-09-01", "--to",
              "2025-10-31", "--output", str(output)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(output.open()))
    assert [(r["month"], r["rate_percent"], r["people_on_direct_payments"]) for r in rows] == [
        ("2025-09-01", "14.9", "938"),
        ("2025-10-01", "0.0", "0"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("council,month,people_on_long_term_community_support\nLeeds City Council,2025-09-02,-5\n")
    result = CliRunner().invoke(cli, ["import-figures", str(bad)])
    assert result.exit_code == 1 and "people_on_long_term_community_support" in result.output


async def test_a_flood_of_anonymous_feed_requests_costs_one_computation(api, db, monkeypatch):
    """The feed reads every council's gaps; many callers at once, or within five minutes, share one."""
    import asyncio
    from datetime import timedelta

    from broker.market import reports

    await _waiting(db, await make_council(db, "Leeds"), 6)
    computed = []
    real = reports.open_demand

    async def counted(session, *, today):
        computed.append(today)
        return await real(session, today=today)

    monkeypatch.setattr(reports, "open_demand", counted)

    answers = await asyncio.gather(*(api.http.get("/open-data/demand.json") for _ in range(8)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert answers[0].headers["cache-control"] == "public, max-age=300"
    assert len(computed) == 1

    api.clock.at += timedelta(minutes=4)
    await api.http.get("/open-data/demand.csv")
    assert len(computed) == 1
    api.clock.at += timedelta(minutes=2)
    await api.http.get("/open-data/demand.csv")
    assert len(computed) == 2


async def test_the_background_pass_prepares_the_feed_so_callers_compute_nothing(db, clock, monkeypatch):
    """The feed is refreshed ahead of its callers: a minute before it would go stale, the pass works
    it out again while callers are still served the one it holds."""
    from datetime import timedelta

    from broker.market import reports
    from broker.market.feed import DemandFeed

    await _waiting(db, await make_council(db, "Leeds"), 6)
    computed = []
    real = reports.open_demand

    async def counted(session, *, today):
        computed.append(today)
        return await real(session, today=today)

    monkeypatch.setattr(reports, "open_demand", counted)
    feed = DemandFeed(db, clock)
    await feed.refresh_if_due()
    assert len(computed) == 1
    day, rows = await feed.read()
    assert (day.isoformat(), [r["people_waiting"] for r in rows]) == ("2026-11-26", [6])
    clock.at += timedelta(minutes=3)
    await feed.refresh_if_due()
    await feed.read()
    assert len(computed) == 1
    clock.at += timedelta(minutes=1, seconds=30)
    await feed.refresh_if_due()  # due a minute ahead of going stale
    assert len(computed) == 2
    clock.at += timedelta(minutes=4)
    await feed.read()
    assert len(computed) == 2
