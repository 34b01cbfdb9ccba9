"""A statement bigger than the 1 MB request limit goes to `importStatement` as a multipart upload (the
GraphQL multipart request spec), up to its own limit; past it, a clear 413 that changes nothing. Every
other request keeps the small limit."""

from __future__ import annotations

import json

from broker.statements.models import AccountStatement, StatementLine
from tests.account_statements.world import IMPORT, world
from tests.factories import count

UPLOAD_LIMIT = 6_000_000


def _big_statement(lines: int) -> bytes:
    rows = "".join(
        f"2026-{1 + n % 10:02d}-{1 + n % 28:02d},Corner Cafe and Community Kitchen branch {n},"
        f"-{1 + n % 90}.{n % 100:02d},receipt {n:06d}\n"
        for n in range(lines)
    )
    return ("Date,Payee,Amount,Reference\n" + rows).encode()


async def _upload(api, w, content: bytes, *, as_user=None, file_text: str | None = None, path="/graphql"):
    variables = w.import_input("")["input"]
    variables.pop("file")
    if file_text is not None:
        variables["file"] = file_text
    variables["upload"] = None
    headers = {"Authorization": f"Bearer {api.token_for(as_user)}"} if as_user else {}
    return await api.http.post(
        path,
        data={
            "operations": json.dumps({"query": IMPORT, "variables": {"input": variables}}),
            "map": json.dumps({"0": ["variables.input.upload"]}),
        },
        files={"0": ("statement.csv", content, "text/csv")},
        headers=headers,
    )


async def test_a_statement_over_one_megabyte_imports_as_an_upload_and_again_changes_nothing(api, db):
    w = await world(db)
    content = _big_statement(16_000)
    assert len(content) > 1_000_000

    as_text = await api.post(IMPORT, w.import_input(content.decode()), as_user=w.broker)
    first = await _upload(api, w, content, as_user=w.broker)
    again = await _upload(api, w, content, as_user=w.broker)

    assert as_text.status_code == 413  # inside the JSON body, the small limit holds
    assert first.status_code == 200, first.text
    imported = first.json()["data"]["importStatement"]
    assert (imported["userErrors"], imported["linesRead"], imported["linesAdded"]) == ([], 16_000, 16_000)
    repeated = again.json()["data"]["importStatement"]
    assert (repeated["linesAdded"], repeated["linesAlreadyImported"]) == (0, 16_000)
    assert repeated["statement"]["id"] == imported["statement"]["id"]
    assert (await count(db, StatementLine), await count(db, AccountStatement)) == (16_000, 1)


async def test_an_upload_past_its_limit_is_refused_with_413_and_changes_nothing(api, db):
    w = await world(db)
    content = _big_statement(80_000)
    assert len(content) > UPLOAD_LIMIT

    response = await _upload(api, w, content, as_user=w.broker)

    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {
                "message": "An upload is at most 6,000,000 bytes with the rest of the request.",
                "extensions": {"code": "UPLOAD_TOO_LARGE", "limit": UPLOAD_LIMIT},
            }
        ]
    }
    assert (await count(db, StatementLine), await count(db, AccountStatement)) == (0, 0)


async def test_a_multipart_body_elsewhere_keeps_the_small_limit(api, db):
    w = await world(db)

    response = await _upload(api, w, _big_statement(16_000), as_user=w.broker, path="/statements")

    assert (response.status_code, response.text) == (413, "Request body too large.")


async def test_an_upload_is_refused_when_not_utf8_or_given_with_the_text_and_nothing_changes(api, db):
    w = await world(db)
    latin1 = "Date,Payee,Amount,Reference\n2026-11-09,Caf\u00e9 Rouge,-4.50,\n".encode("latin-1")

    not_utf8 = (await _upload(api, w, latin1, as_user=w.broker)).json()["data"]["importStatement"]
    both = await _upload(
        api, w, _big_statement(3), as_user=w.broker, file_text="Date,Payee,Amount,Reference\n"
    )
    neither = await api.data(
        IMPORT, {"input": {"holderId": w.holder_id, "format": "BANK_CSV"}}, as_user=w.broker
    )

    assert not_utf8["userErrors"] == [
        {
            "field": "input.file",
            "message": "The file is not UTF-8 text: save the statement as CSV (UTF-8) and send it again.",
            "code": "INVALID",
        }
    ]
    expected = [
        {
            "field": "input.file",
            "message": "Give the statement as `file` (its text) or as `upload` (the file), not both.",
            "code": "REQUIRED",
        }
    ]
    assert both.json()["data"]["importStatement"]["userErrors"] == expected
    assert neither["importStatement"]["userErrors"] == expected
    assert (await count(db, StatementLine), await count(db, AccountStatement)) == (0, 0)


async def test_an_upload_is_for_those_who_may_import_for_the_holder(api, db):
    w = await world(db)
    content = _big_statement(5)

    anonymous = (await _upload(api, w, content)).json()
    provider = (await _upload(api, w, content, as_user=w.jo_user)).json()
    holder = (await _upload(api, w, content, as_user=w.holder_user)).json()

    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert [e["code"] for e in provider["data"]["importStatement"]["userErrors"]] == ["NOT_FOUND"]
    assert holder["data"]["importStatement"]["linesAdded"] == 5
    assert await count(db, StatementLine) == 5
