"""What a payment may claim: hours a period and an agreement can hold, and days paid once unless a
supplementary payment says why (issue 9: `hours: 1e308` and twenty keys for the same days)."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from broker.payments.models import Payment
from tests.factories import count, make_payment
from tests.payments.test_recording import RECORD, payment_input, world

SUPPLEMENTARY = """
mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
  payment { periodStart periodEnd hours amount supplementary supplementaryReason }
  userErrors { field message code }
} }
"""


async def _refused(api, user, agreement, **changes) -> list[dict]:
    """The userErrors of a payment (Amina's week of 16 November, with `changes`) that must be refused."""
    result = (await api.data(RECORD, {"input": payment_input(agreement, **changes)}, as_user=user))[
        "recordPayment"
    ]
    assert result["payment"] is None
    return result["userErrors"]


async def test_hours_of_1e308_cannot_open_the_amount_check(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    errors = await _refused(api, amina_user, agreement, hours=1e308, amountPence=2_147_483_647)

    assert errors == [
        {
            "field": "input.hours",
            "message": "7 days hold at most 168 hours; 1e+308 cannot be right.",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert await count(db, Payment) == 0


async def test_a_million_hours_in_a_week_is_refused(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    errors = await _refused(api, amina_user, agreement, hours=1_000_000, amountPence=1_450_000_000)

    assert errors == [
        {
            "field": "input.hours",
            "message": "7 days hold at most 168 hours; 1e+06 cannot be right.",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert await count(db, Payment) == 0


async def test_more_hours_than_a_day_has_are_refused(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    errors = await _refused(
        api,
        amina_user,
        agreement,
        periodStart="2026-11-16",
        periodEnd="2026-11-16",
        hours=168.5,
        amountPence=244_325,
    )

    assert errors == [
        {
            "field": "input.hours",
            "message": "1 day holds at most 24 hours; 168.5 cannot be right.",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert await count(db, Payment) == 0


async def test_a_billionth_of_an_hour_is_refused(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    errors = await _refused(api, amina_user, agreement, hours=1e-9, amountPence=100)

    assert errors == [
        {
            "field": "input.hours",
            "message": "A payment is for at least 0.25 hours (a quarter of an hour).",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert await count(db, Payment) == 0


async def test_negative_hours_and_amounts_are_refused(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    errors = await _refused(api, amina_user, agreement, hours=-10, amountPence=-14_500)

    assert errors == [
        {"field": "input.hours", "message": "Hours must be more than 0.", "code": "OUT_OF_RANGE"},
        {
            "field": "input.amountPence",
            "message": "An amount must be more than £0; amounts are in pence.",
            "code": "OUT_OF_RANGE",
        },
    ]
    assert await count(db, Payment) == 0


async def test_more_hours_than_the_agreement_allows_are_refused(api, db):
    """10 hours a week: a week pays at most 11 hours (10% over for shifts that ran late)."""
    *_, amina_user, _, _, agreement = await world(db)

    errors = await _refused(api, amina_user, agreement, hours=11.5, amountPence=16_675)
    within = (
        await api.data(
            RECORD, {"input": payment_input(agreement, hours=11, amountPence=15_950)}, as_user=amina_user
        )
    )["recordPayment"]

    assert errors == [
        {
            "field": "input.hours",
            "message": "The agreement is for 10 hours a week: at most 11 hours for these 7 days "
            "(10% over included).",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert within["userErrors"] == []
    assert await count(db, Payment) == 1


async def test_nan_and_infinity_never_reach_the_service(api, db):
    """JSON has no NaN or Infinity, but Python's parser reads them (and 1e400 as infinity): GraphQL's
    Float refuses all three as a request error, before anything runs."""
    *_, amina_user, _, _, agreement = await world(db)
    token = api.token_for(amina_user)
    bodies = [
        json.dumps({"query": RECORD, "variables": {"input": payment_input(agreement, hours=float(value))}})
        for value in ("nan", "inf", "-inf")
    ] + [
        json.dumps({"query": RECORD, "variables": {"input": payment_input(agreement, hours=1)}}).replace(
            '"hours": 1', '"hours": 1e400'
        )
    ]

    responses = [
        await api.http.post(
            "/graphql",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        for body in bodies
    ]

    assert [[e["message"] for e in r.json()["errors"]] for r in responses] == [
        [f"Variable '$input' has invalid value at .hours: Float cannot represent non numeric value: {v}"]
        for v in ("nan", "inf", "-inf", "inf")
    ]
    assert all(r.json()["data"] is None for r in responses)
    assert await count(db, Payment) == 0


async def test_twenty_payments_with_different_keys_for_the_same_days_make_one(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    results = await asyncio.gather(
        *(
            api.data(
                RECORD, {"input": payment_input(agreement, idempotencyKey=f"amina-{i}")}, as_user=amina_user
            )
            for i in range(20)
        )
    )

    outcomes = [r["recordPayment"] for r in results]
    assert sum(o["payment"] is not None for o in outcomes) == 1
    refused = [o["userErrors"] for o in outcomes if o["payment"] is None]
    assert (
        refused
        == [
            [
                {
                    "field": "input.periodStart",
                    "message": "16 November 2026 to 22 November 2026 is already paid under this agreement; "
                    "to pay any of these days again, make it a supplementary payment and say why.",
                    "code": "OVERLAPPING",
                }
            ]
        ]
        * 19
    )
    assert await count(db, Payment) == 1


async def test_a_period_overlapping_a_paid_one_is_refused(api, db):
    *_, amina_user, _, _, agreement = await world(db)
    await make_payment(db, agreement, period_start=date(2026, 11, 9))  # 9-15 Nov

    errors = await _refused(api, amina_user, agreement, periodStart="2026-11-15", periodEnd="2026-11-21")

    assert [(e["field"], e["code"]) for e in errors] == [("input.periodStart", "OVERLAPPING")]
    assert errors[0]["message"].startswith("9 November 2026 to 15 November 2026 is already paid")
    assert await count(db, Payment) == 1


async def test_days_whose_payment_failed_or_was_refunded_in_full_may_be_paid(api, db):
    *_, amina_user, _, _, agreement = await world(db)
    await make_payment(db, agreement, period_start=date(2026, 11, 16), status="FAILED")
    await make_payment(
        db, agreement, period_start=date(2026, 11, 16), status="REFUNDED", refunded_pence=14_500
    )

    result = (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user))[
        "recordPayment"
    ]

    assert result["userErrors"] == []
    assert await count(db, Payment) == 3


async def test_a_supplementary_payment_with_a_reason_pays_days_again(api, db):
    *_, amina_user, _, _, agreement = await world(db)
    await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user)

    result = (
        await api.data(
            SUPPLEMENTARY,
            {
                "input": payment_input(
                    agreement,
                    idempotencyKey="amina-extra",
                    hours=2,
                    amountPence=2_900,
                    supplementary=True,
                    supplementaryReason="  Two extra hours the night Amina was unwell  ",
                )
            },
            as_user=amina_user,
        )
    )["recordPayment"]

    assert result == {
        "payment": {
            "periodStart": "2026-11-16",
            "periodEnd": "2026-11-22",
            "hours": 2.0,
            "amount": 2_900,
            "supplementary": True,
            "supplementaryReason": "Two extra hours the night Amina was unwell",
        },
        "userErrors": [],
    }
    assert await count(db, Payment) == 2


async def test_a_supplementary_payment_needs_a_reason_and_a_reason_needs_supplementary(api, db):
    *_, amina_user, _, _, agreement = await world(db)
    await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user)

    no_reason = await _refused(
        api, amina_user, agreement, idempotencyKey="k2", supplementary=True, supplementaryReason="   "
    )
    reason_only = await _refused(
        api, amina_user, agreement, idempotencyKey="k3", supplementaryReason="Extra hours"
    )

    assert no_reason == [
        {
            "field": "input.supplementaryReason",
            "message": "Say why these days are paid again.",
            "code": "REQUIRED",
        }
    ]
    assert reason_only == [
        {
            "field": "input.supplementaryReason",
            "message": "Only a supplementary payment has a reason; set `supplementary` to pay days again.",
            "code": "INVALID",
        }
    ]
    assert await count(db, Payment) == 1
