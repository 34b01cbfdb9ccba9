"""DP take-up (ASCOF 3D2a) through /graphql: holders' DPs, council figures, the target, dpTakeUp."""

from __future__ import annotations

from datetime import date

from broker.accounts.models import Role
from broker.market.models import AgeBand, DirectPayment
from tests.factories import make_council, make_holder, make_user

RECORD_DP = """mutation($input: RecordDirectPaymentInput!) { recordDirectPayment(input: $input) {
  directPayment { startDate endDate endReason ageBand } userErrors { field code message } } }"""
FIGURES = """mutation($input: RecordCouncilFiguresInput!) { recordCouncilFigures(input: $input) {
  figures { month peopleOnLongTermCommunitySupport peopleOnDirectPayments } userErrors { field code } } }"""
TARGET = """mutation($input: SetTakeUpTargetInput!) { setTakeUpTarget(input: $input) {
  target { targetRatePercent byDate plannedNewPerYear } userErrors { field code } } }"""
TAKE_UP = """query($c: ID!, $from: Date!, $to: Date!) { dpTakeUp(councilId: $c, from: $from, to: $to) {
  suppressedBelow
  months { month ratePercent peopleOnDirectPayments peopleOnDirectPaymentsHere councilPeopleOnDirectPayments
    difference peopleOnLongTermCommunitySupport newDirectPayments endedDirectPayments
    peopleOnDirectPaymentsHere18To64 peopleOnDirectPaymentsHere65Plus suppressed }
  target { ratePercent byDate netNewNeeded plannedNewPerYear newPerMonth impliedEndedPerYear
    projectedRatePercent onTrack latestMonth observedNewLastYear observedEndedLastYear } } }"""


def gid(type_name: str, key: int) -> str:
    import base64

    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


async def _many_direct_payments(
    db, council, starts: list[tuple[date, date | None]], band=AgeBand.AGED_18_TO_64
):
    holders = []
    for start, end in starts:
        holder = await make_holder(db, council)
        async with db.transaction() as session:
            session.add(
                DirectPayment(
                    holder_id=holder.id,
                    council_id=council.id,
                    start_date=start,
                    end_date=end,
                    end_reason="Moved away" if end else "",
                    age_band=band,
                )
            )
        holders.append(holder)
    return holders


async def test_broker_records_a_holders_direct_payment_and_its_end(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)
    given = {"holderId": gid("DPHolder", holder.id), "startDate": "2026-04-01", "ageBand": "AGED_65_PLUS"}
    data = await api.data(RECORD_DP, {"input": given}, as_user=broker)
    assert data["recordDirectPayment"] == {
        "directPayment": {
            "startDate": "2026-04-01",
            "endDate": None,
            "endReason": "",
            "ageBand": "AGED_65_PLUS",
        },
        "userErrors": [],
    }
    ended = {**given, "endDate": "2026-10-31", "endReason": "Chose a managed budget"}
    data = await api.data(RECORD_DP, {"input": ended}, as_user=broker)
    assert data["recordDirectPayment"]["directPayment"]["endDate"] == "2026-10-31"


async def test_direct_payment_refuses_bad_dates_and_a_reason_without_an_end(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)
    base = {"holderId": gid("DPHolder", holder.id), "ageBand": "AGED_18_TO_64"}
    cases = [
        (
            {"startDate": "2026-04-01", "endDate": "2026-03-01", "endReason": "x"},
            "input.endDate",
            "OUT_OF_RANGE",
        ),
        ({"startDate": "2026-04-01", "endDate": "2026-05-01"}, "input.endReason", "REQUIRED"),
        ({"startDate": "2026-04-01", "endReason": "why"}, "input.endReason", "INVALID"),
        ({"startDate": "1900-01-01"}, "input.startDate", "OUT_OF_RANGE"),
        ({"startDate": "2999-12-31"}, "input.startDate", "OUT_OF_RANGE"),
    ]
    for extra, field, code in cases:
        data = await api.data(RECORD_DP, {"input": {**base, **extra}}, as_user=broker)
        errors = data["recordDirectPayment"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], (extra, errors)


