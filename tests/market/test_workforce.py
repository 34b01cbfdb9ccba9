"""workforce through /graphql: accredited PAs and agencies in post each month, joiners, leavers, turnover."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, date, datetime

from typer.testing import CliRunner

from broker.accounts.models import Role
from broker.cli import app as cli
from broker.db import Database
from broker.providers.models import ProviderKind
from tests.factories import adjust_provider, make_council, make_provider, make_user
from tests.market.test_take_up import gid

WORKFORCE = """query($input: WorkforceInput!) { workforce(input: $input) {
  suppressedBelow
  months { month district providerKind listed joiners leavers turnoverPercent suppressed }
  period { month providerKind listed joiners leavers turnoverPercent suppressed } } }"""
PUBLISHED = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


async def _listed(
    db, council, kind=ProviderKind.PA, *, accredited_until=date(2027, 6, 30), published=PUBLISHED
):
    """A listing whose checks run the year to `accredited_until`."""
    provider = await make_provider(db, council, kind=kind, accredited_until=accredited_until)
    return await adjust_provider(db, provider, published_at=published)


async def _given(db):
    council, other = await make_council(db), await make_council(db)
    for _ in range(5):
        await _listed(db, council)
    await _listed(db, council, accredited_until=date(2026, 10, 15))  # her DBS lapses in October
    await _listed(db, council, accredited_until=date(2027, 10, 20))  # checked in October: a joiner
    await _listed(db, council, published=None)  # never published
    for until in (date(2027, 6, 30), date(2027, 6, 30), date(2026, 10, 15)):
        await _listed(db, council, ProviderKind.AGENCY, accredited_until=until)
    await _listed(db, other)
    given = {"councilId": gid("Council", council.id), "from": "2026-09-01", "to": "2026-11-30"}
    return council, other, given


def _row(month, kind, listed, joiners, leavers, turnover, suppressed=False):
    return {
        "month": month, "district": "LS8", "providerKind": kind, "listed": listed, "joiners": joiners,
        "leavers": leavers, "turnoverPercent": turnover, "suppressed": suppressed,
    }  # fmt: skip


async def test_workforce_each_month_with_joiners_leavers_and_turnover(api, db):
    council, _, given = await _given(db)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    data = (await api.data(WORKFORCE, {"input": given}, as_user=commissioner))["workforce"]
    assert data["suppressedBelow"] == 5
    assert data["months"] == [
        _row("2026-09-01", "AGENCY", 3, 0, 0, 0.0),
        _row("2026-09-01", "PA", 6, 0, 0, 0.0),
        _row("2026-10-01", "AGENCY", 2, 0, 1, 50.0),
        _row("2026-10-01", "PA", 6, None, None, None, True),  # one PA joined, one left: withheld
        _row("2026-11-01", "AGENCY", 2, 0, 0, 0.0),
        _row("2026-11-01", "PA", 6, 0, 0, 0.0),
    ]
    assert [{k: v for k, v in r.items() if k != "district"} for r in data["period"]] == [
        {k: v for k, v in _row(None, "AGENCY", 2, 0, 1, 50.0).items() if k != "district"},
        {k: v for k, v in _row(None, "PA", 6, None, None, None, True).items() if k != "district"},
    ]


async def test_workforce_is_for_the_council_only_and_refuses_bad_input(api, db):
    council, other, given = await _given(db)
    for role in (Role.BROKER, Role.ADMIN, Role.COMMISSIONER):
        data = await api.data(WORKFORCE, {"input": given}, as_user=await make_user(db, role, council))
        assert len(data["workforce"]["months"]) == 6
        body = await api.execute(WORKFORCE, {"input": given}, as_user=await make_user(db, role, other))
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    for user in (
        await make_user(db, Role.DP_HOLDER, council),
        await make_user(db, Role.PROVIDER, council),
        None,
    ):
        body = await api.execute(WORKFORCE, {"input": given}, as_user=user)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    platform = await make_user(db, Role.ADMIN, None)
    assert len((await api.data(WORKFORCE, {"input": given}, as_user=platform))["workforce"]["months"]) == 6
    cases = [
        ({"from": "2026-12-01"}, "input.from", "OUT_OF_RANGE"),
        ({"from": "2016-01-01"}, "input.from", "OUT_OF_RANGE"),  # 131 months
        ({"from": "0001-01-01"}, "input.from", "OUT_OF_RANGE"),
        ({"councilId": gid("Council", 999_999)}, "input.councilId", "NOT_FOUND"),
        ({"councilId": gid("Provider", council.id)}, "input.councilId", "NOT_FOUND"),
    ]
    for extra, field, code in cases:
        body = await api.execute(WORKFORCE, {"input": {**given, **extra}}, as_user=platform)
        assert body["data"] is None, extra
        assert body["errors"][0]["extensions"] == {"code": code, "field": field}, extra


async def test_staff_download_workforce_csv(api, db):
    council, other, _ = await _given(db)
    broker = await make_user(db, Role.BROKER, council)
    response = await api.http.get(
        "/reports/workforce.csv?from=2026-10-01&to=2026-10-31",
        headers={"Authorization": f"Bearer {api.token_for(broker)}"},
    )
    assert response.status_code == 200, response.text
    assert response.text.splitlines() == [
        "month,district,provider_kind,listed,joiners,leavers,turnover_percent,suppressed",
        "2026-10-01,LS8,AGENCY,2,0,1,50.0,false",
        "2026-10-01,LS8,PA,6,,,,true",
        ",LS8,AGENCY,2,0,1,50.0,false",
        ",LS8,PA,6,,,,true",
    ]
    stranger = await make_user(db, Role.BROKER, other)
    token = {"Authorization": f"Bearer {api.token_for(stranger)}"}
    assert (
        await api.http.get(f"/reports/workforce.csv?council={council.id}", headers=token)
    ).status_code == 403


def test_report_time_to_care_and_workforce_from_the_command_line(sqlite_template, tmp_path, monkeypatch):
    path = tmp_path / "broker.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"

    async def given() -> None:
        db = Database(url)
        try:
            council = await make_council(db, "Leeds City Council")
            for _ in range(5):
                await _listed(db, council, kind=ProviderKind.AGENCY)
        finally:
            await db.dispose()

    asyncio.run(given())
    monkeypatch.setenv("BROKER_DATABASE_URL", url)
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    leeds = ["--council", "Leeds City Council", "--from", "2026-09-01", "--to", "2026-09-30"]
    result = CliRunner().invoke(cli, ["report", "workforce", *leeds])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "2026-09-01,LS8,AGENCY,5,0,0,0.0,false",
        ",LS8,AGENCY,5,0,0,0.0,false",
    ]
    output = tmp_path / "time-to-care.csv"
    result = CliRunner().invoke(cli, ["report", "time-to-care", *leeds, "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.read_text().splitlines()[-1] == "WAITING_LONGER_THAN_28_DAYS,0,,,,false"
    result = CliRunner().invoke(cli, ["report", "workforce", *leeds[:4], "--to", "2026-08-01"])
    assert result.exit_code == 1 and "from" in result.output
