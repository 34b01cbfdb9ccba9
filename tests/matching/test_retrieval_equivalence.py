"""The reach index finds exactly the providers an exhaustive evaluation of every listing would find.

A seeded market (dense: hundreds of listings over Leeds's districts, all at district centroids),
a sparse area far from it, and listings placed just inside and just outside their own travel radius
of a home in eight directions. For every plan, over the whole plan and need by need, the candidates
the index returns are compared with (a) evaluating every listing in the database and (b) the
latitude band scan the index replaced.
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import select, text, update

from broker.geography.models import PostcodeDistrict
from broker.geography.postcodes import EARTH_RADIUS_KM, distance_km
from broker.matching import retrieval
from broker.matching.scoring import evaluate, rank
from broker.matching.service import plan_spec
from broker.plans import service as plans
from broker.plans.models import SupportPlan
from broker.providers.models import Provider, ProviderStatus
from seed.generator import generate
from seed.plans import generate_plans
from tests.factories import make_council, make_provider

TODAY = date(2026, 11, 26)
ALL_WEEK = tuple((day, 0, 24 * 60) for day in range(7))


def _destination(latitude: float, longitude: float, km: float, bearing_degrees: float) -> tuple[float, float]:
    """The point `km` along a great circle from (latitude, longitude) at the bearing."""
    angular = km / EARTH_RADIUS_KM
    bearing = math.radians(bearing_degrees)
    lat1, lng1 = math.radians(latitude), math.radians(longitude)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angular) + math.cos(lat1) * math.sin(angular) * math.cos(bearing)
    )
    lng2 = lng1 + math.atan2(
        math.sin(bearing) * math.sin(angular) * math.cos(lat1),
        math.cos(angular) - math.sin(lat1) * math.sin(lat2),
    )
    return math.degrees(lat2), math.degrees(lng2)


async def _market(db) -> None:
    council = await make_council(db, "Leeds City Council")
    async with db.transaction() as session:
        districts = list((await session.execute(select(PostcodeDistrict))).scalars())
        await generate(
            session,
            council=council,
            providers=450,
            holders=0,
            seed=11,
            today=TODAY,
            districts=districts,
            holder_password_hash="-",
        )
        await generate_plans(session, council=council, plans=24, seed=12, today=TODAY, districts=districts)
        homes = list((await session.execute(select(SupportPlan).order_by(SupportPlan.id))).scalars())
    edge_home, sparse_home = homes[0], homes[1]
    # Sparse: one plan moved to the Isle of Skye, with a few listings scattered 2-60 km around it.
    sparse = (57.41, -6.19)
    async with db.transaction() as session:
        await session.execute(
            update(SupportPlan)
            .where(SupportPlan.id == sparse_home.id)
            .values(latitude=sparse[0], longitude=sparse[1])
        )
    for n, (km, bearing) in enumerate([(2, 10), (9, 100), (14.9, 200), (15.1, 290), (39, 45), (60, 135)]):
        made = await make_provider(
            db,
            council,
            name=f"Skye {n}",
            services=("PERSONAL_CARE", "DOMESTIC_HELP", "COMMUNITY_ACCESS", "SITTING", "RESPITE"),
            hourly_rate_pence=1100,
            slots=ALL_WEEK,
            travel_radius_km=15.0 if n < 4 else 40.0,
        )
        latitude, longitude = _destination(*sparse, km, bearing)
        await _move(db, made.id, latitude, longitude)
    # Edge of radius: listings a metre inside and a metre outside their radius, eight bearings.
    for n, bearing in enumerate(range(0, 360, 45)):
        for side, km in (("inside", 11.999), ("outside", 12.001)):
            made = await make_provider(
                db,
                council,
                name=f"Edge {side} {n}",
                services=("PERSONAL_CARE", "DOMESTIC_HELP", "COMMUNITY_ACCESS", "SITTING", "RESPITE"),
                hourly_rate_pence=1100,
                slots=ALL_WEEK,
                travel_radius_km=12.0,
            )
            latitude, longitude = _destination(edge_home.latitude, edge_home.longitude, km, bearing)
            await _move(db, made.id, latitude, longitude)
    # A listing unpublished after the index held it, and one whose radius shrank: triggers follow.
    async with db.transaction() as session:
        first, second = list(
            (
                await session.execute(
                    select(Provider.id).where(Provider.status == ProviderStatus.PUBLISHED).limit(2)
                )
            ).scalars()
        )
        await session.execute(
            update(Provider).where(Provider.id == first).values(status=ProviderStatus.SUSPENDED)
        )
        await session.execute(update(Provider).where(Provider.id == second).values(travel_radius_km=1.0))


async def _move(db, provider_id: int, latitude: float, longitude: float) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Provider).where(Provider.id == provider_id).values(latitude=latitude, longitude=longitude)
        )


async def _scan_ids(session, spec, needs, *, all_services: bool) -> set[int]:
    """What the latitude band scan (the retrieval before the index) returns for these needs."""
    codes = [n.service_code for n in needs]
    rates = [n.rate_pence for n in needs]
    query = retrieval.candidate_query(
        homes=[(spec.latitude, spec.longitude)],
        all_of_services=codes if all_services else (),
        any_of_services=() if all_services else codes,
        max_rate_pence=min(rates) if all_services else max(rates),
        preferences=spec.preferences,
        today=TODAY,
        search_radius_km=await retrieval.longest_travel_radius_km(session),
        windows=sorted({w for n in needs for w in n.windows}),
    )
    return {
        i
        for i, latitude, longitude, radius in (await session.execute(query)).all()
        if distance_km(spec.latitude, spec.longitude, latitude, longitude) <= radius
    }


async def test_the_reach_index_finds_what_evaluating_every_listing_finds(db):
    await _market(db)
    async with db.session() as session:
        every = list((await session.execute(select(Provider.id))).scalars())
        facts = await retrieval.load_facts(session, every, today=TODAY)
        rows = list((await session.execute(select(SupportPlan).order_by(SupportPlan.id))).scalars())
        details = await plans.plan_details(session, rows)
        compared = found_total = 0
        for plan in rows:
            assert plan.id is not None
            spec = plan_spec(details[plan.id])
            asks = [(list(spec.needs), True), (list(spec.needs), False)] + [([n], True) for n in spec.needs]
            for needs, all_services in asks:
                found = await retrieval.plan_candidate_ids(
                    session, spec, need_ids=[n.id for n in needs], all_services=all_services, today=TODAY
                )
                assert len(found) == len(set(found))
                assert set(found) == await _scan_ids(session, spec, needs, all_services=all_services)
                if not all_services:
                    continue
                exhaustive = rank(evaluate(spec, needs, f, TODAY, explain=False) for f in facts.values())
                from_index = rank(evaluate(spec, needs, facts[i], TODAY, explain=False) for i in found)
                assert [(e.provider_id, e.score) for e in from_index] == [
                    (e.provider_id, e.score) for e in exhaustive
                ]
                compared += 1
                found_total += len(from_index)
    assert compared >= 48 and found_total > 500  # the comparison is not vacuous

    # The edge of radius: each listing a metre inside is found, each a metre outside is not.
    async with db.session() as session:
        home = (await session.execute(select(SupportPlan).order_by(SupportPlan.id))).scalars().first()
        assert home is not None
        spec = plan_spec((await plans.plan_details(session, [home]))[home.id])  # type: ignore[index]
        names = dict((await session.execute(select(Provider.id, Provider.name))).all())
        query = retrieval.candidate_query(
            homes=[(spec.latitude, spec.longitude)],
            max_rate_pence=10**9,
            today=TODAY,
            dialect=session.get_bind().dialect.name,
        )
        boxed = {names[r[0]] for r in (await session.execute(query)).all()}
    assert {f"Edge inside {n}" for n in range(8)} <= boxed
    found_edges = {
        n
        for n in boxed
        if n.startswith("Edge")
        and (f := next(f for f in facts.values() if f.provider.name == n))
        and distance_km(spec.latitude, spec.longitude, f.provider.latitude, f.provider.longitude) <= 12.0
    }
    assert found_edges == {f"Edge inside {n}" for n in range(8)}


async def test_postgresql_answers_from_the_gist_index(db):
    async with db.session() as session:
        if session.get_bind().dialect.name != "postgresql":
            return
        query = retrieval.candidate_query(
            homes=[(53.8, -1.55)], max_rate_pence=2000, today=TODAY, dialect="postgresql"
        )
        compiled = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = await session.execute(text(f"EXPLAIN {compiled}"))
        assert "ix_provider_reach" in "\n".join(row[0] for row in plan)
