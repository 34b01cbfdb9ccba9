"""Recording payments in the offline ledger: who may, what is refused, idempotency, refunds, who sees what."""

from __future__ import annotations

import asyncio
from datetime import date

from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.payments.models import Payment, Refund
from tests.factories import (
    count,
    make_agreement,
    make_council,
    make_holder,
    make_plan,
    make_provider,
    make_user,
    reload,
)

RECORD = """
mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
  payment { id status method periodStart periodEnd hours amountPence refundedPence failureReason
            provider { name } agreement { status } }
  userErrors { field message code }
} }
"""
REFUND = """
mutation($input: RefundPaymentInput!) { refundPayment(input: $input) {
  payment { status amountPence refundedPence refunds { amountPence reason } }
  userErrors { field message code }
} }
"""


async def world(db):
    """Amina pays Jo (a PA, £14.50 an hour, 10 hours a week since 6 April 2026) from her DP."""
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    amina = await make_holder(db, council)
    amina_user = await reload(db, User, amina.user_id)
    plan = await make_plan(db, amina)
    jo_user = await make_user(db, Role.PROVIDER, council)
    jo = await make_provider(db, council, owner=jo_user, name="Jo")
    agreement = await make_agreement(db, plan, jo, created_by=broker)
    return council, broker, amina, amina_user, jo_user, jo, agreement


def payment_input(agreement, **changes):
    return {
        "agreementId": to_base64("Agreement", agreement.id),
        "periodStart": "2026-11-16",
        "periodEnd": "2026-11-22",
        "hours": 10,
        "amountPence": 14500,
        "method": "BANK_TRANSFER",
        "idempotencyKey": "amina-2026-11-16",
        **changes,
    }


async def test_holder_records_a_bank_transfer_to_their_pa(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    result = (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user))[
        "recordPayment"
    ]

    assert result["userErrors"] == []
    assert {k: v for k, v in result["payment"].items() if k != "id"} == {
        "status": "SUCCEEDED",
        "method": "BANK_TRANSFER",
        "periodStart": "2026-11-16",
        "periodEnd": "2026-11-22",
        "hours": 10.0,
        "amountPence": 14500,
        "refundedPence": 0,
        "failureReason": None,
        "provider": {"name": "Jo"},
        "agreement": {"status": "ACTIVE"},
    }


async def test_the_same_idempotency_key_twice_returns_the_first_payment_and_creates_nothing(api, db):
    *_, amina_user, _, _, agreement = await world(db)
    first = (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user))["recordPayment"]

    again = (
        await api.data(
            RECORD, {"input": payment_input(agreement, hours=9, amountPence=13050)}, as_user=amina_user
        )
    )["recordPayment"]

    assert again == first
    assert await count(db, Payment) == 1


async def test_the_same_key_sent_twice_at_once_makes_one_payment(api, db, database_url):
    *_, amina_user, _, _, agreement = await world(db)

    results = await asyncio.gather(
        *(api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user) for _ in range(8))
    )

    ids = {r["recordPayment"]["payment"]["id"] for r in results}
    assert len(ids) == 1
    assert all(r["recordPayment"]["userErrors"] == [] for r in results)
    assert await count(db, Payment) == 1


async def test_a_key_used_for_another_agreement_of_the_same_holder_is_refused(api, db):
    council, broker, amina, amina_user, _, _, agreement = await world(db)
    await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user)
    kim = await make_provider(db, council, name="Kim")
    other_agreement = await make_agreement(db, await make_plan(db, amina), kim, created_by=broker)

    result = (await api.data(RECORD, {"input": payment_input(other_agreement)}, as_user=broker))[
        "recordPayment"
    ]

    assert result == {
        "payment": None,
        "userErrors": [
            {
                "field": "input.idempotencyKey",
                "message": "This idempotency key was used for another payment; "
                "use a new key for a new payment.",
                "code": "IDEMPOTENCY_KEY_REUSED",
            }
        ],
    }
    assert await count(db, Payment) == 1


