"""marketGaps through /graphql: demand, agreed and unmet hours by district, service and time band."""

from __future__ import annotations

from broker.accounts.models import Role
from tests.factories import make_agreement, make_council, make_holder, make_plan, make_provider, make_user
from tests.market.test_take_up import gid

GAPS = """query($input: MarketGapsInput!) { marketGaps(input: $input) {
  district service timeBand people peopleWaiting demandHours agreedHours unmetHours
  budgetedRates { lowerQuartilePence medianPence upperQuartilePence } suppressed } }"""

MORNING_AND_EVENING = ((0, 7 * 60, 8 * 60), (0, 18 * 60, 19 * 60))


async def _five_waiting_and_one_met(db, council):
    broker = await make_user(db, Role.BROKER, council)
    plans = []
    for rate in (1500, 1600, 1700, 1800, 1900):
        holder = await make_holder(db, council)
        plans.append(await make_plan(db, holder, needs=(("PERSONAL_CARE", 4.0, rate, MORNING_AND_EVENING),)))
    provider = await make_provider(db, council)
    await make_agreement(
        db, plans[0], provider, created_by=broker, hours_per_week=4.0, slots=MORNING_AND_EVENING
    )
    return broker


async def test_gaps_by_district_service_and_band(api, db):
    council = await make_council(db)
    broker = await _five_waiting_and_one_met(db, council)
    given = {
        "councilId": gid("Council", council.id),
        "groupBy": ["DISTRICT", "SERVICE"],
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    data = await api.data(GAPS, {"input": given}, as_user=broker)
    assert data["marketGaps"] == [
        {
            "district": "LS8",
            "service": "PERSONAL_CARE",
            "timeBand": None,
            "people": 5,
            "peopleWaiting": None,
            "demandHours": 20.0,
            "agreedHours": 4.0,
            "unmetHours": None,
            "budgetedRates": {
                "lowerQuartilePence": 1600.0,
                "medianPence": 1700.0,
                "upperQuartilePence": 1800.0,
            },
            "suppressed": True,
        },
    ]
    by_band = await api.data(GAPS, {"input": {**given, "groupBy": ["TIME_BAND"]}}, as_user=broker)
    assert [
        (r["timeBand"], r["demandHours"], r["agreedHours"], r["people"]) for r in by_band["marketGaps"]
    ] == [
        ("EARLY_MORNING", 10.0, 2.0, 5),
        ("EVENING", 10.0, 2.0, 5),
    ]


async def test_a_commissioner_sees_small_cells_withheld_and_no_other_council(api, db):
    council, other = await make_council(db), await make_council(db)
    holder = await make_holder(db, council)
    await make_plan(db, holder)
    given = {
        "councilId": gid("Council", council.id),
        "groupBy": ["DISTRICT"],
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    data = await api.data(GAPS, {"input": given}, as_user=commissioner)
    assert data["marketGaps"] == [
        {
            "district": "LS8",
            "service": None,
            "timeBand": None,
            "people": None,
            "peopleWaiting": None,
            "demandHours": None,
            "agreedHours": None,
            "unmetHours": None,
            "budgetedRates": None,
            "suppressed": True,
        }
    ]
    for user in (await make_user(db, Role.COMMISSIONER, other), await make_user(db, Role.BROKER, other)):
        body = await api.execute(GAPS, {"input": given}, as_user=user)
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    for user in (await make_user(db, Role.DP_HOLDER, council), None):
        body = await api.execute(GAPS, {"input": given}, as_user=user)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    platform = await make_user(db, Role.ADMIN, None)
    assert (await api.data(GAPS, {"input": given}, as_user=platform))["marketGaps"][0]["district"] == "LS8"
    body = await api.execute(GAPS, {"input": {**given, "from": "2027-01-01"}}, as_user=platform)
    assert body["errors"][0]["extensions"] == {"code": "OUT_OF_RANGE", "field": "input.from"}


SUPPLY = """query($input: MarketGapsInput!) { marketGaps(input: $input) {
  district timeBand unmetHours reachableSupplyHours gapRatio
  askedRates { medianPence } waitingPlans suppressed } }"""


async def test_reachable_supply_counts_free_hours_of_listed_providers_within_their_own_radius(api, db):
    council = await make_council(db)
    broker = await _five_waiting_and_one_met(db, council)  # the PA: 20 h, 4 agreed, Mon/Wed 09:00-17:00
    waiting = await make_plan(
        db, await make_holder(db, council), needs=(("PERSONAL_CARE", 4.0, 1500, MORNING_AND_EVENING),)
    )
    await make_provider(db, council, district="LS8", services=("DOMESTIC_HELP",))  # another service
    await make_provider(db, council, district="LS8", accredited_until=None)  # not accredited
    given = {
        "councilId": gid("Council", council.id),
        "groupBy": ["DISTRICT"],
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    rows = (await api.data(SUPPLY, {"input": given}, as_user=broker))["marketGaps"]
    assert len(rows) == 1 and len(rows[0]["waitingPlans"]) == 5
    assert {k: v for k, v in rows[0].items() if k != "waitingPlans"} == {
        "district": "LS8",
        "timeBand": None,
        "unmetHours": 20.0,
        "reachableSupplyHours": 16.0,
        "gapRatio": 1.25,
        "askedRates": {"medianPence": 1450.0},
        "suppressed": False,
    }
    assert gid("SupportPlan", waiting.id) in rows[0]["waitingPlans"]
    by_band = (await api.data(SUPPLY, {"input": {**given, "groupBy": ["TIME_BAND"]}}, as_user=broker))[
        "marketGaps"
    ]
    # Her availability is daytime only: none of it reaches the morning and evening needs.
    assert [(r["timeBand"], r["reachableSupplyHours"], r["gapRatio"]) for r in by_band] == [
        ("EARLY_MORNING", 0.0, None),
        ("EVENING", 0.0, None),
    ]
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    seen = (await api.data(SUPPLY, {"input": given}, as_user=commissioner))["marketGaps"]
    assert seen[0]["waitingPlans"] is None and seen[0]["unmetHours"] == 20.0


async def test_a_broker_gets_the_waiting_plans_when_asked_for_them_in_a_fragment(api, db):
    """The waiting plans are read only when the query selects them, fragments included."""
    council = await make_council(db)
    broker = await _five_waiting_and_one_met(db, council)
    given = {
        "councilId": gid("Council", council.id),
        "groupBy": ["DISTRICT", "SERVICE", "TIME_BAND"],
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    spread = """query($input: MarketGapsInput!) { marketGaps(input: $input) { ...Row } }
    fragment Row on MarketGapRow { district ... on MarketGapRow { waitingPlans } }"""
    rows = (await api.data(spread, {"input": given}, as_user=broker))["marketGaps"]
    assert sum(len(r["waitingPlans"]) for r in rows) >= 5
    plain = """query($input: MarketGapsInput!) { marketGaps(input: $input) { district unmetHours } }"""
    assert (await api.data(plain, {"input": given}, as_user=broker))["marketGaps"]
