"""A schemathesis fuzz run over every operation, anonymously and as an ADMIN, with its default checks.

Runs against a real server (uvicorn on loopback) with the demo data. Every response goes through
`case.validate_response`, schemathesis' default checks: no 5xx, no GraphQL server error, a well-formed
GraphQL response that keeps to the schema, schema-invalid (negative) data refused, and schema-valid
(positive) data never refused before execution.

What the generator is told, because GraphQL types cannot say it (see `_teach_the_generator`):
- an `ID` is one this API issues (base64 `Type:key`, a type implementing `Node`, a key within 32 bits);
  such IDs mostly name nothing, so the not-found paths are exercised too;
- a `Date` falls within the dates the service handles (`broker.hygiene`);
- a String `after`/`before` argument is a cursor this API issues;
- text carries no NUL (`allow_x00`, schemathesis' own switch): PostgreSQL cannot store it, so it is
  refused on purpose; `tests/api/test_hostile_input.py` checks that refusal, and malformed IDs, cursors
  and dates, exactly.

Counted apart, as correct answers rather than failures:
- a refusal for want of a sign-in or a role (`UNAUTHENTICATED`, `FORBIDDEN`, `PERMISSION_DENIED`);
- a request refused by a documented request limit (`QUERY_TOO_COSTLY` and the shape limits of
  `broker/api/limits.py`): the generator selects every field of every connection at its default
  page size, which can cost more than a client may ask for at once;
- a query refusing well-formed arguments with one of our `UserErrorCode`s and the `field` it is
  about (no such object, a range, a required choice). GraphQL's positive checks count every execution
  error as a failure, but no GraphQL type can say "an ID that exists" or "`since` before `until`";
  these are the GraphQL answers schemathesis itself accepts over REST for positive data (404, 409).
Anything else fails the test, listing every operation and what went wrong.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import graphql
import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.graphql import nodes

from broker.api.limits import (
    QUERY_TOO_COSTLY,
    QUERY_TOO_DEEP,
    QUERY_TOO_LONG,
    TOO_MANY_ALIASES,
    TOO_MANY_FRAGMENT_SPREADS,
    TOO_MANY_REPEATED_FIELDS,
)
from broker.api.relay import MAX_KEY, MAX_OFFSET, encode_cursor
from broker.api.schema import schema as broker_schema
from broker.app import create_app
from broker.db import Database, migrate
from broker.errors import ErrorCode
from broker.hygiene import EARLIEST_DATE, LATEST_DATE
from broker.settings import Settings
from seed.demo import DEMO_PASSWORD, seed_demo

EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}
AUTH_CODES = frozenset({"UNAUTHENTICATED", "FORBIDDEN", "PERMISSION_DENIED"})
LIMIT_CODES = frozenset(
    {
        QUERY_TOO_COSTLY,
        QUERY_TOO_DEEP,
        QUERY_TOO_LONG,
        TOO_MANY_ALIASES,
        TOO_MANY_FRAGMENT_SPREADS,
        TOO_MANY_REPEATED_FIELDS,
    }
)
USER_ERROR_CODES = frozenset(code.value for code in ErrorCode)
CURSOR_NAMES = frozenset({"after", "before"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    config = Settings(
        environment="test", data_dir=data_dir, secret_key="fuzz-secret-key-long-enough-for-hs256!"
    )
    migrate(config.database_url)

    async def seed() -> None:
        db = Database(config.database_url)
        async with db.transaction() as session:
            await seed_demo(session, today=date(2026, 11, 26), providers=30, holders=3)
        await db.dispose()

    asyncio.run(seed())
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def admin_token(server: str) -> str:
    response = httpx.post(
        f"{server}/graphql",
        json={
            "query": "mutation($email: String!, $password: String!) { login(input: "
            "{email: $email, password: $password}) { token } }",
            "variables": {"email": "admin@demo.example", "password": DEMO_PASSWORD},
        },
    )
    return response.json()["data"]["login"]["token"]


def _teach_the_generator() -> None:
    """Strategies for the scalars whose valid values GraphQL's types cannot describe."""
    from broker.api.input_rules import node_type_names

    # Node types only: `node(id:)` refuses the others before execution (tested in test_hostile_input),
    # and an ID of a Node type is well-formed wherever an ID is taken.
    types = sorted(node_type_names(broker_schema._schema))
    keys = st.one_of(st.integers(1, 40), st.integers(1, MAX_KEY))
    ids = st.builds(lambda t, k: base64.b64encode(f"{t}:{k}".encode()).decode(), st.sampled_from(types), keys)
    schemathesis.graphql.scalar("ID", ids.map(nodes.String))
    days = st.dates(EARLIEST_DATE, LATEST_DATE).map(date.isoformat)
    schemathesis.graphql.scalar("Date", days.map(nodes.String))


