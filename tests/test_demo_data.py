"""A new user runs `make run` and tries the README's examples: they return results, every role has a
sign-in, and DP support has a lead contract with a subcontract to try."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from broker.accounts.models import Role, User
from broker.db import Database
from seed.demo import DEMO_PASSWORD, seed_demo
from tests.client import GraphQLClient
from tests.conftest import NOW

SEARCH = """{ searchProviders(input: {text: "dementia carer who speaks Punjabi", postcode: "LS8"}) {
  hits { provider { name languages { code } accredited } } } }"""
BROWSE = """{ providers(first: 10, filter: {accredited: true, kind: PA, postcodeDistrict: "LS8"}) {
  totalCount nodes { name } } }"""
SUPPORT = """{ leadContracts(first: 5) {
  nodes { leadProvider { name } subcontracts { subcontractor { name } status } } } }"""
LOGIN = (
    """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { viewer { role } } }"""
)


async def _seeded(db: Database, index_now, clock) -> None:
    async with db.transaction() as session:
        await seed_demo(session, today=date(2026, 11, 26), providers=40, holders=4, plans=3)
    # Seeding queues the listings for the index at the real time; index them as the worker would then.
    clock.at = datetime.now(UTC)
    await index_now()
    clock.at = NOW


async def test_the_readme_examples_return_results_on_the_demo_data(
    api: GraphQLClient, db: Database, index_now
):
    await _seeded(db, index_now, api.clock)

    hits = (await api.data(SEARCH))["searchProviders"]["hits"]
    browse = (await api.data(BROWSE))["providers"]

    assert hits and hits[0]["provider"]["name"] == "Amrit Kaur"
    assert "pa" in {language["code"] for language in hits[0]["provider"]["languages"]}
    assert "Jo Bloggs" in {node["name"] for node in browse["nodes"]}


async def test_every_role_has_a_demo_sign_in(api: GraphQLClient, db: Database, index_now):
    await _seeded(db, index_now, api.clock)
    async with db.session() as session:
        users = list((await session.execute(select(User))).scalars())

    for role in Role:
        email = next(u.email for u in users if u.role is role and "example" in u.email)
        answer = await api.data(LOGIN, {"e": email, "p": DEMO_PASSWORD})
        assert answer["login"]["viewer"]["role"] == role.value


async def test_dp_support_can_be_tried_under_a_lead_contract_with_a_subcontract(api, db: Database, index_now):
    await _seeded(db, index_now, api.clock)
    async with db.session() as session:
        broker = (
            await session.execute(select(User).where(User.email == "broker@leeds.example"))
        ).scalar_one()

    contracts = (await api.data(SUPPORT, as_user=broker))["leadContracts"]["nodes"]

    assert contracts[0]["leadProvider"]["name"] == "Leeds Direct Payment Support"
    assert contracts[0]["subcontracts"][0]["subcontractor"]["name"] == "Aire Payroll Bureau"


TAKE_UP_YEAR = """query($c: ID!) { dpTakeUp(councilId: $c, from: "2025-12-01", to: "2026-11-30") {
  months { month ratePercent suppressed } target { ratePercent onTrack } } }"""
GAPS_BY_SERVICE = """query($c: ID!) {
  marketGaps(input: {councilId: $c, groupBy: [SERVICE], from: "2025-12-01", to: "2026-11-30"}) {
    service unmetHours agreedHours peopleWaiting suppressed topUnmetReasons { constraint hours } } }"""
COUNCIL = """{ viewer { council { id } } }"""


async def test_the_commissioners_reports_have_a_year_of_history_to_show(api: GraphQLClient, db: Database):
    async with db.transaction() as session:
        await seed_demo(session, today=date(2026, 11, 26), providers=60, holders=4, plans=60)
        commissioner = (
            await session.execute(select(User).where(User.email == "commissioner@leeds.example"))
        ).scalar_one()
    council = (await api.data(COUNCIL, as_user=commissioner))["viewer"]["council"]["id"]

    take_up = (await api.data(TAKE_UP_YEAR, {"c": council}, as_user=commissioner))["dpTakeUp"]
    gaps = (await api.data(GAPS_BY_SERVICE, {"c": council}, as_user=commissioner))["marketGaps"]

    assert len(take_up["months"]) == 12
    assert all(m["ratePercent"] is not None for m in take_up["months"]), take_up["months"]
    assert take_up["target"]["ratePercent"] == 30.0
    shown = [row for row in gaps if not row["suppressed"]]
    assert shown, gaps
    assert any(row["agreedHours"] > 0 for row in shown)
    assert any(row["unmetHours"] > 0 and row["topUnmetReasons"] for row in shown)
