"""Reachable supply in `marketGaps` comes from prepared cells: the same figures, cell by cell, as
working it out from the listings on the spot, after listing events, after a day passes, and after a
rebuild from scratch."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlmodel import col

from broker.accounts.models import Role
from broker.agreements.models import AgreementBand
from broker.api.clock import london_date
from broker.market import prepared
from broker.market.gaps import DEMAND_STATUSES
from broker.market.models import ListingOffer, ListingReach, SupplyCell
from broker.market.stats import quartiles
from broker.market.supply import supply
from broker.plans.models import NeedBand, SupportPlan
from broker.providers.models import ProviderKind, ProviderStatus
from search import outbox
from tests.factories import (
    adjust_provider,
    make_agreement,
    make_council,
    make_holder,
    make_plan,
    make_provider,
    make_user,
)
from tests.market.test_take_up import gid

GAPS = """query($input: MarketGapsInput!) { marketGaps(input: $input) {
  district service timeBand reachableSupplyHours
  askedRates { lowerQuartilePence medianPence upperQuartilePence } } }"""

DISTRICTS = ("LS1", "LS2", "LS6", "LS7", "LS8", "LS11", "LS17", "LS28")
SERVICES = ("PERSONAL_CARE", "DEMENTIA", "DOMESTIC_HELP", "COMPANIONSHIP")
STARTS = (6 * 60, 8 * 60, 12 * 60, 17 * 60, 21 * 60)
TODAY = date(2026, 11, 26)


def _slots(rng: random.Random) -> tuple[tuple[int, int, int], ...]:
    days = rng.sample(range(7), rng.randint(1, 4))
    return tuple(
        (day, start, min(start + rng.choice((60, 120, 180, 300)), 24 * 60))
        for day in sorted(days)
        for start in [rng.choice(STARTS)]
    )


async def _seeded_market(db, council):
    """A small market drawn from a fixed seed: listings of every kind and state, plans with needs
    across districts, services and bands, and agreements that start or end around today."""
    rng = random.Random(13)
    broker = await make_user(db, Role.BROKER, council)
    providers = []
    for _ in range(36):
        providers.append(
            await make_provider(
                db,
                council,
                kind=rng.choice((ProviderKind.PA, ProviderKind.PA, ProviderKind.AGENCY)),
                status=ProviderStatus.PUBLISHED if rng.random() < 0.9 else ProviderStatus.DRAFT,
                district=rng.choice(DISTRICTS),
                services=tuple(rng.sample(SERVICES, rng.randint(1, 3))),
                hourly_rate_pence=rng.choice((1300, 1450, 1600, 1800, 2100)),
                travel_radius_km=rng.choice((2.0, 5.0, 8.0, 15.0)),
                slots=_slots(rng),
                # some checks run out tomorrow: those listings leave the market with the date alone
                accredited_until=rng.choice(
                    (date(2027, 6, 30), date(2027, 6, 30), TODAY + timedelta(days=1), None)
                ),
            )
        )
    plans = []
    for _ in range(30):
        holder = await make_holder(db, council)
        needs = tuple(
            (service, float(rng.choice((2, 4, 7, 10))), rng.choice((1400, 1500, 1700)), _slots(rng))
            for service in rng.sample(SERVICES, rng.randint(1, 3))
        )
        plans.append(
            await make_plan(
                db,
                holder,
                needs=needs,
                district=rng.choice(DISTRICTS),
                status=rng.choice(("ACTIVE", "MATCHED")),
            )
        )
    for plan in rng.sample(plans, 10):
        await make_agreement(
            db,
            plan,
            rng.choice(providers),
            created_by=broker,
            hours_per_week=float(rng.choice((3, 6, 12))),
            start_date=rng.choice((date(2026, 4, 6), TODAY + timedelta(days=1))),
            end_date=rng.choice((None, TODAY)),
        )
    return broker, providers, plans


async def _direct_supply(db, council, today):
    """The straightforward evaluation: every listed provider joined to every district it reaches,
    service it offers and band it is available in, summed on the spot (`supply.supply`)."""
    plans = and_(col(SupportPlan.council_id) == council.id, col(SupportPlan.status).in_(DEMAND_STATUSES))
    async with db.session() as session:
        return await supply(session, dims=["district", "service", "band"], plans=plans, today=today)


async def _assert_same_as_direct(api, db, council, user, clock) -> int:
    given = {
        "councilId": gid("Council", council.id),
        "groupBy": ["DISTRICT", "SERVICE", "TIME_BAND"],
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    rows = (await api.data(GAPS, {"input": given}, as_user=user))["marketGaps"]
    hours, rates = await _direct_supply(db, council, london_date(clock.now()))
    with_supply = 0
    for row in rows:
        key = (row["district"], row["service"], row["timeBand"])
        expected = quartiles(rates.get(key, {}))
        asked = row["askedRates"]
        assert row["reachableSupplyHours"] == hours.get(key, 0.0), key
        assert (
            None
            if asked is None
            else (asked["lowerQuartilePence"], asked["medianPence"], asked["upperQuartilePence"])
        ) == expected, key
        with_supply += row["reachableSupplyHours"] > 0
    return with_supply


async def _prepared_tables(db):
    async with db.session() as session:
        return [
            sorted(tuple(r) for r in (await session.execute(select(*table.__table__.columns))).all())
            for table in (ListingReach, ListingOffer, SupplyCell)
        ]


async def test_prepared_supply_matches_the_direct_evaluation_cell_by_cell(api, db, clock):
    council = await make_council(db)
    broker, providers, _ = await _seeded_market(db, council)
    assert await _assert_same_as_direct(api, db, council, broker, clock) >= 20

    # Listing events: a new agreement takes hours, a listing widens its radius and changes its
    # rate, another is withdrawn; each tells the outbox as the service does.
    holder = await make_holder(db, council)
    plan = await make_plan(db, holder, district="LS2")
    await make_agreement(db, plan, providers[0], created_by=broker, hours_per_week=5.0)
    for provider, changes in (
        (providers[1], {"travel_radius_km": 25.0, "hourly_rate_pence": 2500}),
        (providers[2], {"status": ProviderStatus.SUSPENDED}),
    ):
        await adjust_provider(db, provider, **changes)
        async with db.transaction() as session:
            outbox.enqueue(session, [provider.id])
    assert await _assert_same_as_direct(api, db, council, broker, clock) >= 20

    # A day later: agreements ended yesterday free their hours, others start, checks run out.
    clock.at += timedelta(days=1)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    assert await _assert_same_as_direct(api, db, council, commissioner, clock) >= 20

    kept_up = await _prepared_tables(db)
    async with db.transaction() as session:
        await prepared.rebuild(session, london_date(clock.now()))
    assert await _prepared_tables(db) == kept_up


async def test_going_back_a_day_rebuilds_the_prepared_supply(api, db, clock):
    council = await make_council(db)
    broker, _, _ = await _seeded_market(db, council)
    clock.at += timedelta(days=1)
    assert await _assert_same_as_direct(api, db, council, broker, clock) >= 20
    clock.at -= timedelta(days=1)
    assert await _assert_same_as_direct(api, db, council, broker, clock) >= 20


CREATE_PLAN = """mutation($input: CreateSupportPlanInput!) { createSupportPlan(input: $input) {
  supportPlan { id } userErrors { field message code } } }"""
UPDATE_PLAN = """mutation($input: UpdateSupportPlanInput!) { updateSupportPlan(input: $input) {
  supportPlan { id } userErrors { field message code } } }"""


async def _need_bands(db, model=NeedBand):
    async with db.session() as session:
        return sorted(tuple(r) for r in (await session.execute(select(*model.__table__.columns))).all())


async def test_saving_a_plan_stores_each_needs_split_across_time_bands(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)
    evening_and_weekend = {
        "serviceCode": "PERSONAL_CARE",
        "hoursPerWeek": 4,
        "budgetedRatePence": 1500,
        "slots": [
            {"day": "MONDAY", "start": "16:00", "end": "19:00"},
            {"day": "SATURDAY", "start": "10:00", "end": "11:00"},
        ],
    }
    created = await api.data(
        CREATE_PLAN,
        {"input": {"holderId": gid("DPHolder", holder.id), "outcomes": "Stay at home.",
                   "startDate": "2026-12-07", "needs": [evening_and_weekend]}},
        as_user=broker,
    )  # fmt: skip
    assert created["createSupportPlan"]["userErrors"] == []
    stored = await _need_bands(db)
    assert [(band, minutes, total) for _, band, minutes, total in stored] == [
        ("DAYTIME", 60, 240),
        ("EVENING", 120, 240),
        ("WEEKEND", 60, 240),
    ]
    plan_id = created["createSupportPlan"]["supportPlan"]["id"]
    night = {
        **evening_and_weekend,
        "hoursPerWeek": 2,
        "slots": [{"day": "TUESDAY", "start": "22:00", "end": "24:00"}],
    }
    updated = await api.data(UPDATE_PLAN, {"input": {"id": plan_id, "needs": [night]}}, as_user=broker)
    assert updated["updateSupportPlan"]["userErrors"] == []
    assert [(band, minutes, total) for _, band, minutes, total in await _need_bands(db)] == [
        ("NIGHT", 120, 120)
    ]
    # What was stored is what deriving every split from the slots again gives.
    await _seeded_market(db, council)
    kept_up = await _need_bands(db), await _need_bands(db, AgreementBand)
    assert kept_up[1]
    async with db.transaction() as session:
        await prepared.rebuild_band_splits(session)
    assert (await _need_bands(db), await _need_bands(db, AgreementBand)) == kept_up
