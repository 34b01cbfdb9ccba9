"""The index follows the database through the outbox; an index outage delays search but loses nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from broker.accounts.models import Role
from broker.app import create_app
from broker.discovery.documents import LISTINGS
from search.backend import IndexState, SearchBackend, SearchUnavailable
from search.documents import ProviderDocument
from search.factory import backend_from_url
from search.outbox import SearchOutbox
from search.query import SearchQuery, SearchResult
from search.sync import pending, reindex
from tests.client import GraphQLClient
from tests.factories import make_council, make_provider, make_user

UPDATE = """mutation($input: UpdateProviderInput!) { updateProvider(input: $input) {
  provider { name } userErrors { code } } }"""
SEARCH = """query($input: SearchProvidersInput!) { searchProviders(input: $input) {
  hits { provider { name } } userErrors { code message } } }"""
IDS = "{ providers { nodes { id name } } }"


class SwitchableIndex:
    """A real tantivy index behind a switch that makes it unreachable, like a Meilisearch outage."""

    def __init__(self, inner: SearchBackend) -> None:
        self.inner = inner
        self.down = False
        self.writes = 0

    def _check(self) -> None:
        if self.down:
            raise SearchUnavailable("connection refused")

    def upsert(self, docs: Sequence[ProviderDocument]) -> None:
        self._check()
        self.writes += 1
        self.inner.upsert(docs)

    def delete(self, ids: Sequence[int]) -> None:
        self._check()
        self.inner.delete(ids)

    def search(self, query: SearchQuery) -> SearchResult:
        self._check()
        return self.inner.search(query)

    def stats(self) -> dict:
        self._check()
        return self.inner.stats()

    def health(self) -> bool:
        return not self.down and self.inner.health()

    def state(self) -> IndexState:
        return IndexState.DOWN if self.down else self.inner.state()

    def clear(self) -> None:
        self._check()
        self.inner.clear()

    def rebuild(self, docs: Iterable[ProviderDocument]) -> int:
        self._check()
        return self.inner.rebuild(docs)


@pytest.fixture
def index(tmp_path: Path) -> SwitchableIndex:
    return SwitchableIndex(backend_from_url(f"tantivy://{tmp_path / 'index'}"))


@pytest.fixture
def flaky_app(settings, clock, db, index) -> Starlette:
    return create_app(settings, clock=clock, db=db, search=index)


@pytest.fixture
async def client(flaky_app, settings, clock):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=flaky_app), base_url="http://t") as http:
        yield GraphQLClient(http, settings=settings, clock=clock)


def _everything() -> SearchQuery:
    return SearchQuery(
        accredited_only=False, statuses=("DRAFT", "PUBLISHED", "SUSPENDED"), facets=True, limit=1000
    )


async def _names(client, **input) -> list[str]:
    result = (await client.data(SEARCH, {"input": input}))["searchProviders"]
    return sorted(h["provider"]["name"] for h in result["hits"])


async def test_a_listing_change_reaches_search_through_the_outbox(client, db, flaky_app):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    await make_provider(db, council, owner=jo, name="Jo Smith")
    await flaky_app.state.drainer.drain()
    listing_id = (await client.data(IDS))["providers"]["nodes"][0]["id"]

    await client.data(UPDATE, {"input": {"id": listing_id, "name": "Joanna Smith"}}, as_user=jo)
    assert await _names(client, text="Joanna") == []  # not yet drained
    assert await pending(db) == 1
    await flaky_app.state.drainer.drain()

    assert await _names(client, text="Joanna") == ["Joanna Smith"]
    assert await pending(db) == 0


async def test_with_the_index_down_writes_succeed_and_nothing_is_lost(client, db, flaky_app, index, clock):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    await make_provider(db, council, owner=jo, name="Jo Smith")
    await make_provider(db, council, name="Kim Jones")
    await flaky_app.state.drainer.drain()
    listing_id = (await client.data(IDS))["providers"]["nodes"][0]["id"]
    index.down = True

    updated = await client.data(UPDATE, {"input": {"id": listing_id, "name": "Joanna Smith"}}, as_user=jo)
    drained = await flaky_app.state.drainer.drain()
    search = (await client.data(SEARCH, {"input": {"text": "Joanna"}}))["searchProviders"]

    assert updated["updateProvider"] == {"provider": {"name": "Joanna Smith"}, "userErrors": []}
    assert drained.failed == 1
    assert search["userErrors"][0]["code"] == "SEARCH_UNAVAILABLE"
    async with db.session() as session:
        row = (await session.execute(select(SearchOutbox))).scalar_one()
    assert (row.attempts, row.last_error) == (1, "connection refused")

    index.down = False
    assert (await flaky_app.state.drainer.drain()).rows == 0  # still backing off
    clock.at = clock.at.replace(minute=clock.at.minute + 1)
    converged = await flaky_app.state.drainer.drain()

    assert converged.indexed == 1
    assert await _names(client, text="Joanna") == ["Joanna Smith"]
    assert await _names(client) == ["Joanna Smith", "Kim Jones"]
    assert index.inner.search(_everything()).total == 2  # no duplicates


async def test_replaying_the_outbox_is_harmless(client, db, flaky_app, index):
    council = await make_council(db)
    provider = await make_provider(db, council, name="Jo Smith")
    await flaky_app.state.drainer.drain()
    async with db.transaction() as session:
        session.add_all(SearchOutbox(provider_id=provider.id) for _ in range(3))

    await flaky_app.state.drainer.drain()

    assert index.inner.search(_everything()).total == 1
    assert await _names(client) == ["Jo Smith"]


async def test_a_full_reindex_equals_the_incrementally_maintained_index(
    client, db, flaky_app, index, tmp_path
):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    for n, district in enumerate(["LS1", "LS6", "LS8", "LS17", "LS29"]):
        await make_provider(db, council, name=f"Listing {n}", district=district)
    await flaky_app.state.drainer.drain()
    nodes = (await client.data(IDS))["providers"]["nodes"]
    await client.data(UPDATE, {"input": {"id": nodes[0]["id"], "hourlyRatePence": 1700}}, as_user=broker)
    suspend = "mutation($id: ID!) { suspendProvider(input: {id: $id}) { userErrors { code } } }"
    await client.data(suspend, {"id": nodes[1]["id"]}, as_user=broker)
    await flaky_app.state.drainer.drain()

    fresh = backend_from_url(f"tantivy://{tmp_path / 'fresh'}")
    rebuilt = await reindex(db, fresh, LISTINGS)

    assert rebuilt == 5
    incremental, full = index.inner.search(_everything()), fresh.search(_everything())
    assert [h.id for h in incremental.hits] == [h.id for h in full.hits]
    assert incremental.facets == full.facets
    assert dataclasses.asdict(incremental)["total"] == 5
