"""A holder's choice to have the council approve their PAs' timesheets for them (people who cannot
check hours themselves, or would rather not, often ask their council or its DP support to)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.errors import NotFound, PermissionDenied
from broker.holders import access as holder_access
from broker.holders.models import DPHolder
from broker.timesheets import access


async def set_council_approves_timesheets(
    session: AsyncSession, *, actor: Actor, holder_id: int, council_approves: bool, now: datetime
) -> DPHolder:
    """Records whether the holder's council may approve and query timesheets for them. The holder's
    side may still decide themselves either way."""
    holder = (
        await session.execute(
            select(DPHolder)
            .where(col(DPHolder.id) == holder_id, holder_access.visible_clause(actor))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if holder is None:
        raise NotFound("No DP holder with this ID.", field="holder_id")
    representatives = await access.representatives_of(session, holder_id)
    if not access.may_set_council_approval(actor, holder, representatives):
        raise PermissionDenied(
            "Only the person, their representatives or their council's staff change this.", field="holder_id"
        )
    holder.council_approves_timesheets = council_approves
    holder.updated_at = now
    await session.flush()
    return holder
