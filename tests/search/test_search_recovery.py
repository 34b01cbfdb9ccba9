"""A damaged search index costs search for a moment, never the service: writes go on, readiness says
what search is doing, and the index comes back from the database with the same answers."""

from __future__ import annotations

from pathlib import Path

import httpx

from broker.accounts.models import Role
from broker.app import create_app
from search.sync import pending
from tests.client import GraphQLClient
from tests.factories import make_council, make_provider, make_user
from tests.search.damage import damage

SEARCH = """query($input: SearchProvidersInput!) { searchProviders(input: $input) {
  hits { provider { name } distanceKm } userErrors { code message } } }"""
UPDATE = """mutation($input: UpdateProviderInput!) { updateProvider(input: $input) {
  provider { name } userErrors { code } } }"""
IDS = "{ providers { nodes { id name } } }"
UNAVAILABLE = {
    "hits": [],
    "userErrors": [
        {"code": "SEARCH_UNAVAILABLE", "message": "Search is unavailable for a moment; please try again."}
    ],
}


def _index_dir(settings) -> Path:
    return settings.data_dir / "search-index"


async def _search(api: GraphQLClient, **input) -> dict:
    return (await api.data(SEARCH, {"input": input}))["searchProviders"]


async def _readiness(api: GraphQLClient) -> tuple[int, dict]:
    response = await api.http.get("/readyz")
    return response.status_code, response.json()


async def _leeds(db) -> tuple:
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    await make_provider(db, council, owner=jo, name="Jo Smith", district="LS8")
    await make_provider(db, council, name="Kim Jones", district="LS6")
    await make_provider(db, council, name="Sam Patel", district="LS17")
    return council, jo


async def test_a_damaged_index_answers_search_unavailable_until_it_is_rebuilt_with_the_same_hits(
    api, db, settings, index_now
):
    await _leeds(db)
    await index_now()
    before = await _search(api, postcode="LS8", radiusKm=20)
    assert [h["provider"]["name"] for h in before["hits"]] == ["Jo Smith", "Kim Jones", "Sam Patel"]
    damage(_index_dir(settings), "meta.json garbage")

    readiness = await _readiness(api)  # before any search has tripped over the damage
    during = await _search(api, postcode="LS8", radiusKm=20)

    assert readiness == (200, {"status": "ok", "database": "up", "search": "corrupt"})
    assert during == UNAVAILABLE

    await index_now()

    assert await _search(api, postcode="LS8", radiusKm=20) == before
    assert await _readiness(api) == (200, {"status": "ok", "database": "up", "search": "up"})


async def test_writes_go_on_while_the_index_is_damaged_and_reach_it_after_the_rebuild(
    api, db, settings, index_now
):
    _, jo = await _leeds(db)
    await index_now()
    listing = next(n for n in (await api.data(IDS))["providers"]["nodes"] if n["name"] == "Jo Smith")
    damage(_index_dir(settings), "segment files deleted")
    assert (await _search(api, text="Jo"))["userErrors"][0]["code"] == "SEARCH_UNAVAILABLE"

    updated = await api.data(UPDATE, {"input": {"id": listing["id"], "name": "Joanna Smith"}}, as_user=jo)

    assert updated["updateProvider"] == {"provider": {"name": "Joanna Smith"}, "userErrors": []}
    assert await pending(db) == 1  # kept in the outbox until the index is back

    await index_now()

    assert [h["provider"]["name"] for h in (await _search(api, text="Joanna"))["hits"]] == ["Joanna Smith"]
    assert await pending(db) == 0


async def test_starting_over_a_damaged_index_serves_and_recovers(api, db, settings, clock, index_now):
    await _leeds(db)
    await index_now()
    before = await _search(api, postcode="LS8", radiusKm=20)
    damage(_index_dir(settings), "meta.json deleted")

    app = create_app(settings, clock=clock, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        again = GraphQLClient(http, settings=settings, clock=clock)
        during = await _search(again, postcode="LS8", radiusKm=20)
        readiness = await _readiness(again)
        await app.state.drainer.drain()
        after = await _search(again, postcode="LS8", radiusKm=20)
        ready_after = await _readiness(again)

    assert during == UNAVAILABLE
    assert readiness == (200, {"status": "ok", "database": "up", "search": "corrupt"})
    assert len(before["hits"]) == 3
    assert after == before
    assert ready_after == (200, {"status": "ok", "database": "up", "search": "up"})
