"""Hostile input (issue 9): whatever a caller sends, a clear refusal that changes nothing, never a 500.

Malformed IDs, cursors, dates and text are request errors found before execution: under
`application/graphql-response+json` a 400 with no `data`, each error naming its `field` and `code`.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from broker.accounts.models import Role, User
from broker.payments.models import Payment, PaymentStatus, StripeEvent
from broker.providers.models import Provider
from broker.settings import Settings
from tests.factories import count, make_council, make_payment, make_provider, make_user, reload
from tests.payments.conftest import sign
from tests.payments.test_recording import world

GRAPHQL_RESPONSE = {
    "Accept": "application/graphql-response+json",
    "content-type": "application/json",
}
WEBHOOK_SECRET = "whsec_hostile_input_tests"
CREATE_PROVIDER = """
mutation($input: CreateProviderInput!) { createProvider(input: $input) {
  provider { id } userErrors { field code } } }
"""
LOGIN = 'mutation($email: String!) { login(input: {email: $email, password: "x"}) { token } }'
NODE = "query($id: ID!) { node(id: $id) { id } }"
PROVIDERS_AFTER = "query($after: String) { providers(after: $after) { totalCount } }"
REFERRAL_COUNTS = """
query($since: Date, $until: Date) { supportReferralCounts(since: $since, until: $until) {
  since until months { month } } }
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The test settings with a webhook signing secret, so signed deliveries reach the handler."""
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        stripe_webhook_secret=WEBHOOK_SECRET,
    )


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def send(api, body: bytes, *, as_user: User | None = None) -> Any:
    """POSTs raw bytes as GraphQL over HTTP; `json.dumps` escapes lone surrogates as JSON allows."""
    headers = dict(GRAPHQL_RESPONSE)
    if as_user is not None:
        headers["Authorization"] = f"Bearer {api.token_for(as_user)}"
    return await api.http.post("/graphql", content=body, headers=headers)


async def graphql(api, query: str, variables: dict[str, Any] | None = None, *, as_user: User | None = None):
    return await send(
        api, json.dumps({"query": query, "variables": variables or {}}).encode(), as_user=as_user
    )


def refused(response, *, field: str, code: str = "INVALID") -> str:
    """Asserts a request error (400, no `data`) about `field`; returns its message."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    assert [e["extensions"] for e in body["errors"]] == [{"code": code, "field": field}]
    return body["errors"][0]["message"]


# --- the HTTP body -------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b'"{ viewer { id } }"', b"42", b"null", b"true"])
async def test_a_json_body_that_is_not_an_object_is_a_400(api, body):
    response = await send(api, body)

    assert (response.status_code, response.text) == (400, "The JSON body must be an object with a `query`.")


async def test_a_json_body_nested_10k_deep_is_a_400(api):
    response = await send(api, b'{"query": ' + b"[" * 10_000 + b"]" * 10_000 + b"}")

    assert (response.status_code, response.text) == (400, "The JSON body is nested too deeply.")


async def test_a_body_that_is_not_utf8_is_a_400(api):
    response = await send(api, b'{"query": "{ viewer { id } }\xff\xfe"}')

    assert (response.status_code, response.text) == (400, "The body is not UTF-8 JSON.")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"query": 5}', "The GraphQL operation's `query` must be a string or null, if provided."),
        (
            b'{"query": "{ viewer { id } }", "variables": [1]}',
            "The GraphQL operation's `variables` must be an object or null, if provided.",
        ),
        (b"[]", "Batching is not enabled"),
    ],
)
async def test_a_body_of_the_wrong_shape_is_a_400(api, body, message):
    response = await send(api, body)

    assert (response.status_code, response.text) == (400, message)


# --- IDs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "global_id",
    [
        b64("NoSuchType:1"),
        b64("PlanNeed:1"),  # a real ID, but not of a Node: `node` cannot fetch it
        b64("Provider:abc"),
        b64("Provider:" + "9" * 30),
        b64("Provider:9223372036854775808"),
        b64("Provider:-1"),
        b64("Provider:007"),
        b64("Provider:"),
        b64("Provider"),
        "not base64!",
        "",
        b64("Provider:1").rstrip("="),
    ],
)
async def test_a_malformed_node_id_is_a_request_error(api, global_id):
    message = refused(await graphql(api, NODE, {"id": global_id}), field="id")

    assert message == "Not an ID from this API."


