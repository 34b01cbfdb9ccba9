"""Request limits: fragment bombs, depth, aliases and cost are measured in linear time; production
hides introspection and suggestions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import parse

from broker.api.clock import FixedClock
from broker.api.limits import operation_shapes
from broker.app import create_app
from broker.db import Database
from broker.settings import Settings

GRAPHQL_RESPONSE = {"Accept": "application/graphql-response+json"}

README_QUERY = """
{ providers(first: 10, filter: {accredited: true, kind: PA, postcodeDistrict: "LS8"}) {
    totalCount
    nodes { name hourlyRatePence services { label } languages { name } accredited accreditedUntil
            availability { day start end } contact { email } } } }
"""
# providers 1 + 10 x (totalCount 1 + nodes (1 + name, hourlyRatePence, accredited, accreditedUntil 4
# + services 2 + languages 2 + availability 4 + contact 2)) = 1 + 10 x 16
README_QUERY_COST = 161

PAGED = "query($first: Int) { providers(first: $first) { totalCount nodes { name } } }"


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the one before it twice: 2^levels copies of `services` once expanded."""
    fragments = [f"fragment f{n} on Query {{ ...f{n - 1} ...f{n - 1} }}" for n in range(1, levels + 1)]
    return " ".join([f"{{ ...f{levels} }}", "fragment f0 on Query { services { code } }", *fragments])


