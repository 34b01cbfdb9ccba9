"""A broker finds a person in the council's caseload by part of their name, email or postcode, narrows
it to how the payment is held, and orders it by name, newest or budget."""

from __future__ import annotations

import json

import pytest

from broker.accounts.models import Role, User
from broker.holders.models import DPHolder, DPHolding
from tests.factories import make_council, make_holder, make_user

CASELOAD = """
query Caseload($filter: DPHolderFilterInput) {
  dpHolders(first: 20, filter: $filter) { totalCount nodes { user { fullName } } }
}
"""


async def _person(
    db, council, name: str, *, budget: int = 30_000, held_as=DPHolding.BANK_ACCOUNT, district="LS8"
):
    user = await make_user(
        db, Role.DP_HOLDER, council, email=f"{name.split()[0].lower()}.{council.id}@example.org"
    )
    async with db.transaction() as session:
        row = await session.get(User, user.id)
        row.full_name = name
    holder = await make_holder(db, council, user=user, weekly_budget_pence=budget, district=district)
    async with db.transaction() as session:
        row = await session.get(DPHolder, holder.id)
        row.held_as = held_as
    return holder


@pytest.fixture
async def caseload(db):
    leeds, york = await make_council(db, "Leeds"), await make_council(db, "York")
    broker = await make_user(db, Role.BROKER, leeds)
    await _person(db, leeds, "Amina Khan", budget=32_500, held_as=DPHolding.PREPAID_CARD)
    await _person(db, leeds, "Brian O'Neill", budget=41_000, district="LS6")
    await _person(db, leeds, "Zofia Nowak", budget=12_000, held_as=DPHolding.PREPAID_CARD)
    await _person(db, york, "Amina Other")
    return broker


def _names(result):
    return [n["user"]["fullName"] for n in result["dpHolders"]["nodes"]]


async def test_a_broker_finds_a_person_by_part_of_their_name_in_any_case(api, caseload):
    result = await api.data(CASELOAD, {"filter": {"text": "AMINA"}}, as_user=caseload)

    assert _names(result) == ["Amina Khan"]
    assert result["dpHolders"]["totalCount"] == 1


async def test_a_broker_finds_people_by_email_or_postcode(api, caseload):
    by_email = await api.data(CASELOAD, {"filter": {"text": "BRIAN."}}, as_user=caseload)
    by_postcode = await api.data(CASELOAD, {"filter": {"text": "ls6"}}, as_user=caseload)

    assert _names(by_email) == ["Brian O'Neill"]
    assert _names(by_postcode) == ["Brian O'Neill"]


async def test_wildcards_in_the_text_are_taken_literally(api, caseload):
    result = await api.data(CASELOAD, {"filter": {"text": "%"}}, as_user=caseload)

    assert _names(result) == []


async def test_a_broker_narrows_the_caseload_to_how_the_payment_is_held(api, caseload):
    result = await api.data(
        CASELOAD, {"filter": {"heldAs": "PREPAID_CARD", "sort": "NAME"}}, as_user=caseload
    )

    assert _names(result) == ["Amina Khan", "Zofia Nowak"]


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        ("OLDEST", ["Amina Khan", "Brian O'Neill", "Zofia Nowak"]),
        ("NEWEST", ["Zofia Nowak", "Brian O'Neill", "Amina Khan"]),
        ("NAME", ["Amina Khan", "Brian O'Neill", "Zofia Nowak"]),
        ("WEEKLY_BUDGET", ["Brian O'Neill", "Amina Khan", "Zofia Nowak"]),
    ],
)
async def test_a_broker_orders_the_caseload(api, caseload, sort, names):
    result = await api.data(CASELOAD, {"filter": {"sort": sort}}, as_user=caseload)

    assert _names(result) == names


async def test_other_roles_cannot_list_holders_at_all(api, db, caseload):
    council = await make_council(db)
    for role in (Role.PROVIDER, Role.DP_HOLDER, Role.REPRESENTATIVE):
        body = await api.execute(
            CASELOAD, {"filter": {"text": "Amina"}}, as_user=await make_user(db, role, council)
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await api.execute(CASELOAD, {"filter": {"text": "Amina"}})
    assert anonymous["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")


@pytest.mark.parametrize(
    "text", ["a" * 101, "Amina\x00", "Amina\ud800"], ids=["too long", "NUL", "lone surrogate"]
)
async def test_hostile_text_is_refused_at_the_filter(api, caseload, text):
    # Sent as JSON escapes (`\\ud800`), as a client that does not check its strings would send them.
    body = json.dumps({"query": CASELOAD, "variables": {"filter": {"text": text}}}).encode()
    response = await api.http.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {api.token_for(caseload)}", "Content-Type": "application/json"},
    )

    answer = response.json()
    assert (answer.get("data") or {}).get("dpHolders") is None
    assert answer["errors"][0]["extensions"]["code"] == "INVALID"
    assert answer["errors"][0]["extensions"]["field"] == "filter.text"


async def test_an_unknown_sort_is_refused(api, caseload):
    body = await api.execute(CASELOAD, {"filter": {"sort": "SHOE_SIZE"}}, as_user=caseload)

    assert "errors" in body
