"""Who sees which listing, and who sees its check records, through every read path (issue 10).

Fay is a published PA whose enhanced DBS FAILED, so she is not accredited; Amrit is a published,
accredited PA. Both belong to Leeds. Non-staff see Amrit only and nobody's check records; Fay sees
her own listing and checks; Leeds staff and platform admins see both with checks; York's broker sees
both published listings but no check records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from strawberry.relay import to_base64

from broker.accounts.actor import Actor
from broker.accounts.models import Role, User
from broker.db import Database
from broker.providers.access import may_see, visible_clause
from broker.providers.models import Accreditation, CheckStatus, CheckType, Provider
from tests.client import GraphQLClient
from tests.factories import make_check, make_council, make_holder, make_plan, make_provider, make_user

CHECKS = "accredited accreditedUntil missingChecks accreditations { checkType status reference }"
PROVIDER = f"query($id: ID!) {{ provider(id: $id) {{ name {CHECKS} }} }}"
PROVIDERS = f"{{ providers {{ totalCount nodes {{ name {CHECKS} }} }} }}"
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Provider {{ name {CHECKS} }} }} }}"
SEARCH = f"""
query($input: SearchProvidersInput!) {{ searchProviders(input: $input) {{
  hits {{ provider {{ name {CHECKS} }} }}
  userErrors {{ code }}
}} }}
"""
MATCHES = f"query($plan: ID!) {{ matchesForPlan(planId: $plan) {{ provider {{ name {CHECKS} }} }} }}"
RECORD = """
mutation($input: RecordAccreditationInput!) { recordAccreditation(input: $input) {
  provider { accredited } userErrors { field message code }
} }
"""
ACTORS = ("anonymous", "holder", "other provider", "Fay herself", "Leeds broker", "York broker", "admin")
UNTIL = "2027-06-30"
AMRIT_CHECKS = [
    {"checkType": "COUNCIL_APPROVAL", "status": "PASSED"},
    {"checkType": "DBS_ENHANCED", "status": "PASSED"},
    {"checkType": "PUBLIC_LIABILITY_INSURANCE", "status": "PASSED"},
    {"checkType": "TRAINING", "status": "PASSED"},
]
FAY_CHECKS = [
    {"checkType": "COUNCIL_APPROVAL", "status": "PASSED"},
    {"checkType": "DBS_ENHANCED", "status": "FAILED"},
    {"checkType": "PUBLIC_LIABILITY_INSURANCE", "status": "PASSED"},
    {"checkType": "TRAINING", "status": "PASSED"},
]


@dataclass
class World:
    users: dict[str, User | None]
    amrit: Provider
    fay: Provider
    broker: User
    holder_user: User
    plan_id: str


async def _world(db: Database) -> World:
    leeds, york = await make_council(db, "Leeds City Council"), await make_council(db, "City of York")
    fay_user = await make_user(db, Role.PROVIDER, leeds)
    holder_user = await make_user(db, Role.DP_HOLDER, leeds)
    holder = await make_holder(db, leeds, user=holder_user)
    plan = await make_plan(db, holder)
    amrit = await make_provider(db, leeds, name="Amrit")
    fay = await make_provider(db, leeds, name="Fay", owner=fay_user, accredited_until=None)
    async with db.transaction() as session:
        for check in (CheckType.COUNCIL_APPROVAL, CheckType.PUBLIC_LIABILITY_INSURANCE, CheckType.TRAINING):
            session.add(make_check(fay, check, expires_on=date(2027, 6, 30)))
        session.add(make_check(fay, CheckType.DBS_ENHANCED, expires_on=None, status=CheckStatus.FAILED))
    broker = await make_user(db, Role.BROKER, leeds)
    users: dict[str, User | None] = {
        "anonymous": None,
        "holder": holder_user,
        "other provider": await make_user(db, Role.PROVIDER, leeds),
        "Fay herself": fay_user,
        "Leeds broker": broker,
        "York broker": await make_user(db, Role.BROKER, york),
        "admin": await make_user(db, Role.ADMIN, None),
    }
    return World(users, amrit, fay, broker, holder_user, to_base64("SupportPlan", plan.id))


def _amrit(checks: bool) -> dict[str, Any]:
    return {
        "name": "Amrit",
        "accredited": True,
        "accreditedUntil": UNTIL,
        "missingChecks": [],
        "accreditations": [{**c, "reference": f"REF-{c['checkType'][:6]}-{{id}}"} for c in AMRIT_CHECKS]
        if checks
        else [],
    }


def _fay(checks: bool) -> dict[str, Any]:
    return {
        "name": "Fay",
        "accredited": False,
        "accreditedUntil": None,
        "missingChecks": ["DBS_ENHANCED"] if checks else [],
        "accreditations": [{**c, "reference": f"REF-{c['checkType'][:6]}-{{id}}"} for c in FAY_CHECKS]
        if checks
        else [],
    }


def _with_ids(listing: dict[str, Any] | None, world: World) -> dict[str, Any] | None:
    """Fills each expected check reference with its listing's id (the factory names them so)."""
    if listing is None or not listing["accreditations"]:
        return listing
    provider_id = (world.amrit if listing["name"] == "Amrit" else world.fay).id
    return {
        **listing,
        "accreditations": [
            {**c, "reference": c["reference"].replace("{id}", str(provider_id))}
            for c in listing["accreditations"]
        ],
    }


