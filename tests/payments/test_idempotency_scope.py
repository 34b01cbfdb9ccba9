"""Idempotency keys belong to the payer (the DP holder whose account pays): another council's broker
using the same key for their own holder is neither blocked by it nor told anything about it."""

from __future__ import annotations

from broker.accounts.models import Role
from broker.payments.models import Payment, Refund
from tests.factories import (
    count,
    make_agreement,
    make_council,
    make_holder,
    make_plan,
    make_provider,
    make_user,
)
from tests.payments.test_recording import RECORD, REFUND, payment_input, world


async def bradford(db):
    """Bradford's broker pays Sam (£14.50 an hour, 10 hours a week) for Bilal."""
    council = await make_council(db, "Bradford Council")
    broker = await make_user(db, Role.BROKER, council)
    bilal = await make_holder(db, council)
    sam = await make_provider(db, council, name="Sam")
    return broker, await make_agreement(db, await make_plan(db, bilal), sam, created_by=broker)


async def test_another_councils_broker_using_the_same_key_gets_a_payment_of_their_own(api, db):
    _, leeds_broker, _, _, _, _, amina_agreement = await world(db)
    first = (await api.data(RECORD, {"input": payment_input(amina_agreement)}, as_user=leeds_broker))[
        "recordPayment"
    ]
    bradford_broker, bilal_agreement = await bradford(db)

    theirs = (
        await api.data(
            RECORD,
            {"input": payment_input(bilal_agreement, hours=9, amountPence=13_050)},
            as_user=bradford_broker,
        )
    )["recordPayment"]
    replay = (await api.data(RECORD, {"input": payment_input(amina_agreement)}, as_user=leeds_broker))[
        "recordPayment"
    ]

    assert theirs["userErrors"] == []
    assert theirs["payment"]["id"] != first["payment"]["id"]
    assert (theirs["payment"]["hours"], theirs["payment"]["provider"]) == (9.0, {"name": "Sam"})
    assert replay == first
    assert await count(db, Payment) == 2


async def test_the_holder_and_their_broker_share_one_set_of_keys(api, db):
    _, broker, _, amina_user, _, _, agreement = await world(db)
    first = (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user))["recordPayment"]

    by_broker = (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=broker))["recordPayment"]

    assert by_broker == first
    assert await count(db, Payment) == 1


async def test_refund_keys_are_the_payers_too(api, db):
    _, leeds_broker, _, _, _, _, amina_agreement = await world(db)
    bradford_broker, bilal_agreement = await bradford(db)
    paid = [
        (await api.data(RECORD, {"input": payment_input(agreement)}, as_user=user))["recordPayment"][
            "payment"
        ]
        for agreement, user in ((amina_agreement, leeds_broker), (bilal_agreement, bradford_broker))
    ]

    refunds = [
        (
            await api.data(
                REFUND,
                {
                    "input": {
                        "paymentId": payment["id"],
                        "amountPence": 1_450,
                        "reason": "Visit missed",
                        "idempotencyKey": "refund-1",
                    }
                },
                as_user=user,
            )
        )["refundPayment"]
        for payment, user in zip(paid, (leeds_broker, bradford_broker), strict=True)
    ]

    assert [r["userErrors"] for r in refunds] == [[], []]
    assert [r["payment"]["refundedPence"] for r in refunds] == [1_450, 1_450]
    assert await count(db, Refund) == 2
