"""Demand in `marketGaps` comes from prepared rows (`broker/market/demand.py`): the same figures,
cell by cell and for every grouping, as working them out from plans, needs and agreements on the
spot, after plan edits and status changes, agreements proposed, cancelled, starting and ending,
across a day boundary, and after a rebuild from scratch. `sql.percentiles_by` (`percentile_cont` on
PostgreSQL) equals `stats.quartiles`."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from sqlalchemy import literal, select, union_all

from broker.accounts.models import Role
from broker.api.clock import london_date
from broker.market import demand
from broker.market.gaps import GroupBy, gap_rows
from broker.market.models import DemandCell, DemandPlanCell, DemandRow
from broker.market.sql import percentiles_by
from broker.market.stats import quartiles
from tests.factories import (
    make_agreement,
    make_council,
    make_holder,
    make_plan,
    make_provider,
    make_user,
)
from tests.market.test_prepared_supply import TODAY, _seeded_market
from tests.market.test_take_up import gid

UPDATE_PLAN = """mutation($input: UpdateSupportPlanInput!) { updateSupportPlan(input: $input) {
  supportPlan { id status } userErrors { field message code } } }"""
CREATE_AGREEMENT = """mutation($input: CreateAgreementInput!) { createAgreement(input: $input) {
  agreement { id status } userErrors { field message code } } }"""
ACTIVATE_AGREEMENT = """mutation($input: AgreementIdInput!) { activateAgreement(input: $input) {
  agreement { status } userErrors { field message code } } }"""
END_AGREEMENT = """mutation($input: EndAgreementInput!) { endAgreement(input: $input) {
  agreement { status } userErrors { field message code } } }"""
CANCEL_AGREEMENT = """mutation($input: CancelAgreementInput!) { cancelAgreement(input: $input) {
  agreement { status } userErrors { field message code } } }"""

GROUPINGS = [list(dims) for size in (1, 2, 3) for dims in itertools.combinations(list(GroupBy), size)]
PERIODS = ((date(2026, 11, 1), date(2026, 11, 30)), (date(2025, 12, 1), date(2026, 11, 30)))


async def _prepared_and_direct(db, council, dims, start: date, end: date, today: date):
    """The rows `marketGaps` gives from the prepared tables, and the same worked out from the sources."""
    answers = []
    for from_sources in (False, True):
        async with db.transaction() as session:
            answers.append(
                await gap_rows(
                    session,
                    council_id=council.id,
                    group_by=dims,
                    start=start,
                    end=end,
                    today=today,
                    from_sources=from_sources,
                )
            )
    return answers


async def _assert_same_as_sources(db, council, today: date) -> int:
    """Every grouping and period: the prepared answer equals the straightforward one, row by row."""
    cells = 0
    for dims, (start, end) in itertools.product(GROUPINGS, PERIODS):
        prepared_rows, direct_rows = await _prepared_and_direct(db, council, dims, start, end, today)
        assert [_key(r) for r in prepared_rows] == [_key(r) for r in direct_rows], dims
        for got, expected in zip(prepared_rows, direct_rows, strict=True):
            assert got == expected, (dims, start, _key(got))
        cells += len(prepared_rows)
    return cells


def _key(row):
    return (row.district, row.service_code, row.time_band)


async def _rows(db):
    async with db.session() as session:
        columns = [DemandRow.__table__.c[name] for name in demand.COLUMNS]
        return sorted(
            (tuple(r) for r in (await session.execute(select(*columns))).all()),
            key=lambda r: tuple((v is None, v) for v in r),
        )


async def _cells(db):
    async with db.session() as session:
        cells = (await session.execute(select(DemandCell))).scalars().all()
    return sorted(
        (
            (c.council_id, c.postcode_district, c.service_code, c.band or ""),
            (c.rate_lower_quartile, c.rate_median, c.rate_upper_quartile, c.median_waited_days),
        )
        for c in cells
    )


async def test_prepared_demand_matches_the_direct_evaluation_cell_by_cell(api, db, clock):
    council = await make_council(db)
    broker, providers, plans = await _seeded_market(db, council)
    today = london_date(clock.now())
    assert len(await _rows(db)) >= 40
    assert await _assert_same_as_sources(db, council, today) >= 200

    # Plan edits through /graphql: new needs (hours, rate, times), and status moves in and out of
    # demand (MATCHED counts, CLOSED does not).
    edited, matched, closed = plans[0], plans[1], plans[2]
    needs = [
        {
            "serviceCode": "DEMENTIA",
            "hoursPerWeek": 6,
            "budgetedRatePence": 2100,
            "slots": [
                {"day": "TUESDAY", "start": "07:00", "end": "10:00"},
                {"day": "SUNDAY", "start": "18:00", "end": "21:00"},
            ],
        },
        {
            "serviceCode": "COMPANIONSHIP",
            "hoursPerWeek": 3,
            "budgetedRatePence": 1450,
            "slots": [{"day": "FRIDAY", "start": "20:00", "end": "23:00"}],
        },
    ]
    for plan, given in (
        (edited, {"needs": needs}),
        (matched, {"status": "MATCHED" if matched.status == "ACTIVE" else "ACTIVE"}),
        (closed, {"status": "CLOSED"}),
    ):
        saved = await api.data(
            UPDATE_PLAN, {"input": {"id": gid("SupportPlan", plan.id), **given}}, as_user=broker
        )
        assert saved["updateSupportPlan"]["userErrors"] == [], given
    assert await _assert_same_as_sources(db, council, today) >= 200

    # Agreements: one proposed through /graphql (the plan's first: its days to a first agreement
    # appear), then cancelled (they go again); others starting after the period and ending in it.
    holder = await make_holder(db, council)
    waiting = await make_plan(db, holder, district="LS7")
    nearby = await make_provider(db, council)
    proposal = {
        "input": {
            "planId": gid("SupportPlan", waiting.id),
            "providerId": gid("Provider", nearby.id),
            "slots": [
                {"day": "MONDAY", "start": "09:00", "end": "14:00"},
                {"day": "WEDNESDAY", "start": "09:00", "end": "14:00"},
            ],
            "startDate": "2026-12-07",
        }
    }
    proposed = await api.data(CREATE_AGREEMENT, proposal, as_user=broker)
    assert proposed["createAgreement"]["userErrors"] == []
    async with db.session() as session:
        days = (
            await session.execute(select(DemandRow.waited_days).where(DemandRow.plan_id == waiting.id))
        ).scalars()
        assert set(days) != {None}
    assert await _assert_same_as_sources(db, council, today) >= 200
    cancelled = await api.data(
        CANCEL_AGREEMENT,
        {"input": {"agreementId": proposed["createAgreement"]["agreement"]["id"], "reason": "No."}},
        as_user=broker,
    )
    assert cancelled["cancelAgreement"]["userErrors"] == []
    async with db.session() as session:
        days = (
            await session.execute(select(DemandRow.waited_days).where(DemandRow.plan_id == waiting.id))
        ).scalars()
        assert set(days) == {None}

    # Proposed again and activated through /graphql (by the broker who made it directly): its
    # hours now count as agreed.
    again = await api.data(CREATE_AGREEMENT, proposal, as_user=broker)
    assert again["createAgreement"]["userErrors"] == []
    again_id = again["createAgreement"]["agreement"]["id"]
    activated = await api.data(ACTIVATE_AGREEMENT, {"input": {"agreementId": again_id}}, as_user=broker)
    assert activated["activateAgreement"]["userErrors"] == []
    assert activated["activateAgreement"]["agreement"]["status"] == "ACTIVE"
    async with db.session() as session:
        agreed = (
            await session.execute(
                select(DemandPlanCell.agreed_hours).where(DemandPlanCell.plan_id == waiting.id)
            )
        ).scalars()
        assert sum(agreed) > 0
    assert await _assert_same_as_sources(db, council, today) >= 200
    for plan, start, end in (
        (plans[3], date(2026, 12, 1), None),
        (plans[4], date(2026, 1, 5), date(2026, 11, 15)),
        (waiting, date(2025, 6, 2), date(2025, 12, 31)),
    ):
        await make_agreement(
            db, plan, providers[1], created_by=broker, hours_per_week=2.0, start_date=start, end_date=end
        )
    assert await _assert_same_as_sources(db, council, today) >= 200

    # A day later (nothing in the prepared rows depends on the date; supply does).
    clock.at += timedelta(days=1)
    assert london_date(clock.now()) == TODAY + timedelta(days=1)
    assert await _assert_same_as_sources(db, council, london_date(clock.now())) >= 200

    # What the incremental updates kept is what a rebuild from the sources writes, rows and cells.
    kept_up, cells_kept_up = await _rows(db), await _cells(db)
    assert cells_kept_up
    async with db.transaction() as session:
        await demand.rebuild(session)
    assert await _rows(db) == kept_up
    assert await _cells(db) == cells_kept_up


async def test_commissioners_see_the_same_through_graphql(api, db, clock):
    council = await make_council(db)
    await _seeded_market(db, council)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    gaps = """query($input: MarketGapsInput!) { marketGaps(input: $input) {
      district service timeBand people demandHours budgetedRates { medianPence }
      medianDaysToFirstAgreement suppressed } }"""
    given = {
        "councilId": gid("Council", council.id),
        "groupBy": ["DISTRICT", "SERVICE", "TIME_BAND"],
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    rows = (await api.data(gaps, {"input": given}, as_user=commissioner))["marketGaps"]
    async with db.transaction() as session:
        direct = await gap_rows(
            session,
            council_id=council.id,
            group_by=list(GroupBy),
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
            today=london_date(clock.now()),
            from_sources=True,
        )
    assert [(r["district"], r["service"], r["timeBand"]) for r in rows] == [_key(r) for r in direct]
    for row, expected in zip(rows, direct, strict=True):
        assert row["demandHours"] == expected.demand_hours
        assert row["medianDaysToFirstAgreement"] == expected.median_days_to_first_agreement
        rates = expected.budgeted_rate_quartiles
        assert (row["budgetedRates"] or {}).get("medianPence") == (rates[1] if rates else None)


async def test_quartiles_in_sql_equal_the_histogram_quartiles(db):
    rng = random.Random(7)
    groups = {
        ("a", 1): [rng.randint(1400, 1600) for _ in range(1)],
        ("a", 2): [rng.randint(1400, 1600) for _ in range(2)],
        ("b", 1): [rng.randint(1400, 3200) for _ in range(37)],
        ("b", None): [rng.choice((1500, 1500, 1700)) for _ in range(12)],
        (None, 3): [rng.randint(0, 90) for _ in range(64)] + [None, None],
    }
    source = union_all(
        *[
            select(literal(k1).label("k1"), literal(k2).label("k2"), literal(v).label("v"))
            for (k1, k2), values in groups.items()
            for v in values
        ]
    ).subquery("given")
    async with db.session() as session:
        found = await percentiles_by(session, source, ["k1", "k2"], "v")
    expected = {}
    for key, values in groups.items():
        histogram: dict[float, int] = {}
        for v in values:
            if v is not None:
                histogram[float(v)] = histogram.get(float(v), 0) + 1
        expected[key] = quartiles(histogram)
    assert found == expected


async def test_agreements_take_away_only_where_they_cover_each_plan(api, db, clock):
    """The full grouping sets the period's agreements against the plan-cells they touch: a holder
    with two plans in one cell keeps waiting while one of them is uncovered, a holder whose plan is
    covered stops waiting, hours agreed at other times of day leave the need unmet, and part-cover
    leaves the rest unmet. The figures equal the straightforward evaluation, waiting plans and all."""
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    provider = await make_provider(db, council)
    evening = ((0, 18 * 60, 21 * 60), (2, 18 * 60, 21 * 60))
    day_and_evening = ((0, 9 * 60, 14 * 60), (0, 18 * 60, 21 * 60))  # 5 of 8 hours in the day
    two_plans = await make_holder(db, council)
    first_of_two = await make_plan(db, two_plans, district="LS7")
    second_of_two = await make_plan(db, two_plans, district="LS7")
    covered = await make_plan(db, await make_holder(db, council), district="LS7")
    agreed_in_the_evening = await make_plan(db, await make_holder(db, council), district="LS7")
    part_covered = await make_plan(db, await make_holder(db, council), district="LS7")
    uncovered = [await make_plan(db, await make_holder(db, council), district="LS7") for _ in range(2)]
    for plan, slots in (
        (first_of_two, None),
        (covered, None),
        (agreed_in_the_evening, evening),
        (part_covered, day_and_evening),
    ):  # each agreement takes its plan's 10 hours, shared over its slots' bands
        extra = {"slots": slots} if slots else {}
        made = await make_agreement(db, plan, provider, created_by=broker, **extra)
        if plan is covered:
            covering = made

    async def both(start: date, end: date):
        dims = [GroupBy.SERVICE, GroupBy.TIME_BAND, GroupBy.DISTRICT]
        return await _prepared_and_direct(db, council, dims, start, end, london_date(clock.now()))

    prepared_rows, direct_rows = await both(date(2026, 5, 1), date(2026, 5, 31))
    assert prepared_rows == direct_rows
    daytime = [r for r in prepared_rows if r.people]
    evening_only = [r for r in prepared_rows if not r.people]
    assert daytime and evening_only
    for row in daytime:
        assert row.people == 6
        assert row.people_waiting == 5  # the holder of two plans, the evening one, part-cover, two more
        assert set(row.waiting_plan_ids or []) == {
            second_of_two.id,
            agreed_in_the_evening.id,
            part_covered.id,
            *(p.id for p in uncovered),
        }
    assert round(sum(r.unmet_hours or 0 for r in daytime), 2) == 10 + 10 + 3.75 + 10 + 10
    assert round(sum(r.agreed_hours or 0 for r in evening_only), 2) == 10 + 3.75

    # The covered plan's agreement ended through /graphql at the end of April: in May it no longer
    # counts, and that holder waits too.
    ended = await api.data(
        END_AGREEMENT,
        {
            "input": {
                "agreementId": gid("Agreement", covering.id),
                "endDate": "2026-04-30",
                "reason": "Moved.",
            }
        },
        as_user=broker,
    )
    assert ended["endAgreement"]["userErrors"] == []
    prepared_rows, direct_rows = await both(date(2026, 5, 1), date(2026, 5, 31))
    assert prepared_rows == direct_rows
    assert [r.people_waiting for r in prepared_rows if r.people] == [6] * len(daytime)

    # Before the agreements start, none of them counts: everyone waits, and the evening cells,
    # which only agreements made, are not shown.
    prepared_rows, direct_rows = await both(date(2026, 1, 1), date(2026, 3, 31))
    assert prepared_rows == direct_rows
    assert prepared_rows and all(r.people == 6 and r.people_waiting == 6 for r in prepared_rows)
    assert all(r.agreed_hours == 0 for r in prepared_rows)
    assert round(sum(r.unmet_hours or 0 for r in prepared_rows), 2) == 7 * 10
