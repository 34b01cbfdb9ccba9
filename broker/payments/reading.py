"""Reading payments: one, several by ID, or a page of them; always only those the actor may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts.actor import Actor
from broker.payments.access import visible_clause
from broker.payments.models import Payment, PaymentStatus


@dataclass
class PaymentFilter:
    agreement_id: int | None = None
    holder_id: int | None = None
    provider_id: int | None = None
    status: PaymentStatus | None = None


async def get_payment(session: AsyncSession, *, actor: Actor | None, payment_id: int) -> Payment | None:
    query = select(Payment).where(col(Payment.id) == payment_id, visible_clause(actor))
    return (await session.execute(query)).scalar_one_or_none()


async def visible_payments(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, Payment]:
    return await queries.by_id(session, Payment, visible_clause(actor), ids)


async def list_payments(
    session: AsyncSession, *, actor: Actor | None, filters: PaymentFilter, limit: int, offset: int
) -> tuple[list[Payment], int]:
    """One page of the payments the actor may see, latest period first, and how many there are."""
    query = queries.where_given(
        select(Payment).where(visible_clause(actor)),
        (Payment.agreement_id, filters.agreement_id),
        (Payment.holder_id, filters.holder_id),
        (Payment.provider_id, filters.provider_id),
        (Payment.status, filters.status),
    )
    order = [col(Payment.period_start).desc(), col(Payment.id).desc()]
    return await queries.page(session, query, order, limit, offset)


async def payments_by_agreement(
    session: AsyncSession, *, actor: Actor | None, agreement_ids: Sequence[int], limit: int, offset: int
) -> dict[int, tuple[list[Payment], int]]:
    """The same page of each agreement's payments `list_payments` gives for one, in two statements:
    the actor's visible payments, latest period first, and how many each agreement has."""
    scope = (col(Payment.agreement_id).in_(agreement_ids), visible_clause(actor))
    counts = await session.execute(
        select(col(Payment.agreement_id), func.count()).where(*scope).group_by(col(Payment.agreement_id))
    )
    totals: dict[int, int] = {agreement_id: n for agreement_id, n in counts.all()}
    position = (
        func.row_number()
        .over(
            partition_by=col(Payment.agreement_id),
            order_by=(col(Payment.period_start).desc(), col(Payment.id).desc()),
        )
        .label("position")
    )
    ranked = select(col(Payment.id), col(Payment.agreement_id), position).where(*scope).subquery()
    page = (
        select(Payment)
        .join(ranked, col(Payment.id) == ranked.c.id)
        .where(ranked.c.position > offset, ranked.c.position <= offset + limit)
    )
    found: dict[int, list[Payment]] = {}
    for payment in (await session.execute(page.order_by(ranked.c.agreement_id, ranked.c.position))).scalars():
        found.setdefault(payment.agreement_id, []).append(payment)
    return {i: (found.get(i, []), totals.get(i, 0)) for i in agreement_ids}