async def test_bad_payment_input_is_refused_field_by_field_and_nothing_is_written(api, db):
    *_, amina_user, _, _, agreement = await world(db)
    bad = payment_input(
        agreement, periodStart="2026-03-30", periodEnd="2026-05-10", hours=0, amountPence=-5, method="CHEQUE"
    )

    result = (await api.data(RECORD, {"input": bad}, as_user=amina_user))["recordPayment"]

    assert result["payment"] is None
    assert result["userErrors"] == [
        {
            "field": "input.method",
            "message": "A payment method is one of CARD, BANK_TRANSFER, PAYROLL, PREPAID_CARD.",
            "code": "UNKNOWN_CODE",
        },
        {
            "field": "input.periodEnd",
            "message": "A payment covers at most 35 days; record one payment a pay period.",
            "code": "OUT_OF_RANGE",
        },
        {
            "field": "input.periodStart",
            "message": "The agreement starts on 6 April 2026; this period is before it.",
            "code": "OUT_OF_RANGE",
        },
        {"field": "input.hours", "message": "Hours must be more than 0.", "code": "OUT_OF_RANGE"},
        {
            "field": "input.amountPence",
            "message": "An amount must be more than £0; amounts are in pence.",
            "code": "OUT_OF_RANGE",
        },
    ]
    assert await count(db, Payment) == 0