async def test_only_the_holders_council_staff_record_a_direct_payment(api, db):
    council, other = await make_council(db), await make_council(db)
    holder = await make_holder(db, council)
    given = {"holderId": gid("DPHolder", holder.id), "startDate": "2026-04-01", "ageBand": "AGED_65_PLUS"}
    for user in [
        await make_user(db, Role.BROKER, other),
        await make_user(db, Role.COMMISSIONER, council),
        await make_user(db, Role.PROVIDER, council),
    ]:
        data = await api.data(RECORD_DP, {"input": given}, as_user=user)
        assert data["recordDirectPayment"]["userErrors"][0]["code"] == "NOT_FOUND"
    body = await api.execute(RECORD_DP, {"input": given})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_council_figures_want_the_first_of_the_month_and_sane_counts(api, db):
    council = await make_council(db)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    c = gid("Council", council.id)
    cases = [
        ({"month": "2026-04-02", "peopleOnLongTermCommunitySupport": 100}, "input.month", "INVALID"),
        ({"month": "2027-04-01", "peopleOnLongTermCommunitySupport": 100}, "input.month", "OUT_OF_RANGE"),
        (
            {"month": "2026-04-01", "peopleOnLongTermCommunitySupport": -1},
            "input.peopleOnLongTermCommunitySupport",
            "OUT_OF_RANGE",
        ),
        (
            {"month": "2026-04-01", "peopleOnLongTermCommunitySupport": 2_000_000_000},
            "input.peopleOnLongTermCommunitySupport",
            "OUT_OF_RANGE",
        ),
        (
            {"month": "2026-04-01", "peopleOnLongTermCommunitySupport": 100, "peopleOnDirectPayments": 101},
            "input.peopleOnDirectPayments",
            "OUT_OF_RANGE",
        ),
        (
            {
                "month": "2026-04-01",
                "peopleOnLongTermCommunitySupport": 100,
                "peopleOnLongTermCommunitySupport18To64": 60,
                "peopleOnLongTermCommunitySupport65Plus": 30,
            },
            "input.peopleOnLongTermCommunitySupport",
            "INVALID",
        ),
    ]
    for given, field, code in cases:
        data = await api.data(FIGURES, {"input": {"councilId": c, **given}}, as_user=commissioner)
        assert [(e["field"], e["code"]) for e in data["recordCouncilFigures"]["userErrors"]] == [
            (field, code)
        ], given


async def test_brokers_and_other_councils_may_not_record_figures_or_targets(api, db):
    council, other = await make_council(db), await make_council(db)
    c = gid("Council", council.id)
    figures = {"councilId": c, "month": "2026-04-01", "peopleOnLongTermCommunitySupport": 100}
    target = {"councilId": c, "targetRatePercent": 16.6, "byDate": "2027-11-01", "plannedNewPerYear": 255}
    for user in [await make_user(db, Role.BROKER, council), await make_user(db, Role.COMMISSIONER, other)]:
        data = await api.data(FIGURES, {"input": figures}, as_user=user)
        assert data["recordCouncilFigures"]["userErrors"][0]["code"] == "PERMISSION_DENIED"
        data = await api.data(TARGET, {"input": target}, as_user=user)
        assert data["setTakeUpTarget"]["userErrors"][0]["code"] == "PERMISSION_DENIED"
    admin = await make_user(db, Role.ADMIN, council)
    data = await api.data(FIGURES, {"input": figures}, as_user=admin)
    assert data["recordCouncilFigures"]["userErrors"] == []


async def test_target_refuses_hostile_numbers(api, db):
    council = await make_council(db)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    base = {"councilId": gid("Council", council.id), "byDate": "2027-11-01", "plannedNewPerYear": 255}
    for rate, code in [
        (0, "OUT_OF_RANGE"),
        (-3, "OUT_OF_RANGE"),
        (101, "OUT_OF_RANGE"),
        (1e308, "OUT_OF_RANGE"),
        (16.666, "INVALID"),
    ]:
        data = await api.data(TARGET, {"input": {**base, "targetRatePercent": rate}}, as_user=commissioner)
        assert [e["code"] for e in data["setTakeUpTarget"]["userErrors"]] == [code], rate
    data = await api.data(
        TARGET, {"input": {**base, "targetRatePercent": 16.6, "byDate": "2026-01-01"}}, as_user=commissioner
    )
    assert data["setTakeUpTarget"]["userErrors"][0]["field"] == "input.byDate"
    data = await api.data(
        TARGET, {"input": {**base, "targetRatePercent": 16.6, "plannedNewPerYear": -1}}, as_user=commissioner
    )
    assert data["setTakeUpTarget"]["userErrors"][0]["field"] == "input.plannedNewPerYear"