async def test_an_id_literal_of_an_unknown_type_or_an_integer_is_a_request_error(api):
    unknown = await graphql(api, '{ node(id: "' + b64("NoSuchType:1") + '") { id } }')
    integer = await graphql(api, "{ node(id: 5) { id } }")
    huge = await graphql(api, '{ provider(id: "' + b64("Provider:" + "1" * 30) + '") { name } }')

    refused(unknown, field="id")
    refused(integer, field="id")
    refused(huge, field="id")


async def test_a_well_formed_id_that_names_nothing_is_null(api):
    response = await graphql(api, NODE, {"id": b64("Provider:2147483647")})

    assert response.status_code == 200
    assert response.json()["data"] == {"node": None}


async def test_a_30_digit_id_inside_a_mutation_input_is_refused_and_changes_nothing(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    provider = await make_provider(db, council, name="Jo")
    query = "mutation($input: ProviderIdInput!) { publishProvider(input: $input) { userErrors { code } } }"

    response = await graphql(api, query, {"input": {"id": b64("Provider:" + "1" * 30)}}, as_user=broker)

    refused(response, field="input.id")
    assert (await reload(db, Provider, provider.id)).status == provider.status


# --- cursors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        b64(f"offset:{2**63}"),
        b64(f"offset:{2**31}"),
        b64("offset:-1"),
        b64("offset:+5"),
        b64("offset:\u0665"),
        b64("offset:1_0"),
        b64("page:1"),
        "%%%",
    ],
)
async def test_a_cursor_this_api_never_issued_is_a_request_error(api, cursor):
    response = await graphql(api, PROVIDERS_AFTER, {"after": cursor})

    assert refused(response, field="after", code=response.json()["errors"][0]["extensions"]["code"])
    assert response.json()["errors"][0]["extensions"]["code"] in {"INVALID", "OUT_OF_RANGE"}


async def test_a_cursor_past_2_to_the_63_is_refused_as_a_literal_a_variable_and_a_default(api):
    huge = b64(f"offset:{2**63}")

    literal = await graphql(api, '{ providers(after: "' + huge + '") { totalCount } }')
    variable = await graphql(api, PROVIDERS_AFTER, {"after": huge})
    default = await graphql(api, 'query($a: String = "' + huge + '") { providers(after: $a) { totalCount } }')
    search = await graphql(api, '{ searchProviders(input: {after: "' + huge + '"}) { totalHits } }')

    for response in (literal, variable, default):
        assert refused(response, field="after") == "Not a cursor from this API."
    refused(search, field="input.after")


async def test_the_last_cursor_that_fits_still_pages(api):
    response = await graphql(api, PROVIDERS_AFTER, {"after": b64(f"offset:{2**31 - 1}")})

    assert response.json()["data"] == {"providers": {"totalCount": 0}}


# --- text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["Jo\x00 Bloggs", "Jo \ud800 Bloggs", "\udfff"])
async def test_text_with_nul_or_a_lone_surrogate_is_refused_and_nothing_is_written(api, db, bad):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)

    response = await graphql(api, CREATE_PROVIDER, {"input": {"name": bad, "kind": "PA"}}, as_user=broker)

    refused(response, field="input.name")
    assert await count(db, Provider) == 0


