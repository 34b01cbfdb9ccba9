"""Who may see a payment and who may pay (or refund) for a DP holder: the one home of both rules.

Every read of payments (the `payments` connection, `node`, an agreement's payments, refunds) asks
`visible_clause` in SQL or `may_see` in Python; recording and refunding ask `may_pay_for`; the
annual audit asks `may_audit`. All are built on the one role ladder in `broker.access`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.access import Parties, reaches, scoped
from broker.accounts.actor import Actor
from broker.holders.models import DPHolder
from broker.payments.models import Payment


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the payments `actor` may see. Holders and their representatives see the holder's own,
    providers the payments made to them, council staff their council's, platform admins all."""
    return scoped(
        actor,
        council=col(Payment.council_id),
        holder=col(Payment.holder_id),
        provider=col(Payment.provider_id),
    )


def may_see(
    actor: Actor | None,
    payment: Payment,
    *,
    holder_user_id: int | None,
    representative_ids: Iterable[int] = (),
    provider_owner_id: int | None = None,
) -> bool:
    """Python twin of `visible_clause`, for a payment already loaded with the sign-ins of its holder,
    the holder's representatives and the provider paid."""
    return reaches(
        actor,
        Parties(
            council_id=payment.council_id,
            holder_user_id=holder_user_id,
            representative_ids=tuple(representative_ids),
            provider_owner_ids=(provider_owner_id,),
        ),
    )


def payer_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL over DP holders: those `actor` pays for. The money leaves the holder's DP account, so the
    holder, their representatives and their council's staff (brokers, admins) pay and refund for it;
    providers never do."""
    return scoped(actor, council=col(DPHolder.council_id), holder=col(DPHolder.id))


def may_pay_for_holder(actor: Actor | None, holder: DPHolder, representative_ids: Iterable[int] = ()) -> bool:
    """Python twin of `payer_clause`, for a holder already loaded with their representatives."""
    return reaches(
        actor,
        Parties(
            council_id=holder.council_id,
            holder_user_id=holder.user_id,
            representative_ids=tuple(representative_ids),
        ),
    )


async def may_pay_for(session: AsyncSession, actor: Actor | None, holder_id: int) -> bool:
    """Whether `actor` may record payments and refunds out of DP holder `holder_id`'s account."""
    found = await session.execute(
        select(col(DPHolder.id)).where(col(DPHolder.id) == holder_id, payer_clause(actor))
    )
    return found.first() is not None


def may_audit(actor: Actor | None, council_id: int) -> bool:
    """The annual DP audit of a council is for its staff (brokers, admins) and platform admins."""
    return reaches(actor, Parties(council_id=council_id))
