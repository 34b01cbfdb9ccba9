"""rateSufficiency and the settings it is judged by, through /graphql as a client would."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import sqlite3
from datetime import date

from typer.testing import CliRunner

from broker.accounts.models import Role
from broker.cli import app as cli
from broker.db import Database
from broker.providers.models import ProviderKind
from tests.factories import (
    make_agreement,
    make_council,
    make_holder,
    make_payment,
    make_plan,
    make_provider,
    make_user,
)
from tests.market.test_take_up import gid

SETTINGS = """mutation($input: SetMarketSettingsInput!) { setMarketSettings(input: $input) {
  settings { dpHourlyRates { providerKind hourlyRatePence } longWaitDays } userErrors { field code } } }"""
PRICE = """mutation($input: SetHomecareMinimumPriceInput!) { setHomecareMinimumPrice(input: $input) {
  price { inForceFrom hourlyRatePence } userErrors { field code } } }"""
RATES = """query($input: RateSufficiencyInput!) { rateSufficiency(input: $input) {
  district providerKind councilRatePence providers
  askedRates { lowerQuartilePence medianPence upperQuartilePence }
  medianPaidPence payments nationalLivingWagePence homecareMinimumPricePence councilRateBelowMinimumPrice
  providersAboveCouncilRate topUpRiskPercent suppressed } }"""


async def _local_market(db, council):
    """Five listed PAs (and one not accredited), two agencies; five people paying the first PA."""
    broker = await make_user(db, Role.BROKER, council)
    pas = [await make_provider(db, council, hourly_rate_pence=r) for r in (1400, 1450, 1500, 1600, 1700)]
    await make_provider(db, council, hourly_rate_pence=1300, accredited_until=None)
    agencies = [
        await make_provider(db, council, kind=ProviderKind.AGENCY, hourly_rate_pence=r) for r in (2800, 3300)
    ]
    for _ in range(5):
        plan = await make_plan(db, await make_holder(db, council))
        agreement = await make_agreement(db, plan, pas[0], created_by=broker, hourly_rate_pence=1500)
        await make_payment(db, agreement, period_start=date(2026, 10, 5), hours=10.0)
    plan = await make_plan(db, await make_holder(db, council))
    agreement = await make_agreement(db, plan, agencies[0], created_by=broker, hourly_rate_pence=2800)
    await make_payment(db, agreement, period_start=date(2026, 10, 5), hours=10.0)
    return broker


async def test_rates_against_the_council_rate_living_wage_and_homecare_price(api, db):
    council = await make_council(db)
    broker = await _local_market(db, council)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    c = gid("Council", council.id)
    rates = [
        {"providerKind": "PA", "hourlyRatePence": 1500},
        {"providerKind": "AGENCY", "hourlyRatePence": 2500},
    ]
    data = await api.data(SETTINGS, {"input": {"councilId": c, "dpHourlyRates": rates}}, as_user=commissioner)
    assert data["setMarketSettings"] == {
        "settings": {
            "dpHourlyRates": [
                {"providerKind": "AGENCY", "hourlyRatePence": 2500},
                {"providerKind": "PA", "hourlyRatePence": 1500},
            ],
            "longWaitDays": 28,
        },
        "userErrors": [],
    }
    platform = await make_user(db, Role.ADMIN, None)
    price = {"inForceFrom": "2025-04-01", "hourlyRatePence": 3214}
    data = await api.data(PRICE, {"input": price}, as_user=platform)
    assert data["setHomecareMinimumPrice"] == {"price": price, "userErrors": []}

    rows = (await api.data(RATES, {"input": {"councilId": c}}, as_user=commissioner))["rateSufficiency"]
    assert rows == [
        {
            "district": "LS8",
            "providerKind": "AGENCY",
            "councilRatePence": 2500,
            "providers": 2,
            "askedRates": {"lowerQuartilePence": 2925.0, "medianPence": 3050.0, "upperQuartilePence": 3175.0},
            "medianPaidPence": None,  # one person paid an agency: withheld
            "payments": None,
            "nationalLivingWagePence": 1271,
            "homecareMinimumPricePence": 3214,
            "councilRateBelowMinimumPrice": True,
            "providersAboveCouncilRate": 2,
            "topUpRiskPercent": 100.0,
            "suppressed": True,
        },
        {
            "district": "LS8",
            "providerKind": "PA",
            "councilRatePence": 1500,
            "providers": 5,
            "askedRates": {"lowerQuartilePence": 1450.0, "medianPence": 1500.0, "upperQuartilePence": 1600.0},
            "medianPaidPence": 1500.0,
            "payments": 5,
            "nationalLivingWagePence": 1271,
            "homecareMinimumPricePence": None,
            "councilRateBelowMinimumPrice": None,
            "providersAboveCouncilRate": 2,
            "topUpRiskPercent": 40.0,
            "suppressed": False,
        },
    ]
    assert (await api.data(RATES, {"input": {"councilId": c}}, as_user=broker))["rateSufficiency"] == rows


async def test_a_handful_of_pas_is_withheld(api, db):
    council = await make_council(db)
    for rate in (1400, 1500):
        await make_provider(db, council, hourly_rate_pence=rate)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    rows = (
        await api.data(RATES, {"input": {"councilId": gid("Council", council.id)}}, as_user=commissioner)
    )["rateSufficiency"]
    assert [(r["providerKind"], r["providers"], r["askedRates"], r["topUpRiskPercent"], r["suppressed"])
            for r in rows] == [("PA", None, None, None, True)]  # fmt: skip


async def test_rates_are_for_the_council_only(api, db):
    council, other = await make_council(db), await make_council(db)
    await make_provider(db, council)
    given = {"input": {"councilId": gid("Council", council.id)}}
    for role in (Role.BROKER, Role.ADMIN, Role.COMMISSIONER):
        assert (
            len((await api.data(RATES, given, as_user=await make_user(db, role, council)))["rateSufficiency"])
            == 1
        )
        body = await api.execute(RATES, given, as_user=await make_user(db, role, other))
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    for user in (
        await make_user(db, Role.DP_HOLDER, council),
        await make_user(db, Role.PROVIDER, council),
        None,
    ):
        body = await api.execute(RATES, given, as_user=user)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    platform = await make_user(db, Role.ADMIN, None)
    assert len((await api.data(RATES, given, as_user=platform))["rateSufficiency"]) == 1
    for bad in (gid("Council", 999_999), gid("Council", 10**30), gid("Provider", council.id), "nonsense"):
        body = await api.execute(RATES, {"input": {"councilId": bad}}, as_user=platform)
        assert body["data"] is None, bad
        assert body["errors"][0]["extensions"]["field"] == "input.councilId", (bad, body)


async def test_only_the_councils_commissioners_and_admins_change_its_settings(api, db):
    council, other = await make_council(db), await make_council(db)
    c = gid("Council", council.id)
    given = {"councilId": c, "longWaitDays": 21}
    for user in (
        await make_user(db, Role.BROKER, council),
        await make_user(db, Role.COMMISSIONER, other),
        await make_user(db, Role.ADMIN, other),
        await make_user(db, Role.PROVIDER, council),
        await make_user(db, Role.DP_HOLDER, council),
    ):
        data = await api.data(SETTINGS, {"input": given}, as_user=user)
        assert data["setMarketSettings"]["userErrors"][0]["code"] == "PERMISSION_DENIED", user.role
        data = await api.data(
            PRICE, {"input": {"inForceFrom": "2026-04-01", "hourlyRatePence": 3300}}, as_user=user
        )
        assert data["setHomecareMinimumPrice"]["userErrors"][0]["code"] == "PERMISSION_DENIED"
    body = await api.execute(SETTINGS, {"input": given})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    admin = await make_user(db, Role.ADMIN, council)
    data = await api.data(SETTINGS, {"input": given}, as_user=admin)
    assert data["setMarketSettings"]["settings"] == {"dpHourlyRates": [], "longWaitDays": 21}
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    data = await api.data(
        PRICE, {"input": {"inForceFrom": "2026-04-01", "hourlyRatePence": 3300}}, as_user=commissioner
    )
    assert data["setHomecareMinimumPrice"]["userErrors"][0]["code"] == "PERMISSION_DENIED"


def _rate(kind: str, pence: int) -> dict[str, object]:
    return {"providerKind": kind, "hourlyRatePence": pence}


async def test_settings_refuse_hostile_values(api, db):
    council = await make_council(db)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    c = gid("Council", council.id)
    pa, rate = "input.dpHourlyRates.0.hourlyRatePence", "input.dpHourlyRates.{}.providerKind"
    cases = [
        ({"dpHourlyRates": [_rate("PA", 1200)]}, pa, "OUT_OF_RANGE"),  # below the living wage
        ({"dpHourlyRates": [_rate("PA", 2_000_000_000)]}, pa, "OUT_OF_RANGE"),
        ({"dpHourlyRates": [_rate("SUPPORT_ORG", 2000)]}, rate.format(0), "INVALID"),
        ({"dpHourlyRates": [_rate("PA", 2000), _rate("PA", 2100)]}, rate.format(1), "DUPLICATE"),
        ({"longWaitDays": 0}, "input.longWaitDays", "OUT_OF_RANGE"),
        ({"longWaitDays": 100_000}, "input.longWaitDays", "OUT_OF_RANGE"),
    ]
    for extra, field, code in cases:
        data = await api.data(SETTINGS, {"input": {"councilId": c, **extra}}, as_user=commissioner)
        assert [(e["field"], e["code"]) for e in data["setMarketSettings"]["userErrors"]] == [
            (field, code)
        ], extra
    data = await api.data(SETTINGS, {"input": {"councilId": gid("Council", 999_999)}}, as_user=commissioner)
    assert data["setMarketSettings"]["userErrors"][0]["code"] == "NOT_FOUND"
    platform = await make_user(db, Role.ADMIN, None)
    for price, field in (
        ({"inForceFrom": "1990-04-01", "hourlyRatePence": 3214}, "input.inForceFrom"),
        ({"inForceFrom": "2026-04-01", "hourlyRatePence": 0}, "input.hourlyRatePence"),
    ):
        data = await api.data(PRICE, {"input": price}, as_user=platform)
        assert [e["field"] for e in data["setHomecareMinimumPrice"]["userErrors"]] == [field]


def test_the_migration_records_the_homecare_price_for_2025_26(sqlite_template):
    with sqlite3.connect(sqlite_template) as connection:
        rows = connection.execute(
            "SELECT in_force_from, hourly_rate_pence FROM homecare_minimum_price"
        ).fetchall()
    assert rows == [("2025-04-01", 3214)]


async def test_staff_download_rates_csv(api, db):
    council, other = await make_council(db), await make_council(db)
    await _local_market(db, council)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    await api.data(
        SETTINGS,
        {"input": {"councilId": gid("Council", council.id), "dpHourlyRates": [_rate("PA", 1500)]}},
        as_user=commissioner,
    )
    response = await api.http.get(
        "/reports/rates.csv", headers={"Authorization": f"Bearer {api.token_for(commissioner)}"}
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["provider_kind"], r["council_rate_pence"], r["providers"], r["asked_rate_median_pence"],
             r["median_paid_pence"], r["top_up_risk_percent"], r["suppressed"]) for r in rows] == [
        ("AGENCY", "", "2", "3050.0", "", "", "true"),
        ("PA", "1500", "5", "1500.0", "1500.0", "40.0", "false"),
    ]  # fmt: skip
    stranger = await make_user(db, Role.COMMISSIONER, other)
    token = {"Authorization": f"Bearer {api.token_for(stranger)}"}
    assert (await api.http.get(f"/reports/rates.csv?council={council.id}", headers=token)).status_code == 403
    holder = await make_user(db, Role.DP_HOLDER, council)
    token = {"Authorization": f"Bearer {api.token_for(holder)}"}
    assert (await api.http.get("/reports/rates.csv", headers=token)).status_code == 403
    assert (await api.http.get("/reports/rates.csv")).status_code == 401


def test_report_rates_from_the_command_line(sqlite_template, tmp_path, monkeypatch):
    path = tmp_path / "broker.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"

    async def given() -> None:
        db = Database(url)
        try:
            council = await make_council(db, "Leeds City Council")
            for rate in (1400, 1450, 1500, 1600, 1700):
                await make_provider(db, council, hourly_rate_pence=rate)
        finally:
            await db.dispose()

    asyncio.run(given())
    monkeypatch.setenv("BROKER_DATABASE_URL", url)
    monkeypatch.setenv("BROKER_ENVIRONMENT", "test")
    monkeypatch.setenv("BROKER_DATA_DIR", str(tmp_path))
    output = tmp_path / "rates.csv"
    result = CliRunner().invoke(
        cli, ["report", "rates", "--council", "Leeds City Council", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(output.open()))
    assert [
        (r["district"], r["provider_kind"], r["providers"], r["asked_rate_median_pence"]) for r in rows
    ] == [("LS8", "PA", "5", "1500.0")]
    result = CliRunner().invoke(cli, ["report", "rates", "--council", "Nowhere"])
    assert result.exit_code == 1 and "Nowhere" in result.output