async def test_leeds_target_arithmetic(api, db):
    """Leeds 2022/23: 938 people on DPs, 14.9%; 16.6% needs 255 new DPs over the year (22 a month)."""
    council = await make_council(db)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    c = gid("Council", council.id)
    given = {
        "councilId": c,
        "month": "2026-10-01",
        "peopleOnLongTermCommunitySupport": 6295,
        "peopleOnDirectPayments": 938,
    }
    assert (await api.data(FIGURES, {"input": given}, as_user=commissioner))["recordCouncilFigures"][
        "userErrors"
    ] == []
    target = {"councilId": c, "targetRatePercent": 16.6, "byDate": "2027-10-31", "plannedNewPerYear": 255}
    data = await api.data(TARGET, {"input": target}, as_user=commissioner)
    assert data["setTakeUpTarget"] == {
        "target": {"targetRatePercent": 16.6, "byDate": "2027-10-31", "plannedNewPerYear": 255},
        "userErrors": [],
    }
    # Ours: 12 DPs began in the last year (one a month from 2025-11), 2 ended.
    starts = [(date(2025 + (10 + i) // 12, (10 + i) % 12 + 1, 5), None) for i in range(12)]
    await _many_direct_payments(db, council, starts[:10])
    await _many_direct_payments(
        db, council, [(starts[10][0], date(2026, 10, 31)), (starts[11][0], date(2026, 10, 10))]
    )
    data = await api.data(TAKE_UP, {"c": c, "from": "2026-09-01", "to": "2026-10-31"}, as_user=commissioner)
    report = data["dpTakeUp"]
    assert report["suppressedBelow"] == 5
    september, october = report["months"]
    assert october == {
        "month": "2026-10-01",
        "ratePercent": 14.9,
        "peopleOnDirectPayments": 938,
        "peopleOnDirectPaymentsHere": 11,
        "councilPeopleOnDirectPayments": 938,
        "difference": 927,
        "peopleOnLongTermCommunitySupport": 6295,
        "newDirectPayments": None,
        "endedDirectPayments": None,
        "peopleOnDirectPaymentsHere18To64": 11,
        "peopleOnDirectPaymentsHere65Plus": 0,
        "suppressed": True,
    }
    assert september["ratePercent"] is None and september["peopleOnDirectPaymentsHere"] == 11
    assert report["target"] == {
        "ratePercent": 16.6,
        "byDate": "2027-10-31",
        "netNewNeeded": 107,
        "plannedNewPerYear": 255,
        "newPerMonth": 22,
        "impliedEndedPerYear": 148,
        "projectedRatePercent": 15.1,
        "onTrack": False,
        "latestMonth": "2026-10-01",
        "observedNewLastYear": 12,
        "observedEndedLastYear": None,
    }


async def test_take_up_is_for_the_council_only(api, db):
    council, other = await make_council(db), await make_council(db)
    variables = {"c": gid("Council", council.id), "from": "2026-01-01", "to": "2026-06-30"}
    for role in (Role.BROKER, Role.ADMIN, Role.COMMISSIONER):
        assert "dpTakeUp" in await api.data(TAKE_UP, variables, as_user=await make_user(db, role, council))
        body = await api.execute(TAKE_UP, variables, as_user=await make_user(db, role, other))
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    platform = await make_user(db, Role.ADMIN, None)
    assert len((await api.data(TAKE_UP, variables, as_user=platform))["dpTakeUp"]["months"]) == 6
    for user in (
        await make_user(db, Role.DP_HOLDER, council),
        await make_user(db, Role.PROVIDER, council),
        None,
    ):
        body = await api.execute(TAKE_UP, variables, as_user=user)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] in {"FORBIDDEN"}
    body = await api.execute(TAKE_UP, {**variables, "from": "2027-01-01"}, as_user=platform)
    assert body["errors"][0]["extensions"] == {"code": "OUT_OF_RANGE", "field": "from"}
    body = await api.execute(TAKE_UP, {**variables, "from": "1800-01-01"}, as_user=platform)
    assert body["errors"][0]["extensions"]["code"] == "OUT_OF_RANGE"