# What each caller sees of (Amrit, Fay): None is "not visible", True/False whether checks are shown.
SEES: dict[str, tuple[bool | None, bool | None]] = {
    "anonymous": (False, None),
    "holder": (False, None),
    "other provider": (False, None),
    "Fay herself": (False, True),
    "Leeds broker": (True, True),
    "York broker": (False, False),
    "admin": (True, True),
}


def _expected(world: World, actor: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    amrit, fay = SEES[actor]
    return (
        _with_ids(_amrit(amrit), world) if amrit is not None else None,
        _with_ids(_fay(fay), world) if fay is not None else None,
    )


async def test_provider_shows_unaccredited_listings_and_check_records_only_to_those_allowed(
    api: GraphQLClient, db: Database
) -> None:
    world = await _world(db)
    seen = {}
    for actor in ACTORS:
        amrit = await api.data(
            PROVIDER, {"id": to_base64("Provider", world.amrit.id)}, as_user=world.users[actor]
        )
        fay = await api.data(
            PROVIDER, {"id": to_base64("Provider", world.fay.id)}, as_user=world.users[actor]
        )
        seen[actor] = (amrit["provider"], fay["provider"])

    assert seen == {actor: _expected(world, actor) for actor in ACTORS}


async def test_node_shows_unaccredited_listings_and_check_records_only_to_those_allowed(
    api: GraphQLClient, db: Database
) -> None:
    world = await _world(db)
    seen = {}
    for actor in ACTORS:
        amrit = await api.data(
            NODE, {"id": to_base64("Provider", world.amrit.id)}, as_user=world.users[actor]
        )
        fay = await api.data(NODE, {"id": to_base64("Provider", world.fay.id)}, as_user=world.users[actor])
        seen[actor] = (amrit["node"], fay["node"])

    assert seen == {actor: _expected(world, actor) for actor in ACTORS}


async def test_providers_lists_unaccredited_listings_and_check_records_only_to_those_allowed(
    api: GraphQLClient, db: Database
) -> None:
    world = await _world(db)
    seen = {}
    for actor in ACTORS:
        seen[actor] = (await api.data(PROVIDERS, as_user=world.users[actor]))["providers"]

    expected = {}
    for actor in ACTORS:
        nodes = [listing for listing in _expected(world, actor) if listing is not None]
        expected[actor] = {"totalCount": len(nodes), "nodes": nodes}
    assert seen == expected


async def test_search_shows_unaccredited_listings_and_check_records_only_to_those_allowed(
    api: GraphQLClient, db: Database, index_now
) -> None:
    world = await _world(db)
    await index_now()
    seen = {}
    for actor in ACTORS:
        result = await api.data(SEARCH, {"input": {"postcode": "LS8 1AB"}}, as_user=world.users[actor])
        found = result["searchProviders"]
        seen[actor] = {**found, "hits": sorted(found["hits"], key=lambda hit: hit["provider"]["name"])}

    # Staff search every published listing unless they ask for accredited ones only; the rest never
    # get an unaccredited one, and may not ask to.
    expected = {}
    for actor in ACTORS:
        hits = [{"provider": listing} for listing in _expected(world, actor) if listing is not None]
        if actor == "Fay herself":
            hits = hits[:1]
        expected[actor] = {"hits": hits, "userErrors": []}
    assert seen == expected
    refused = await api.data(
        SEARCH, {"input": {"postcode": "LS8 1AB", "accreditedOnly": False}}, as_user=world.users["holder"]
    )
    assert refused["searchProviders"] == {"hits": [], "userErrors": [{"code": "PERMISSION_DENIED"}]}


async def test_matches_offer_only_accredited_listings_and_show_checks_only_to_council_staff(
    api: GraphQLClient, db: Database
) -> None:
    world = await _world(db)

    as_broker = await api.data(MATCHES, {"plan": world.plan_id}, as_user=world.broker)
    as_holder = await api.data(MATCHES, {"plan": world.plan_id}, as_user=world.holder_user)

    assert as_broker["matchesForPlan"] == [{"provider": _with_ids(_amrit(True), world)}]
    assert as_holder["matchesForPlan"] == [{"provider": _amrit(False)}]


async def test_open_referral_feed_lists_only_accredited_listings_without_check_records(
    api: GraphQLClient, db: Database
) -> None:
    await _world(db)

    response = await api.http.get("/openreferral/services")

    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body["contents"]] == ["Amrit"]
    assert "REF-" not in response.text
    assert "FAILED" not in response.text