async def _client(settings: Settings, clock: FixedClock, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(settings, clock=clock, db=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def production(settings: Settings, clock: FixedClock, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The service as production builds it, which is on PostgreSQL only (production refuses SQLite)."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("production runs on PostgreSQL only")
    configured = Settings(
        environment="production",
        database_url=settings.database_url,
        data_dir=settings.data_dir,
        secret_key="a-production-secret-of-at-least-32-characters",
    )
    async for http in _client(configured, clock, db):
        yield http


@pytest.fixture
async def cheap(settings: Settings, clock: FixedClock, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The service with a cost limit of 100 (`BROKER_MAX_QUERY_COST=100`)."""
    async for http in _client(settings.model_copy(update={"max_query_cost": 100}), clock, db):
        yield http


async def test_the_904_byte_fragment_bomb_is_refused_as_a_request_error(api):
    query = fragment_bomb(22)
    assert len(query.encode()) == 904

    response = await api.http.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "The operation expands to 8388607 fragment spreads; at most 500 are allowed.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "TOO_MANY_FRAGMENT_SPREADS"},
            },
            {
                "message": "The operation repeats 8388606 fields (selected again under a name already "
                "selected in the same place); at most 100 are allowed.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "TOO_MANY_REPEATED_FIELDS"},
            },
        ]
    }
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}


async def test_the_deepest_fragment_bomb_the_token_limit_allows_is_refused(api):
    # 198 levels in 1,998 tokens, 2^199 - 1 spreads once expanded: the old limiters, re-walking each
    # fragment at every spread, would not have finished this within the age of the universe.
    query = fragment_bomb(198)

    body = await api.execute(query)

    # graphql-core's own guard against fragments nested deeper than it recurses adds the last one.
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        f"The operation expands to {2**199 - 1} fragment spreads; at most 500 are allowed.",
        f"The operation repeats {2**199 - 2} fields (selected again under a name already selected in "
        "the same place); at most 100 are allowed.",
        "Validation aborted.",
    ]


async def test_a_query_padded_past_the_length_limit_is_refused_before_it_is_parsed_or_cached(api):
    # Comments are not tokens: 50,001 characters of them would pass the token limit and sit in the
    # parser cache (a megabyte an entry at the body limit).
    padded = "{ services { code } }\n#" + "x" * 50_000

    response = await api.http.post("/graphql", json={"query": padded}, headers=GRAPHQL_RESPONSE)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "The query text is longer than 50,000 characters; send fewer fields or drop "
                "comments and padding.",
                "extensions": {"code": "QUERY_TOO_LONG"},
            }
        ]
    }
    assert (await api.execute("{ services { code } }"))["data"]["services"]


def test_each_fragment_is_measured_once_and_its_measure_reused_at_every_spread():
    levels = 60
    document = parse(
        " ".join(
            [
                f"query Bomb {{ ...f{levels} }}",
                "fragment f0 on Query { a: services { b: code } viewer { council { id } } }",
                *(f"fragment f{n} on Query {{ ...f{n - 1} ...f{n - 1} }}" for n in range(1, levels + 1)),
            ]
        )
    )

    [(operation, shape)] = operation_shapes(document).items()

    assert operation.name.value == "Bomb"
    assert (shape.depth, shape.aliases, shape.spreads) == (2, 2 * 2**levels, 2 ** (levels + 1) - 1)
    # At the top, 2^60 copies of `a` (2 fields each) and of `viewer` (3 fields each): all but one repeat
    assert shape.repeated == 5 * (2**levels - 1)


def holder_chain(links: int, end: str) -> str:
    """`dpHolder`, then `links` fragments each adding `supportPlans { holder }` (2 levels), then `end`."""
    fragments = [
        f"fragment h{n} on DPHolder {{ supportPlans {{ holder {{ ...h{n + 1} }} }} }}" for n in range(links)
    ]
    return " ".join(["{ dpHolder { ...h0 } }", *fragments, f"fragment h{links} on DPHolder {{ {end} }}"])


async def test_depth_is_counted_through_fragments_and_ten_levels_are_allowed(api):
    ten = holder_chain(4, "council { id }")  # dpHolder 1 + 4 x 2 + council 1
    eleven = holder_chain(5, "id")  # dpHolder 1 + 5 x 2

    allowed = await api.execute(ten)
    refused = await api.execute(eleven)

    assert allowed["data"] == {"dpHolder": None}
    assert [e["extensions"]["code"] for e in allowed["errors"]] == ["UNAUTHENTICATED"]  # it ran
    assert refused == {
        "data": None,
        "errors": [
            {
                "message": "The operation is 11 fields deep: it exceeds maximum operation depth of 10.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "QUERY_TOO_DEEP"},
            }
        ],
    }


async def test_aliases_are_counted_at_every_spread_of_their_fragment(api):
    eight = "fragment eight on Query { " + " ".join(f"a{n}: services {{ code }}" for n in range(8)) + " }"

    allowed = await api.execute("query Once { ...eight } " + eight)
    refused = await api.execute("query Twice { viewer { id } ...eight ... on Query { ...eight } } " + eight)

    assert "errors" not in allowed
    assert refused["data"] is None
    assert refused["errors"] == [
        {
            "message": "'Twice' uses 16 aliases; at most 15 aliases are allowed.",
            "locations": [{"line": 1, "column": 1}],
            "extensions": {"code": "TOO_MANY_ALIASES"},
        }
    ]


async def test_a_readme_query_still_works_and_reports_its_cost(api):
    body = await api.execute(README_QUERY)

    assert body == {
        "data": {"providers": {"totalCount": 0, "nodes": []}},
        "extensions": {"cost": {"requestedQueryCost": README_QUERY_COST, "maximumAvailable": 10_000}},
    }


async def test_cost_multiplies_by_first_from_variables_else_the_default_page(api):
    costs = []
    for variables in ({"first": 100}, {"first": 3}, {}, {"first": 5_000}, {"first": -1}):
        body = await api.http.post("/graphql", json={"query": PAGED, "variables": variables})
        costs.append(body.json()["extensions"]["cost"]["requestedQueryCost"])

    # providers 1 + first x (totalCount 1 + nodes 1 + name 1); `first` capped at 100 as the page is
    assert costs == [301, 10, 61, 301, 1]


async def test_a_request_above_the_cost_limit_is_refused_before_anything_runs(api):
    # Fifteen aliases of the heaviest paged field at first: 100: 15 x (2,000 + 100 x 1) = 31,500.
    # Anonymous: had any resolver run, each alias would carry a permission error with a `path`.
    query = (
        "{ "
        + " ".join(f'm{n}: matchesForPlan(planId: "x", first: 100) {{ score }}' for n in range(15))
        + " }"
    )

    response = await api.http.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)

    assert response.status_code == 400
    cost = {"requestedQueryCost": 31_500, "maximumAvailable": 10_000}
    assert response.json() == {
        "errors": [
            {
                "message": "This request would cost 31,500, more than the 10,000 allowed: ask for fewer "
                "items (`first`) or fewer expensive fields, or split it into several requests.",
                "extensions": {"code": "QUERY_TOO_COSTLY", "cost": cost},
            }
        ],
        "extensions": {"cost": cost},
    }


async def test_the_cost_limit_is_a_setting_checked_with_each_requests_variables(cheap):
    small = await cheap.post("/graphql", json={"query": PAGED, "variables": {"first": 10}})
    large = await cheap.post("/graphql", json={"query": PAGED, "variables": {"first": 100}})

    assert small.json() == {
        "data": {"providers": {"totalCount": 0, "nodes": []}},
        "extensions": {"cost": {"requestedQueryCost": 31, "maximumAvailable": 100}},
    }
    assert large.json()["data"] is None
    assert [e["extensions"]["code"] for e in large.json()["errors"]] == ["QUERY_TOO_COSTLY"]
    assert large.json()["extensions"] == {"cost": {"requestedQueryCost": 301, "maximumAvailable": 100}}


async def test_mutations_and_expensive_fields_weigh_more(api):
    login = 'mutation { login(input: {email: "nobody@example.org", password: "x"}) { token } }'

    body = await api.execute(login)

    assert body["extensions"] == {"cost": {"requestedQueryCost": 2_001, "maximumAvailable": 10_000}}


async def test_introspection_and_suggestions_work_outside_production(api):
    introspection = await api.execute("{ __schema { queryType { name } } }")
    typo = await api.execute("{ servicez { code } }")

    assert introspection["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert (
        typo["errors"][0]["message"]
        == "Cannot query field 'servicez' on type 'Query'. Did you mean 'services'?"
    )


async def test_production_refuses_introspection(production):
    schema = await production.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    one_type = await production.post("/graphql", json={"query": '{ __type(name: "Provider") { name } }'})
    typename = await production.post("/graphql", json={"query": "{ __typename }"})

    assert schema.json()["data"] is None
    assert [e["message"] for e in schema.json()["errors"]] == [
        "GraphQL introspection has been disabled, but the requested query contained the field '__schema'.",
        "GraphQL introspection has been disabled, but the requested query contained the field 'queryType'.",
    ]
    assert [e["message"] for e in one_type.json()["errors"]] == [
        "GraphQL introspection has been disabled, but the requested query contained the field '__type'."
    ]
    assert typename.json()["data"] == {"__typename": "Query"}


async def test_production_suggests_no_names_in_validation_or_variable_errors(production):
    typo_field = await production.post("/graphql", json={"query": "{ servicez { code } }"})
    typo_argument = await production.post(
        "/graphql", json={"query": "{ providers(frist: 1) { totalCount } }"}
    )
    typo_enum = await production.post(
        "/graphql", json={"query": "{ providers(filter: {kind: AGENC}) { totalCount } }"}
    )
    typo_variable = await production.post(
        "/graphql",
        json={
            "query": "query($f: ProviderFilterInput) { providers(filter: $f) { totalCount } }",
            "variables": {"f": {"kind": "AGENC", "acredited": True}},
        },
    )

    messages = [
        e["message"]
        for response in (typo_field, typo_argument, typo_enum, typo_variable)
        for e in response.json()["errors"]
    ]
    assert messages == [
        "Cannot query field 'servicez' on type 'Query'.",
        "Unknown argument 'frist' on field 'Query.providers'.",
        "Value 'AGENC' does not exist in 'ProviderKind' enum.",
        "Variable '$f' has invalid value at .kind: Value 'AGENC' does not exist in 'ProviderKind' enum.",
        "Variable '$f' has invalid value: Expected value of type 'ProviderFilterInput' not to include "
        "unknown field 'acredited', found: {'kind': 'AGENC', 'acredited': True}.",
    ]


async def test_fields_repeated_under_one_name_are_refused_before_graphql_core_compares_them(api):
    # graphql-core compares each pair of same-named fields: 400 copies took it seconds per request.
    many = "{" + " services { code }" * 400 + "}"
    relay_style = (
        "{ viewer { ...name ...role } } fragment name on User { id council { id name } fullName } "
        "fragment role on User { id council { id } role }"
    )

    refused = await api.execute(many)
    allowed = await api.execute(relay_style)

    assert refused == {
        "data": None,
        "errors": [
            {
                "message": "The operation repeats 798 fields (selected again under a name already "
                "selected in the same place); at most 100 are allowed.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "TOO_MANY_REPEATED_FIELDS"},
            }
        ],
    }
    assert allowed["data"] == {"viewer": None}
