"""What the service writes to its log: request ids, operation names and error codes, never personal data.

A hostile session plants personal values (a password in a GET query string, outcomes, a postcode, an
email) where they reach validation, a database error and an unexpected failure, and then greps
everything logged, as `broker serve` writes it and as any handler (pytest's, at DEBUG) sees it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from strawberry.relay import to_base64

from broker.accounts.models import Role
from tests import log_capture
from tests.factories import make_council, make_holder, make_user

PASSWORD = "Planted-Pa55word-7731"
EMAIL = "planted.person.4417@example.org"
OUTCOMES = "Planted outcome: visit granddaughter Eloise at Oakwood every Sunday"
POSTCODE = "LS8 7QX"
PHONE = "07700 900461"
PLANTED = [PASSWORD, EMAIL, OUTCOMES, "Eloise", POSTCODE, "LS87QX", PHONE]
service_log = log_capture.service_log  # the fixture, as `broker serve` logs

LOGIN = """mutation Login($input: LoginInput!) {
  login(input: $input) { token userErrors { field code } } }"""
CREATE_PROVIDER = """mutation CreateProvider($input: CreateProviderInput!) {
  createProvider(input: $input) { provider { id } userErrors { field code } } }"""
CREATE_PLAN = """mutation CreatePlan($input: CreateSupportPlanInput!) {
  createSupportPlan(input: $input) { supportPlan { id } userErrors { field code } } }"""
# Indexes the services do not know about, so a second identical write fails inside the database,
# with the planted values in the statement's parameters (and, on PostgreSQL, in the error's DETAIL).
TRAPS = {
    "planted_trap_provider": "CREATE UNIQUE INDEX planted_trap_provider ON provider (contact_email)",
    "planted_trap_plan": "CREATE UNIQUE INDEX planted_trap_plan ON support_plan (outcomes)",
}


@pytest.fixture
async def traps(db) -> AsyncIterator[None]:
    async with db.transaction() as session:
        for statement in TRAPS.values():
            await session.execute(text(statement))
    yield
    async with db.transaction() as session:
        for name in TRAPS:
            await session.execute(text(f"DROP INDEX {name}"))


async def _hostile_session(api, broker, holder) -> list:
    """Everything a hostile caller might do with personal data in hand; returns the response bodies."""
    http = api.http
    token = api.token_for(broker)
    bearer = {"Authorization": f"Bearer {token}"}
    variables = json.dumps({"input": {"email": EMAIL, "password": PASSWORD}})
    responses = [
        # GET carries the query and its variables in the query string.
        await http.get("/graphql", params={"query": LOGIN, "variables": variables}),
        await http.get("/graphql", params={"query": "{ viewer { id } }", "password": PASSWORD}),
        await http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"input": {"email": EMAIL, "password": PASSWORD}}},
            headers={"X-Request-ID": "hostile-run-1"},
        ),
        # A request id is not a place to put personal data either: refused, replaced by a fresh one.
        await http.post("/graphql", json={"query": "{ viewer { id } }"}, headers={"X-Request-ID": EMAIL}),
    ]
    provider = {
        "kind": "PA",
        "name": "Planted Provider",
        "basePostcode": POSTCODE,
        "contactEmail": EMAIL,
        "contactPhone": PHONE,
    }
    for attempt in (provider, provider, {**provider, "basePostcode": f"{POSTCODE} {EMAIL}"}):
        responses.append(
            await http.post(
                "/graphql", json={"query": CREATE_PROVIDER, "variables": {"input": attempt}}, headers=bearer
            )
        )
    plan = {"holderId": to_base64("DPHolder", holder.id), "outcomes": OUTCOMES, "startDate": "2026-12-07"}
    for attempt in (plan, plan, {**plan, "postcode": f"ZZ{PASSWORD}"}):
        responses.append(
            await http.post(
                "/graphql", json={"query": CREATE_PLAN, "variables": {"input": attempt}}, headers=bearer
            )
        )
    # Input the schema refuses before any resolver runs: graphql-core's messages quote the value.
    responses.append(
        await http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"input": {"email": EMAIL, "password": 7731, "x": OUTCOMES}}},
        )
    )
    return responses


async def test_a_hostile_session_leaves_no_personal_data_in_the_log(api, db, traps, service_log, caplog):
    caplog.set_level(logging.DEBUG)
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_holder(db, council)

    bodies = await _hostile_session(api, broker, holder)

    written = service_log.getvalue()
    everything = written + caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    leaked = [value for value in PLANTED if value.lower() in everything.lower()]
    assert leaked == []
    lines = [json.loads(line) for line in written.splitlines()]
    requests = [line for line in lines if line["message"] == "request"]
    assert len(requests) == len(bodies)
    assert [(r["method"], r["status"], r["operation"], r["error_codes"]) for r in requests] == [
        ("GET", 400, None, []),  # mutations are not taken over GET
        ("GET", 200, None, []),
        ("POST", 200, "Login", ["INVALID_CREDENTIALS"]),
        ("POST", 200, None, []),
        ("POST", 200, "CreateProvider", []),
        ("POST", 200, "CreateProvider", ["UNEXPECTED"]),
        ("POST", 200, "CreateProvider", ["INVALID"]),
        ("POST", 200, "CreatePlan", []),
        ("POST", 200, "CreatePlan", ["UNEXPECTED"]),
        ("POST", 200, "CreatePlan", ["INVALID"]),
        ("POST", 200, "Login", ["GRAPHQL_VALIDATION_FAILED"]),
    ]
    assert {"hostile-run-1"} <= {r["request_id"] for r in requests}
    assert EMAIL not in {r["request_id"] for r in requests}
    unexpected = [r for r in requests if "UNEXPECTED" in r["error_codes"]]
    assert [r["path"] for r in requests] == ["/graphql"] * len(bodies)
    masked = [line for line in lines if line["message"] == "unexpected error"]
    assert [m["error"]["type"] for m in masked] == ["sqlalchemy.exc.IntegrityError"] * 2
    assert {m["request_id"] for m in masked} <= {r["request_id"] for r in unexpected}


async def test_every_response_carries_its_request_id(api):
    given = await api.http.get("/healthz", headers={"X-Request-ID": "abc-123.x"})
    unsafe = await api.http.get("/healthz", headers={"X-Request-ID": "a b<script>"})
    too_long = await api.http.get("/healthz", headers={"X-Request-ID": "x" * 65})
    none = await api.http.get("/healthz")

    assert given.headers["x-request-id"] == "abc-123.x"
    generated = [r.headers["x-request-id"] for r in (unsafe, too_long, none)]
    assert [len(value) for value in generated] == [32, 32, 32]
    assert len(set(generated)) == 3


async def test_the_request_line_names_the_route_never_the_raw_path_or_query(api, service_log):
    await api.http.get(f"/openreferral/services/{EMAIL}", params={"postcode": POSTCODE})
    await api.http.get(f"/nowhere/{EMAIL}")

    requests = [json.loads(line) for line in service_log.getvalue().splitlines()]
    assert [(r["method"], r["path"], r["status"]) for r in requests if r["message"] == "request"] == [
        ("GET", "/openreferral/services/{id}", 404),
        ("GET", "(no route)", 404),
    ]
    assert EMAIL not in service_log.getvalue() and POSTCODE not in service_log.getvalue()
