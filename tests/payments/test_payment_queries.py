"""The `payments` connection costs the same statements for a page of 1 or of 50, and its access rule
(`payments/access.py`) gives the same answer in SQL and in Python."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from broker.accounts.actor import Actor
from broker.accounts.models import Role, User
from broker.holders.models import DPHolder, HolderRepresentative
from broker.payments import access
from broker.payments.models import Payment, Refund
from broker.providers.models import Provider
from tests.factories import (
    make_agreement,
    make_council,
    make_holder,
    make_payment,
    make_plan,
    make_provider,
    make_user,
    reload,
)
from tests.statements import counting_statements

PAYMENTS = """
query($first: Int!) { payments(first: $first) { totalCount nodes {
  id status amountPence refundedPence supplementary
  agreement { id status } provider { id name } refunds { amountPence reason }
} } }
"""


async def payments_world(db, count: int = 50):
    """Two holders of one council pay three PAs; every payment has a refund of £1."""
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    agreements = []
    for h in range(2):
        holder = await make_holder(db, council)
        plan = await make_plan(db, holder)
        for p in range(3):
            owner = await make_user(db, Role.PROVIDER, council)
            provider = await make_provider(db, council, owner=owner, name=f"PA {h}-{p}")
            agreements.append(await make_agreement(db, plan, provider, created_by=broker))
    payments = []
    for n in range(count):
        agreement = agreements[n % len(agreements)]
        start = date(2026, 4, 6) + timedelta(days=7 * (n // len(agreements)))
        payments.append(await make_payment(db, agreement, period_start=start, status="PARTIALLY_REFUNDED"))
    async with db.transaction() as session:
        for payment in payments:
            session.add(
                Refund(
                    idempotency_key=f"refund-{payment.id}",
                    payment_id=payment.id,
                    holder_id=payment.holder_id,
                    amount_pence=100,
                    reason="Visit cut short",
                    recorded_by_id=broker.id,
                    created_at=datetime(2026, 11, 1, tzinfo=UTC),
                )
            )
    return council, broker, agreements


async def test_payments_cost_the_same_statements_for_1_or_50(api, db):
    _, broker, _ = await payments_world(db)

    with counting_statements(db) as one:
        small = await api.data(PAYMENTS, {"first": 1}, as_user=broker)
    with counting_statements(db) as fifty:
        large = await api.data(PAYMENTS, {"first": 50}, as_user=broker)

    assert len(small["payments"]["nodes"]) == 1
    assert len(large["payments"]["nodes"]) == 50
    assert {len(n["refunds"]) for n in large["payments"]["nodes"]} == {1}
    assert len({n["provider"]["id"] for n in large["payments"]["nodes"]}) == 6
    assert len(one) == len(fifty)


async def test_may_see_agrees_with_visible_clause_for_every_caller(db):
    council, broker, agreements = await payments_world(db, count=6)
    other = await make_council(db, "York")
    outsider_broker = await make_user(db, Role.BROKER, other)
    holder_user = await reload(db, User, (await reload(db, DPHolder, agreements[0].holder_id)).user_id)
    representative = await make_user(db, Role.REPRESENTATIVE, council)
    async with db.transaction() as session:
        session.add(HolderRepresentative(holder_id=agreements[0].holder_id, user_id=representative.id))
    stranger_holder = await make_holder(db, council)
    stranger = await reload(db, User, stranger_holder.user_id)
    admin = await make_user(db, Role.ADMIN, council)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    async with db.session() as session:
        provider_owner = (
            await session.execute(select(Provider.owner_id).where(Provider.id == agreements[0].provider_id))
        ).scalar_one()
    users = [broker, outsider_broker, holder_user, representative, stranger, admin, commissioner]
    actors: list[Actor | None] = [None] + [
        Actor(user_id=u.id, role=u.role, council_id=u.council_id) for u in users
    ]
    actors.append(Actor(user_id=provider_owner, role=Role.PROVIDER, council_id=council.id))
    actors.append(Actor(user_id=admin.id, role=Role.ADMIN, council_id=None))  # the platform's admin

    async with db.session() as session:
        payments = list((await session.execute(select(Payment))).scalars())
        holders = {h.id: h for h in (await session.execute(select(DPHolder))).scalars()}
        reps = list((await session.execute(select(HolderRepresentative))).scalars())
        owners = dict((await session.execute(select(Provider.id, Provider.owner_id))).all())
        for actor in actors:
            seen = set(
                (await session.execute(select(Payment.id).where(access.visible_clause(actor)))).scalars()
            )
            twin = {
                p.id
                for p in payments
                if access.may_see(
                    actor,
                    p,
                    holder_user_id=holders[p.holder_id].user_id,
                    representative_ids=[r.user_id for r in reps if r.holder_id == p.holder_id],
                    provider_owner_id=owners[p.provider_id],
                )
            }
            assert seen == twin, actor
            payers = set(
                (await session.execute(select(DPHolder.id).where(access.payer_clause(actor)))).scalars()
            )
            assert payers == {
                h.id
                for h in holders.values()
                if access.may_pay_for_holder(actor, h, [r.user_id for r in reps if r.holder_id == h.id])
            }, actor
