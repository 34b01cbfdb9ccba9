"""Use cases that read, check and write under a lock, fired at once: on SQLite (the embedded default,
where `FOR UPDATE` is a no-op) exactly as on PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from broker.payments.models import Payment, Refund
from tests.factories import count
from tests.payments.test_recording import RECORD, REFUND, payment_input, world


async def test_twenty_concurrent_refunds_never_refund_more_than_the_payment(api, db):
    """£84 paid (about 5.8 hours at £14.50); twenty £10 refunds at once: eight fit, twelve are refused."""
    _, broker, _, amina_user, _, _, agreement = await world(db)
    paid = (
        await api.data(
            RECORD, {"input": payment_input(agreement, hours=5.8, amountPence=8400)}, as_user=amina_user
        )
    )["recordPayment"]
    payment_id = paid["payment"]["id"]

    results = await asyncio.gather(
        *(
            api.data(
                REFUND,
                {
                    "input": {
                        "paymentId": payment_id,
                        "amountPence": 1000,
                        "reason": "Visit missed",
                        "idempotencyKey": f"refund-{i}",
                    }
                },
                as_user=broker,
            )
            for i in range(20)
        )
    )

    outcomes = [r["refundPayment"] for r in results]
    accepted = [o for o in outcomes if o["userErrors"] == []]
    refused = [o for o in outcomes if o["userErrors"] != []]
    assert len(accepted) == 8
    assert {e["code"] for o in refused for e in o["userErrors"]} == {"OUT_OF_RANGE"}
    async with db.session() as session:
        refunded_rows = (await session.execute(select(func.sum(Refund.amount_pence)))).scalar_one()
        payment = (await session.execute(select(Payment))).scalar_one()
    assert refunded_rows == 8000
    assert payment.refunded_pence == 8000
    assert await count(db, Refund) == 8


async def test_twenty_concurrent_payments_with_one_key_make_one_payment(api, db):
    *_, amina_user, _, _, agreement = await world(db)

    results = await asyncio.gather(
        *(api.data(RECORD, {"input": payment_input(agreement)}, as_user=amina_user) for _ in range(20))
    )

    assert len({r["recordPayment"]["payment"]["id"] for r in results}) == 1
    assert all(r["recordPayment"]["userErrors"] == [] for r in results)
    assert await count(db, Payment) == 1
