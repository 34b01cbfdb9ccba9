"""Who is told: the sign-ins behind a holder, a listing, or a council's brokers.

Only active sign-ins are named; a listing kept by council staff for a PA without a sign-in has no one
to tell (its council's brokers already see its requests on their lists)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.models import COUNCIL_STAFF, User
from broker.holders.models import DPHolder, HolderRepresentative
from broker.providers.models import Provider


async def holder_side(session: AsyncSession, holder_id: int) -> list[int]:
    """The holder's own sign-in and their representatives'."""
    own = select(col(DPHolder.user_id)).where(col(DPHolder.id) == holder_id)
    representatives = select(col(HolderRepresentative.user_id)).where(
        col(HolderRepresentative.holder_id) == holder_id
    )
    rows = await session.execute(own.union_all(representatives))
    return await _active(session, [r[0] for r in rows])


async def provider_side(session: AsyncSession, provider_id: int) -> list[int]:
    """The listing's own sign-in, if it has one."""
    owner = (
        await session.execute(select(col(Provider.owner_id)).where(col(Provider.id) == provider_id))
    ).scalar_one_or_none()
    return await _active(session, [owner] if owner is not None else [])


async def council_staff(session: AsyncSession, council_id: int) -> list[int]:
    """The council's brokers and admins."""
    rows = await session.execute(
        select(col(User.id)).where(
            col(User.council_id) == council_id,
            col(User.role).in_(COUNCIL_STAFF),
            col(User.deactivated_at).is_(None),
        )
    )
    return [r[0] for r in rows if r[0] is not None]


async def _active(session: AsyncSession, user_ids: list[int]) -> list[int]:
    if not user_ids:
        return []
    rows = await session.execute(
        select(col(User.id)).where(col(User.id).in_(user_ids), col(User.deactivated_at).is_(None))
    )
    found = {r[0] for r in rows}
    return [u for u in dict.fromkeys(user_ids) if u in found]
