"""`recordPayment` with a `timesheetId`: an approved week is paid, at most its amount due, once."""

from __future__ import annotations

from broker.payments.models import Payment
from tests.factories import count
from tests.timesheets.world import approve, gid, submitted, world

RECORD = """mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
  payment { id amount status periodStart periodEnd timesheet { id status amountDue } }
  userErrors { field message code }
} }"""


def payment(agreement, timesheet: str | None, *, key: str = "TS-1116", amount: int = 14_500, **more) -> dict:
    return {
        "input": {
            "agreementId": gid("Agreement", agreement),
            "periodStart": "2026-11-16",
            "periodEnd": "2026-11-22",
            "hours": amount / 1450,
            "amountPence": amount,
            "method": "PAYROLL",
            "idempotencyKey": key,
            "timesheetId": timesheet,
            **more,
        }
    }


async def _pay(api, user, variables):
    return (await api.data(RECORD, variables, as_user=user))["recordPayment"]


async def test_an_approved_week_is_paid_and_the_payment_says_which(api, db):
    w = await world(db)
    week = await submitted(api, w)
    await approve(api, w.holder_user, week)

    answer = await _pay(api, w.holder_user, payment(w.agreement, week))

    assert answer["userErrors"] == []
    assert answer["payment"]["timesheet"] == {"id": week, "status": "APPROVED", "amountDue": 14_500}
    assert answer["payment"]["amount"] == 14_500


async def test_the_same_key_again_returns_the_first_payment(api, db):
    w = await world(db)
    week = await submitted(api, w)
    await approve(api, w.holder_user, week)

    first = await _pay(api, w.holder_user, payment(w.agreement, week))
    again = await _pay(api, w.broker, payment(w.agreement, week))
    other_use = await _pay(api, w.holder_user, payment(w.agreement, None))

    assert again == first
    assert other_use["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await count(db, Payment) == 1


async def test_a_week_not_yet_approved_is_not_paid(api, db):
    w = await world(db)
    week = await submitted(api, w)

    answer = await _pay(api, w.holder_user, payment(w.agreement, week))

    assert answer["payment"] is None
    assert answer["userErrors"] == [
        {
            "field": "input.timesheetId",
            "message": "This timesheet is SUBMITTED; payments are for approved timesheets.",
            "code": "INVALID_STATE",
        }
    ]
    assert await count(db, Payment) == 0


async def test_payments_against_a_week_add_up_to_at_most_its_amount_due(api, db):
    w = await world(db)
    # Nine hours approved: £130.50 due.
    week = await submitted(
        api,
        w,
        [
            {"workedOn": "2026-11-16", "start": "09:00", "end": "14:00"},
            {"workedOn": "2026-11-18", "start": "09:00", "end": "13:00"},
        ],
    )
    await approve(api, w.holder_user, week)

    too_much = await _pay(api, w.holder_user, payment(w.agreement, week, amount=14_500))
    part = await _pay(api, w.holder_user, payment(w.agreement, week, amount=7_250, key="part-1"))
    rest = await _pay(
        api,
        w.holder_user,
        payment(
            w.agreement,
            week,
            amount=7_250,
            key="part-2",
            supplementary=True,
            supplementaryReason="Second half of the week",
        ),
    )

    assert too_much["userErrors"] == [
        {
            "field": "input.amountPence",
            "message": "£145.00 is more than is left to pay of this timesheet: £130.50 of £130.50.",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert part["userErrors"] == []
    assert rest["userErrors"] == [
        {
            "field": "input.amountPence",
            "message": "£72.50 is more than is left to pay of this timesheet: £58.00 of £130.50.",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert await count(db, Payment) == 1


async def test_a_timesheet_of_another_agreement_or_a_period_outside_its_week_is_refused(api, db):
    w = await world(db)
    week = await submitted(api, w)
    await approve(api, w.holder_user, week)
    ben_week = await submitted(
        api, w, [{"workedOn": "2026-11-17", "start": "09:00", "end": "12:00"}], agreement=w.ben_agreement
    )
    await approve(api, w.ben_user, ben_week)

    wrong_sheet = await _pay(api, w.holder_user, payment(w.agreement, ben_week))
    wrong_period = await _pay(
        api, w.holder_user, payment(w.agreement, week, periodStart="2026-11-17", periodEnd="2026-11-22")
    )

    assert wrong_sheet["userErrors"] == [
        {
            "field": "input.timesheetId",
            "message": "No timesheet with this ID under this agreement.",
            "code": "NOT_FOUND",
        }
    ]
    assert wrong_period["userErrors"] == [
        {
            "field": "input.periodStart",
            "message": "A payment for this timesheet covers the days worked (16 November to 18 November "
            "2026) within its week (16 November to 22 November 2026).",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert await count(db, Payment) == 0


async def test_a_payment_without_a_timesheet_is_recorded_as_before(api, db):
    w = await world(db)

    answer = await _pay(api, w.broker, payment(w.agreement, None))

    assert (answer["userErrors"], answer["payment"]["timesheet"]) == ([], None)