async def test_an_amount_that_disagrees_with_hours_times_rate_is_refused(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    slightly_off = (
        await api.data(RECORD, {"input": payment_input(agreement, amountPence=14580)}, as_user=amina_user)
    )["recordPayment"]
    far_off = (
        await api.data(
            RECORD,
            {"input": payment_input(agreement, amountPence=20000, idempotencyKey="k2")},
            as_user=amina_user,
        )
    )["recordPayment"]

    assert slightly_off["userErrors"] == []
    assert far_off["userErrors"] == [
        {
            "field": "input.amountPence",
            "message": "£200.00 does not match 10 hours at the agreed £14.50 an hour (£145.00).",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert await count(db, Payment) == 1


async def test_payments_for_agreements_not_started_or_not_yours_are_refused(api, db):
    council, broker, _, _, jo_user, jo, agreement = await world(db)
    stranger = await make_holder(db, council)
    stranger_user = await reload(db, User, stranger.user_id)
    proposed = await make_agreement(
        db, await make_plan(db, stranger), jo, created_by=broker, status="PROPOSED"
    )

    not_yours = (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=stranger_user))[
        "recordPayment"
    ]
    by_provider = (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=jo_user))[
        "recordPayment"
    ]
    not_started = (
        await api.data(RECORD, {"input": payment_input(proposed, idempotencyKey="k3")}, as_user=stranger_user)
    )["recordPayment"]

    assert not_yours["userErrors"] == [
        {"field": "input.agreementId", "message": "No agreement with this ID.", "code": "NOT_FOUND"}
    ]
    assert [e["code"] for e in by_provider["userErrors"]] == ["PERMISSION_DENIED"]
    assert not_started["userErrors"] == [
        {
            "field": "input.agreementId",
            "message": "This agreement is PROPOSED; payments are for agreements that have started.",
            "code": "INVALID_STATE",
        }
    ]
    assert await count(db, Payment) == 0


async def test_a_period_after_the_agreement_ended_is_refused(api, db):
    council, broker, *_ = await world(db)
    holder = await make_holder(db, council)
    jo = await make_provider(db, council, name="Kim")
    ended = await make_agreement(
        db, await make_plan(db, holder), jo, created_by=broker, status="ENDED", end_date=date(2026, 11, 18)
    )

    result = (await api.data(RECORD, {"input": payment_input(ended)}, as_user=broker))["recordPayment"]

    assert result["userErrors"] == [
        {
            "field": "input.periodEnd",
            "message": "The agreement ends on 18 November 2026; this period runs past it.",
            "code": "OUT_OF_RANGE",
        }
    ]


async def test_card_payments_are_refused_without_the_card(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    result = (await api.data(RECORD, {"input": payment_input(agreement, method="CARD")}, as_user=amina_user))[
        "recordPayment"
    ]

    assert result["userErrors"] == [
        {
            "field": "input.cardPaymentMethodId",
            "message": "A card payment needs the card (a Stripe payment method).",
            "code": "REQUIRED",
        }
    ]


async def test_refunds_are_recorded_never_deleted_and_cannot_exceed_the_payment(api, db):
    _, broker, _, amina_user, _, _, agreement = await world(db)
    paid = (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user))["recordPayment"]
    payment_id = paid["payment"]["id"]

    part = (
        await api.data(
            REFUND,
            {
                "input": {
                    "paymentId": payment_id,
                    "amountPence": 2900,
                    "reason": "Two hours missed",
                    "idempotencyKey": "r1",
                }
            },
            as_user=broker,
        )
    )["refundPayment"]
    too_much = (
        await api.data(
            REFUND,
            {"input": {"paymentId": payment_id, "amountPence": 20000, "reason": "x", "idempotencyKey": "r2"}},
            as_user=broker,
        )
    )["refundPayment"]
    rest = (
        await api.data(
            REFUND,
            {"input": {"paymentId": payment_id, "reason": "Paid twice", "idempotencyKey": "r3"}},
            as_user=broker,
        )
    )["refundPayment"]

    assert part == {
        "payment": {
            "status": "PARTIALLY_REFUNDED",
            "amountPence": 14500,
            "refundedPence": 2900,
            "refunds": [{"amountPence": 2900, "reason": "Two hours missed"}],
        },
        "userErrors": [],
    }
    assert too_much["userErrors"] == [
        {
            "field": "input.amountPence",
            "message": "At most £116.00 of this payment is left to refund.",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert rest["payment"]["status"] == "REFUNDED"
    assert rest["payment"]["refundedPence"] == 14500
    assert await count(db, Refund) == 2
    assert await count(db, Payment) == 1


async def test_a_refund_key_used_for_another_payment_of_the_same_holder_is_refused(api, db):
    _, broker, _, amina_user, _, _, agreement = await world(db)
    first = (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user))["recordPayment"]
    second = (
        await api.data(
            RECORD,
            {
                "input": payment_input(
                    agreement, periodStart="2026-11-23", periodEnd="2026-11-29", idempotencyKey="amina-2"
                )
            },
            as_user=amina_user,
        )
    )["recordPayment"]

    def refund(payment):
        refund_input = {
            "paymentId": payment["payment"]["id"],
            "reason": "Visit missed",
            "idempotencyKey": "r1",
        }
        return api.data(REFUND, {"input": refund_input}, as_user=broker)

    await refund(first)
    reused = (await refund(second))["refundPayment"]

    assert reused == {
        "payment": None,
        "userErrors": [
            {
                "field": "input.idempotencyKey",
                "message": "This idempotency key was used for another refund.",
                "code": "IDEMPOTENCY_KEY_REUSED",
            }
        ],
    }
    assert await count(db, Refund) == 1


async def test_who_sees_which_payments(api, db):
    council, broker, _, amina_user, jo_user, _, agreement = await world(db)
    await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user)
    other_holder = await make_holder(db, council)
    other_holder_user = await reload(db, User, other_holder.user_id)
    other_provider_user = await make_user(db, Role.PROVIDER, council)
    await make_provider(db, council, owner=other_provider_user)
    other_broker = await make_user(db, Role.BROKER, await make_council(db))
    query = "{ payments { totalCount } }"

    seen = {
        name: (await api.data(query, as_user=user))["payments"]["totalCount"]
        for name, user in [
            ("holder", amina_user),
            ("provider paid", jo_user),
            ("broker", broker),
            ("another holder", other_holder_user),
            ("another provider", other_provider_user),
            ("another council's broker", other_broker),
        ]
    }

    assert seen == {
        "holder": 1,
        "provider paid": 1,
        "broker": 1,
        "another holder": 0,
        "another provider": 0,
        "another council's broker": 0,
    }
