"""Who sees a DP holder's profile and who acts for the holder: the one home of both rules.

A profile is seen by the holder, their representatives, staff of the holder's council and platform
admins; a representative (family member, "suitable person") acts with the holder, so reads what they
read. Every read of profiles (by ID, `node`, the list, the viewer's own) asks `visible_clause` in SQL
or `may_see` in Python; every "may this person act for the holder" asks `acts_for`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.access import HOLDER_SIDE, Parties, reaches, scoped
from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.holders.models import DPHolder, HolderRepresentative


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the profiles `actor` may read: their own, those they represent, their council's."""
    return scoped(actor, council=col(DPHolder.council_id), holder=col(DPHolder.id))


def visible_ids(actor: Actor | None) -> Select[int | None]:
    """SQL: the IDs of the profiles `actor` may read, for capabilities whose rows hang off a holder."""
    return select(col(DPHolder.id)).where(visible_clause(actor))


def may_see(actor: Actor | None, holder: DPHolder, representative_ids: Iterable[int]) -> bool:
    """Python twin of `visible_clause`, for a holder already loaded with their representatives."""
    parties = Parties(
        council_id=holder.council_id, holder_user_id=holder.user_id, representative_ids=representative_ids
    )
    return reaches(actor, parties)


def manages(actor: Actor | None, council_id: int | None) -> bool:
    """Staff of the holder's council (and platform admins) set up profiles and set the budget, the home
    and who represents the person; the person and their representatives choose only how the payment
    is held."""
    return council_id is not None and reaches(actor, Parties(council_id=council_id))


async def acts_for(session: AsyncSession, actor: Actor | None, holder: DPHolder) -> bool:
    """True when `actor` is the holder or one of their representatives (not staff: they act *on*
    the profile, for the council)."""
    if actor is None or actor.role not in HOLDER_SIDE:
        return False
    representatives: list[int] = []
    if actor.role is Role.REPRESENTATIVE:
        found = await session.execute(
            select(col(HolderRepresentative.user_id)).where(
                col(HolderRepresentative.holder_id) == holder.id,
                col(HolderRepresentative.user_id) == actor.user_id,
            )
        )
        representatives = list(found.scalars())
    return reaches(actor, Parties(holder_user_id=holder.user_id, representative_ids=representatives))


# The name the rest of the code uses for "may act for": holders, their representatives.
may_act_for = acts_for

# `may_read` was this rule's name before issue 10; kept for callers not yet moved.
may_read = may_see