async def test_revoked_dbs_drops_pa_from_accredited_search_before_the_index_catches_up(
    api: GraphQLClient, db: Database, index_now
) -> None:
    world = await _world(db)
    await index_now()
    revoke = {
        "providerId": to_base64("Provider", world.amrit.id),
        "checkType": "DBS_ENHANCED",
        "status": "REVOKED",
        "reference": "",
        "checkedOn": "2026-11-25",
    }

    recorded = await api.data(RECORD, {"input": revoke}, as_user=world.broker)
    # No index_now: the index still holds Amrit as accredited.
    search = {"input": {"postcode": "LS8 1AB", "accreditedOnly": True}}
    by_staff = await api.data(SEARCH, search, as_user=world.broker)
    by_holder = await api.data(SEARCH, search, as_user=world.holder_user)
    by_anyone = await api.data(SEARCH, search)
    matches = await api.data(MATCHES, {"plan": world.plan_id}, as_user=world.broker)

    assert recorded["recordAccreditation"] == {"provider": {"accredited": False}, "userErrors": []}
    assert by_staff["searchProviders"] == {"hits": [], "userErrors": []}
    assert by_holder["searchProviders"] == {"hits": [], "userErrors": []}
    assert by_anyone["searchProviders"] == {"hits": [], "userErrors": []}
    assert matches["matchesForPlan"] == []


async def test_may_see_agrees_with_visible_clause_for_every_caller(db: Database) -> None:
    world = await _world(db)
    today = date(2026, 11, 26)
    in_python, in_sql = {}, {}
    async with db.session() as session:
        for name, user in world.users.items():
            actor = Actor(user_id=user.id, role=user.role, council_id=user.council_id) if user else None  # type: ignore[arg-type]
            rows = await session.execute(select(Provider.name).where(visible_clause(actor, today)))
            in_sql[name] = sorted(rows.scalars())
            seen = []
            for provider in (world.amrit, world.fay):
                checks = await session.execute(
                    select(Accreditation).where(Accreditation.provider_id == provider.id)
                )
                if may_see(actor, provider, checks.scalars().all(), today):
                    seen.append(provider.name)
            in_python[name] = sorted(seen)

    assert (
        in_python
        == in_sql
        == {
            actor: [n for n, sees in zip(("Amrit", "Fay"), SEES[actor], strict=True) if sees is not None]
            for actor in ACTORS
        }
    )