@pytest.fixture(scope="module")
def graphql_schema(server: str):
    _teach_the_generator()
    loaded = schemathesis.graphql.from_url(f"{server}/graphql")
    loaded.config.generation.update(allow_x00=False)
    return loaded


class _IssuedCursors(graphql.Visitor):
    """Puts a cursor this API issues wherever the generator wrote a String `after`/`before`."""

    def __init__(self, offset: int) -> None:
        super().__init__()
        self.offset = offset

    def _cursor(self, node: Any) -> Any:
        if node.name.value in CURSOR_NAMES and isinstance(node.value, graphql.StringValueNode):
            return node.__class__(
                name=node.name, value=graphql.StringValueNode(value=encode_cursor(self.offset))
            )
        return None

    def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> Any:
        return self._cursor(node)

    def enter_object_field(self, node: graphql.ObjectFieldNode, *_: Any) -> Any:
        return self._cursor(node)


def with_issued_cursors(case: Any, offset: int) -> Any:
    case.body = graphql.print_ast(graphql.visit(graphql.parse(case.body), _IssuedCursors(offset)))
    return case


def refusal(response: Any) -> str | None:
    """'sign-in or role', 'request limit' or 'domain' when the response is a refusal counted apart."""
    try:
        body = response.json()
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return None
    extensions = [error.get("extensions") or {} for error in errors]
    if all(ext.get("code") in AUTH_CODES for ext in extensions):
        return "sign-in or role"
    if body.get("data") is None and all(ext.get("code") in LIMIT_CODES for ext in extensions):
        return "request limit"
    if all("path" in error for error in errors) and all(
        ext.get("code") in USER_ERROR_CODES and "field" in ext for ext in extensions
    ):
        return "domain"
    return None


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    identities: dict[str, dict[str, str]],
    failures: dict[str, set[str]],
    tally: Counter[str],
) -> None:
    """Sends EXAMPLES[mode] generated cases of `operation` as each identity and runs the default checks."""
    cases = st.tuples(operation.as_strategy(generation_mode=mode), st.integers(0, MAX_OFFSET))

    @given(drawn=cases)
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,  # the same cases on every run, so CI is red only for a real change
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(drawn: tuple[Any, int]) -> None:
        case = with_issued_cursors(*drawn)
        for who, headers in identities.items():
            response = case.call(headers=headers)
            if (kind := refusal(response)) is not None:
                tally[f"refused ({kind})"] += 1
                continue
            tally[f"answered {who}"] += 1
            try:
                case.validate_response(response, headers=headers)
            except BaseExceptionGroup as group:  # schemathesis' FailureGroup of check failures
                for failure in group.exceptions:
                    first_line = (failure.message or "").strip().splitlines()[:1]
                    failures.setdefault(operation.label, set()).add(f"{who}: {failure.title}: {first_line}")

    fuzz()


def test_every_operation_passes_schemathesis_default_checks(graphql_schema, admin_token: str) -> None:
    operations = [result.ok() for result in graphql_schema.get_all_operations()]
    identities = {"anonymous": {}, "admin": {"Authorization": f"Bearer {admin_token}"}}
    failures: dict[str, set[str]] = {}
    tally: Counter[str] = Counter()

    for operation in operations:
        for mode in EXAMPLES:
            _fuzz(operation, mode, identities, failures, tally)

    assert len(operations) > 50
    assert failures == {}
    assert tally["answered anonymous"] > 0
    assert tally["answered admin"] > 0
