"""Who sees, submits and decides timesheets, and who exports payroll: the one home of these rules.

A timesheet is seen by the provider who worked it, the holder who employs them (and representatives)
and the holder's council's staff (platform admins see all). Only the provider submits; the holder's
side approves or queries; council staff decide only for a holder who has asked the council to manage
timesheets (`DPHolder.council_approves_timesheets`), which the holder's side or the council's staff set.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.access import HOLDER_SIDE, Parties, reaches, scoped
from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.holders.models import DPHolder, HolderRepresentative
from broker.providers.models import Provider
from broker.timesheets.models import Timesheet


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the timesheets `actor` may read."""
    return scoped(
        actor,
        council=col(Timesheet.council_id),
        holder=col(Timesheet.holder_id),
        provider=col(Timesheet.provider_id),
    )


def may_submit_for(actor: Actor | None, provider: Provider) -> bool:
    """Only the listing's own sign-in submits its timesheets: it is the provider's claim to be paid."""
    return (
        actor is not None
        and actor.role is Role.PROVIDER
        and provider.owner_id is not None
        and provider.owner_id == actor.user_id
    )


def is_holder_side(actor: Actor | None, holder: DPHolder, representative_ids: Iterable[int]) -> bool:
    """The holder or one of their representatives: the employer who approves a PA's hours."""
    if actor is None or actor.role not in HOLDER_SIDE:
        return False
    return reaches(
        actor, Parties(holder_user_id=holder.user_id, representative_ids=tuple(representative_ids))
    )


def is_council_staff_for(actor: Actor | None, holder: DPHolder) -> bool:
    """Staff of the holder's council (brokers, council admins) and platform admins."""
    return actor is not None and actor.is_staff_of(holder.council_id)


def may_decide(actor: Actor | None, holder: DPHolder, representative_ids: Iterable[int]) -> bool:
    """Approving or querying a week: the holder's side always; the council's staff only when the
    holder has asked the council to manage their timesheets."""
    if is_holder_side(actor, holder, representative_ids):
        return True
    return holder.council_approves_timesheets and is_council_staff_for(actor, holder)


def may_set_council_approval(
    actor: Actor | None, holder: DPHolder, representative_ids: Iterable[int]
) -> bool:
    """The person (or a representative) asks; council staff may record the request they were given."""
    return is_holder_side(actor, holder, representative_ids) or is_council_staff_for(actor, holder)


def may_set_deadlines(actor: Actor | None, council_id: int) -> bool:
    """A council's timesheet deadlines are set by its staff (brokers, admins) and platform admins."""
    return actor is not None and actor.is_staff_of(council_id)


def may_list_late(actor: Actor | None, council_id: int) -> bool:
    """Late timesheets are a council's chasing list, for its staff."""
    return may_set_deadlines(actor, council_id)


def may_export_payroll(actor: Actor | None, provider: Provider) -> bool:
    """A payroll export is for the DP support organisation that runs the payroll (its own sign-in),
    its council's staff and platform admins."""
    if actor is None:
        return False
    if actor.role is Role.PROVIDER:
        return provider.owner_id is not None and provider.owner_id == actor.user_id
    return actor.is_staff_of(provider.council_id)


async def representatives_of(session: AsyncSession, holder_id: int) -> list[int]:
    found = await session.execute(
        select(col(HolderRepresentative.user_id)).where(col(HolderRepresentative.holder_id) == holder_id)
    )
    return list(found.scalars())


__all__ = [
    "is_holder_side",
    "may_decide",
    "may_export_payroll",
    "may_list_late",
    "may_set_council_approval",
    "may_set_deadlines",
    "may_submit_for",
    "representatives_of",
    "visible_clause",
]
