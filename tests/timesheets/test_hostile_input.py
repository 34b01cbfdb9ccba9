"""Hostile input to timesheets is refused as input, with nothing written and never a server error."""

from __future__ import annotations

import json

import pytest
from strawberry.relay import to_base64

from broker.timesheets.models import Timesheet
from tests.factories import count
from tests.timesheets.world import APPROVE, SUBMIT, gid, shift, submit, world


@pytest.mark.parametrize("poison", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
async def test_nul_and_lone_surrogates_in_a_note_are_refused_before_anything_runs(api, db, poison):
    w = await world(db)
    variables = w.submit_input([shift("2026-11-16", "09:00", "14:00", f"Left early{poison}")])
    # json.dumps escapes a lone surrogate as \ud800, as a hostile client would send it.
    body = json.dumps({"query": SUBMIT, "variables": variables}).encode()

    response = await api.http.post(
        "/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {api.token_for(w.jo_user)}",
            "content-type": "application/json",
            "Accept": "application/graphql-response+json",
        },
    )

    assert response.status_code == 400
    assert [e["extensions"]["field"] for e in response.json()["errors"]] == ["input.shifts.0.note"]
    assert await count(db, Timesheet) == 0


async def test_malformed_huge_and_foreign_ids_are_refused(api, db):
    w = await world(db)
    ids = {
        "not base64": "!!!",
        "too big for a key": to_base64("Agreement", 2**40),
        "negative": to_base64("Agreement", -1),
        "another type": gid("DPHolder", w.holder),
    }

    for name, agreement_id in ids.items():
        variables = w.submit_input([shift("2026-11-16", "09:00", "14:00")])
        variables["input"]["agreementId"] = agreement_id
        response = await api.post(SUBMIT, variables, as_user=w.jo_user)
        assert response.status_code < 500, name
        body = response.json()
        if body.get("data"):
            assert body["data"]["submitTimesheet"]["userErrors"][0]["field"] == "input.agreementId", name
        else:
            assert body["errors"][0]["extensions"]["field"] == "input.agreementId", name
    huge_sheet = await api.post(
        APPROVE, {"input": {"timesheetId": to_base64("Timesheet", 2**63)}}, as_user=w.holder_user
    )
    assert huge_sheet.status_code < 500
    assert huge_sheet.json()["errors"][0]["extensions"]["field"] == "input.timesheetId"
    assert await count(db, Timesheet) == 0


async def test_out_of_range_dates_long_notes_and_odd_times_are_user_errors(api, db):
    w = await world(db)

    far = await submit(api, w, [shift("2999-12-31", "09:00", "14:00")])
    long_note = await submit(api, w, [shift("2026-11-16", "09:00", "14:00", "x" * 501)])
    odd = await submit(
        api,
        w,
        [
            shift("2026-11-16", "-1:00", "14:00"),
            shift("2026-11-16", " 09:00", "9:00"),
            shift("2026-11-16", "00:00:00", "\u0660\u0669:\u0660\u0660"),
            shift("2026-11-16", "", "99999999999999999999:00"),
        ],
    )

    assert [e["field"] for e in far["userErrors"]] == ["input.shifts.0.workedOn"]
    assert long_note["userErrors"] == [
        {"field": "input.shifts.0.note", "message": "At most 500 characters.", "code": "TOO_LONG"}
    ]
    assert [e["field"] for e in odd["userErrors"]] == [
        "input.shifts.0.start",
        "input.shifts.1.end",
        "input.shifts.2.start",
        "input.shifts.2.end",
        "input.shifts.3.start",
        "input.shifts.3.end",
    ]
    assert await count(db, Timesheet) == 0


async def test_a_payment_with_a_huge_amount_against_a_timesheet_is_refused(api, db):
    w = await world(db)
    week = (await submit(api, w))["timesheet"]["id"]
    await api.data(APPROVE, {"input": {"timesheetId": week}}, as_user=w.holder_user)
    record = """mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
      payment { id } userErrors { field code } } }"""

    for amount in (2**31 - 1, -14_500, 0):
        body = await api.execute(
            record,
            {
                "input": {
                    "agreementId": gid("Agreement", w.agreement),
                    "periodStart": "2026-11-16",
                    "periodEnd": "2026-11-22",
                    "hours": 10,
                    "amountPence": amount,
                    "method": "PAYROLL",
                    "idempotencyKey": f"k{amount}",
                    "timesheetId": week,
                }
            },
            as_user=w.holder_user,
        )
        answer = body["data"]["recordPayment"]
        assert answer["payment"] is None
        assert [e["field"] for e in answer["userErrors"]] == ["input.amountPence"], amount