async def test_a_nul_in_a_string_literal_is_refused(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    query = 'mutation { createProvider(input: {name: "Jo\\u0000", kind: PA}) { provider { id } } }'

    response = await graphql(api, query, as_user=broker)

    assert refused(response, field="input.name") == "Text cannot contain NUL (\\u0000) characters."
    assert await count(db, Provider) == 0


@pytest.mark.parametrize("email", ["admin\x00@example.org", "admin\ud83d@example.org"])
async def test_a_login_email_with_nul_or_a_lone_surrogate_is_a_request_error(api, db, email):
    user = await make_user(db, Role.ADMIN, None, email="admin@example.org")

    response = await graphql(api, LOGIN, {"email": email})

    refused(response, field="input.email")
    assert (await reload(db, User, user.id)).failed_logins == 0


@pytest.mark.parametrize("query", ["search=a%00b", "postcode=LS8%00", "taxonomy_term_id=%00", "x%00=1"])
async def test_open_referral_parameters_with_nul_are_a_400(api, query):
    response = await api.http.get(f"/openreferral/services?{query}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Text cannot contain NUL (\\u0000) characters."
    assert response.headers["access-control-allow-origin"] == "*"


# --- dates --------------------------------------------------------------------------------------


async def test_support_referral_counts_over_years_0001_to_9999_is_a_request_error(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)

    response = await graphql(
        api, REFERRAL_COUNTS, {"since": "0001-01-01", "until": "9999-12-31"}, as_user=broker
    )

    assert response.status_code == 400
    assert [e["extensions"] for e in response.json()["errors"]] == [
        {"code": "OUT_OF_RANGE", "field": "since"},
        {"code": "OUT_OF_RANGE", "field": "until"},
    ]


@pytest.mark.parametrize(
    ("since", "until", "field"),
    [("0001-01-01", None, "since"), (None, "9999-12-31", "until"), (None, "0001-01-31", "until")],
)
async def test_support_referral_counts_at_the_edges_of_the_calendar_are_refused(api, db, since, until, field):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)

    response = await graphql(api, REFERRAL_COUNTS, {"since": since, "until": until}, as_user=broker)

    refused(response, field=field, code="OUT_OF_RANGE")


async def test_support_referral_counts_at_the_last_supported_month_still_answers(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)

    response = await graphql(
        api, REFERRAL_COUNTS, {"since": "2999-12-01", "until": "2999-12-31"}, as_user=broker
    )

    assert response.json()["data"] == {
        "supportReferralCounts": {
            "since": "2999-12-01",
            "until": "2999-12-31",
            "months": [{"month": "2999-12"}],
        }
    }


# --- signed webhooks ----------------------------------------------------------------------------


def _event(obj: Any, *, event_type: str = "payment_intent.succeeded", event_id: Any = "evt_1") -> bytes:
    return json.dumps(
        {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}
    ).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'"evt"',
        b"null",
        b"[" * 10_000 + b"]" * 10_000,
        json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": "x"}).encode(),
        _event([]),
        _event({"id": "pi_1", "metadata": ["payment_id", "1"]}),
        _event({"id": {"nested": 1}}),
        _event({"id": "pi_1"}, event_id=5),
        _event({"id": "pi_\u0000"}),
        _event({"id": "pi_1", "metadata": {"payment_id": "\ud800"}}),
        _event({"payment_intent": "pi_1", "amount_refunded": "lots"}, event_type="charge.refunded"),
        _event({"payment_intent": "pi_1", "amount_refunded": 2**63}, event_type="charge.refunded"),
        _event({"id": "pi_1", "last_payment_error": "declined"}, event_type="payment_intent.payment_failed"),
    ],
)
async def test_a_correctly_signed_body_that_is_not_a_stripe_event_is_a_400_and_changes_nothing(api, db, body):
    await world(db)

    response = await api.http.post(
        "/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": sign(body, secret=WEBHOOK_SECRET), "content-type": "application/json"},
    )

    assert (response.status_code, response.json()) == (400, {"error": "The body is not a Stripe event."})
    assert await count(db, StripeEvent) == 0
    assert await count(db, Payment) == 0


async def test_a_signed_event_naming_a_30_digit_payment_id_is_not_ours(api, db):
    *_, agreement = await world(db)
    payment = await make_payment(
        db, agreement, period_start=date(2026, 11, 16), method="CARD", status="PENDING"
    )
    body = _event({"id": "pi_unknown", "metadata": {"payment_id": "1" * 30}})

    response = await api.http.post(
        "/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": sign(body, secret=WEBHOOK_SECRET), "content-type": "application/json"},
    )

    assert (response.status_code, response.json()) == (200, {"received": True, "outcome": "no such payment"})
    assert (await reload(db, Payment, payment.id)).status is PaymentStatus.PENDING
    assert await count(db, StripeEvent) == 0
