"""Who sees a care and support plan and who writes one: the one home of both rules.

Staff of the person's council (and platform admins) read and write plans; the DP holder and their
representatives read their own; nobody else sees them. Every read of plans (by ID, `node`, the list,
a holder's plans, matching, requests, agreements) asks `visible_clause` in SQL or `may_see` in
Python; every write asks `may_write`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement
from sqlmodel import col

from broker.access import Parties, reaches, scoped
from broker.accounts.actor import Actor
from broker.holders.models import DPHolder
from broker.plans.models import SupportPlan


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the plans `actor` may read: their council's (staff), or their own (holder, representatives)."""
    return scoped(actor, council=col(SupportPlan.council_id), holder=col(SupportPlan.holder_id))


def may_see(
    actor: Actor | None, plan: SupportPlan, holder: DPHolder, representative_ids: Iterable[int]
) -> bool:
    """Python twin of `visible_clause`, for a plan already loaded with its holder and their
    representatives."""
    parties = Parties(
        council_id=plan.council_id, holder_user_id=holder.user_id, representative_ids=representative_ids
    )
    return reaches(actor, parties)


def may_write(actor: Actor | None, council_id: int) -> bool:
    """Only the brokers and admins of the person's council (and platform admins) write plans."""
    return reaches(actor, Parties(council_id=council_id))


def may_see_reads(actor: Actor | None, plan: SupportPlan) -> bool:
    """The read log of a plan is for the council that answers for it, not for the holder."""
    return reaches(actor, Parties(council_id=plan.council_id))
