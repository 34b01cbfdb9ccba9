"""The National Living Wage is dated: a rate is judged by the wage in force when the work is done."""

from __future__ import annotations

from datetime import UTC, date, datetime

from broker.accounts.models import Role
from broker.providers.rules import national_living_wage_pence
from tests.agreements.test_agreements import CREATE as CREATE_AGREEMENT
from tests.agreements.test_agreements import SLOTS, _world, gid
from tests.factories import make_council, make_user
from tests.providers.test_provider_listing import CREATE as CREATE_LISTING
from tests.providers.test_provider_listing import PA_LISTING


def test_each_april_brings_in_the_new_rate():
    assert national_living_wage_pence(date(2025, 4, 1)) == 1221
    assert national_living_wage_pence(date(2026, 3, 31)) == 1221
    assert national_living_wage_pence(date(2026, 4, 1)) == 1271
    assert national_living_wage_pence(date(2030, 1, 1)) == 1271


async def _agreement_at(api, db, rate_pence: int, start_date: str) -> dict:
    _, broker, _, _, plan, _, jo = await _world(db)
    direct = {
        "planId": gid("SupportPlan", plan),
        "providerId": gid("Provider", jo),
        "slots": SLOTS,
        "hourlyRatePence": rate_pence,
        "startDate": start_date,
    }
    return (await api.data(CREATE_AGREEMENT, {"input": direct}, as_user=broker))["createAgreement"]


async def test_an_agreement_starting_before_april_2026_may_pay_the_2025_rate(api, db):
    result = await _agreement_at(api, db, 1250, "2026-03-01")

    assert result["userErrors"] == []
    assert result["agreement"]["hourlyRatePence"] == 1250


async def test_an_agreement_starting_in_april_2026_must_pay_the_2026_rate(api, db):
    result = await _agreement_at(api, db, 1250, "2026-04-01")

    assert result["agreement"] is None
    assert result["userErrors"] == [
        {
            "field": "input.hourlyRatePence",
            "message": "An hourly rate cannot be below the National Living Wage (£12.71).",
            "code": "OUT_OF_RANGE",
        }
    ]


async def test_a_listing_rate_is_judged_by_the_wage_in_force_today(api, db, clock):
    council = await make_council(db, "Leeds City Council")
    jo = await make_user(db, Role.PROVIDER, council)
    sam = await make_user(db, Role.PROVIDER, council)
    listing = {**PA_LISTING, "hourlyRatePence": 1250}

    clock.at = datetime(2026, 3, 31, 12, tzinfo=UTC)
    before_april = (await api.data(CREATE_LISTING, {"input": listing}, as_user=jo))["createProvider"]
    clock.at = datetime(2026, 4, 1, 12, tzinfo=UTC)
    from_april = (await api.data(CREATE_LISTING, {"input": listing}, as_user=sam))["createProvider"]

    assert before_april["userErrors"] == []
    assert before_april["provider"]["hourlyRatePence"] == 1250
    assert from_april["provider"] is None
    assert from_april["userErrors"] == [
        {
            "field": "input.hourlyRatePence",
            "message": "Hourly rate cannot be below the National Living Wage (£12.71).",
            "code": "OUT_OF_RANGE",
        }
    ]
