"""An operator points Prometheus at /metrics and sees latency by operation, errors by code, the search
outbox's depth and lag and payments by state, and never a value a caller sent."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from broker.db import Database
from search.outbox import SearchOutbox
from tests.client import GraphQLClient


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def _scrape(api: GraphQLClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return _samples(response.text)


async def test_requests_are_counted_by_operation_and_errors_by_code(api: GraphQLClient):
    before = await _scrape(api)
    planted = "planted-secret@example.org"

    await api.http.post(
        "/graphql",
        json={
            "query": "mutation SignIn($e: String!, $p: String!) "
            "{ login(input: {email: $e, password: $p}) { userErrors { code } } }",
            "operationName": "SignIn",
            "variables": {"e": planted, "p": "wrong-password-1"},
        },
    )
    text = (await api.http.get("/metrics")).text
    after = _samples(text)

    key = ("broker_graphql_operation_duration_seconds_count", (("operation", "SignIn"),))
    assert after[key] == before.get(key, 0) + 1
    errors = ("broker_errors_total", (("code", "INVALID_CREDENTIALS"),))
    assert after[errors] == before.get(errors, 0) + 1
    assert planted not in text and "wrong-password" not in text


async def test_outbox_depth_and_payment_states_are_read_from_the_database(api: GraphQLClient):
    samples = await _scrape(api)

    assert ("broker_search_outbox_depth", ()) in samples
    assert samples[("broker_search_outbox_lag_seconds", ())] >= 0
    assert ("broker_payments", (("status", "SUCCEEDED"),)) in samples
    assert samples[("broker_database_up", ())] == 1


async def test_a_listing_change_waiting_for_the_index_shows_as_outbox_depth(api: GraphQLClient, db: Database):
    async with db.transaction() as session:
        session.add(SearchOutbox(provider_id=1))

    samples = await _scrape(api)

    assert samples[("broker_search_outbox_depth", ())] >= 1
