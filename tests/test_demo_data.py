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
