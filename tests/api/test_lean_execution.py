"""The short paths of execution answer exactly as graphql-core's own: relations read from primed
loaders, plain leaves read in one step, and anything unusual reported in place as before."""

from __future__ import annotations

import strawberry
from graphql import parse
from strawberry.types.info import Info

from broker.accounts.models import Role
from broker.api.execution import LeanExecution
from broker.api.lookahead import names_below
from tests.factories import make_council, make_provider, make_user
from tests.statements import counting_statements

NESTED = """
query { providers(first: 10) { nodes { ...Listing } } }
fragment Listing on Provider { name ...Checks services { code } }
fragment Checks on Provider { accredited accreditations { checkType } }
"""


async def test_a_nested_page_reads_its_relations_in_the_page_session(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    for n in range(3):
        await make_provider(db, council, name=f"Listing {n}")

    with counting_statements(db) as statements:
        data = await api.data(NESTED, as_user=broker)

    nodes = data["providers"]["nodes"]
    assert [n["name"] for n in nodes] == ["Listing 0", "Listing 1", "Listing 2"]
    assert all(n["accredited"] is True and n["services"] and n["accreditations"] for n in nodes)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # The signed-in user, the count, the page, its services and its checks: one statement each.
    assert len(reads) == 5
    if db.engine.dialect.name == "sqlite":
        # One session for the user, one for the page and its relations: no session per relation.
        assert sum(1 for s in statements if s.strip().upper() == "BEGIN") == 2


def _field_info(query: str):
    document = parse(query)
    operation = document.definitions[0]
    fragments = {d.name.value: d for d in document.definitions[1:]}

    class Raw:
        field_nodes = [operation.selection_set.selections[0]]

    Raw.fragments = fragments
    return Raw()


def test_names_below_reads_each_fragment_once_through_spreads():
    info = _field_info(NESTED)
    assert names_below(info) == {
        "nodes",
        "name",
        "accredited",
        "accreditations",
        "checkType",
        "services",
        "code",
    }


def test_names_below_takes_a_long_chain_of_fragments_without_recursion():
    chain = "\n".join(f"fragment F{i} on Provider {{ ...F{i + 1} }}" for i in range(3000))
    query = f"query {{ providers {{ nodes {{ ...F0 }} }} }}\n{chain}\nfragment F3000 on Provider {{ name }}"
    assert names_below(_field_info(query)) == {"nodes", "name"}


@strawberry.type
class Thing:
    name: str
    nickname: str | None
    count: int


def _thing_schema(thing: object) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def thing(self, info: Info) -> Thing:
            return thing  # type: ignore[return-value]

    return strawberry.Schema(query=Query, execution_context_class=LeanExecution)


def test_plain_leaves_answer_as_graphql_core_does():
    result = _thing_schema(Thing(name="a", nickname=None, count=3)).execute_sync(
        "{ thing { name nickname count } }"
    )
    assert result.errors is None
    assert result.data == {"thing": {"name": "a", "nickname": None, "count": 3}}


def test_a_leaf_the_fast_path_refuses_is_reported_in_place_as_before():
    broken = Thing(name=None, nickname="x", count="many")  # type: ignore[arg-type]
    result = _thing_schema(broken).execute_sync("{ thing { nickname count } }")
    assert result.data is None  # `thing` is non-null: the error nulls the parent of the field
    assert result.errors is not None
    assert [e.path for e in result.errors] == [["thing", "count"]]
    assert result.errors[0].message == "Int cannot represent non-integer value: 'many'"

    result = _thing_schema(broken).execute_sync("{ thing { name } }")
    assert result.errors is not None
    assert result.errors[0].message == "Cannot return null for non-nullable field Thing.name."
    assert result.errors[0].path == ["thing", "name"]
