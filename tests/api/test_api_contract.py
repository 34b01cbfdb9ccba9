"""The GraphQL contract itself: batching of relations, limits, media types, error masking."""

from __future__ import annotations

from broker.accounts.models import Role
from tests.factories import make_council, make_provider, make_user
from tests.statements import counting_statements

NESTED = """
query($first: Int!) { providers(first: $first) { totalCount nodes {
  name accredited services { code label } accreditations { checkType current expiresOn }
  availability { day start } council { name }
} } }
"""


async def test_nested_relations_cost_the_same_statements_for_1_or_100_listings(api, db):
    council = await make_council(db)
    for n in range(100):
        await make_provider(db, council, name=f"Listing {n:03d}")

    with counting_statements(db) as one:
        small = await api.data(NESTED, {"first": 1})
    with counting_statements(db) as hundred:
        large = await api.data(NESTED, {"first": 100})

    assert len(small["providers"]["nodes"]) == 1
    assert len(large["providers"]["nodes"]) == 100
    assert len(one) == len(hundred)
    # count + page + services + accreditations + availability + council
    assert len([s for s in hundred if s.lstrip().upper().startswith("SELECT")]) == 6


async def test_queries_deeper_than_the_limit_are_refused(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    deep = "{ viewer { council { id } } }"
    for _ in range(10):
        deep = deep.replace("council { id }", "council { ... on Council { id name } } council { id }", 1)
    nested = "{ a: providers { nodes { council { id } } } }"
    too_deep = "{ " + 'node(id: "x") { ... on Provider { council { ' * 6 + "id" + " } } }" * 6 + " }"

    body = await api.execute(too_deep, as_user=broker)

    assert body.get("data") is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert "errors" not in await api.execute(nested)


async def test_too_many_aliases_are_refused(api):
    query = "{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(20)) + " }"

    body = await api.execute(query)

    assert "aliases" in body["errors"][0]["message"].lower()


async def test_too_many_tokens_are_refused(api):
    query = "{ " + " ".join("viewer { id email fullName role }" for _ in range(400)) + " }"

    body = await api.execute(query)

    assert "token" in body["errors"][0]["message"].lower()


async def test_graphql_response_media_type_is_spoken(api):
    accept = {"Accept": "application/graphql-response+json, application/json;q=0.9"}

    ok = await api.http.post("/graphql", json={"query": "{ viewer { id } }"}, headers=accept)
    invalid = await api.http.post("/graphql", json={"query": "{ noSuchField }"}, headers=accept)
    plain_invalid = await api.http.post("/graphql", json={"query": "{ noSuchField }"})

    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("application/graphql-response+json")
    assert ok.json() == {
        "data": {"viewer": None},
        "extensions": {"cost": {"requestedQueryCost": 2, "maximumAvailable": 10_000}},
    }
    assert invalid.status_code == 400
    assert invalid.headers["content-type"].startswith("application/graphql-response+json")
    assert "noSuchField" in invalid.json()["errors"][0]["message"]
    assert plain_invalid.headers["content-type"].startswith("application/json")


async def test_health_and_readiness(api):
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    assert (await api.http.get("/readyz")).json() == {"status": "ok", "database": "up", "search": "up"}


async def test_oversized_bodies_are_refused_before_parsing(api):
    response = await api.http.post(
        "/graphql", content=b"{" + b" " * 1_100_000 + b"}", headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


async def test_graphiql_is_not_served_outside_development(api):
    response = await api.http.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 404


def test_unexpected_errors_are_masked_but_domain_and_permission_errors_are_not():
    from graphql import GraphQLError

    from broker.api.errors import _should_mask
    from broker.errors import NotFound

    assert _should_mask(GraphQLError("boom", original_error=RuntimeError("db password is hunter2")))
    assert not _should_mask(GraphQLError("No listing", original_error=NotFound("No listing")))
    assert not _should_mask(GraphQLError("Sign in", original_error=GraphQLError("Sign in")))
    assert not _should_mask(GraphQLError("Cannot query field 'x'"))
