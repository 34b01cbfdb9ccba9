"""Who sees a thread and on which side they speak: the one home of these rules.

A thread is seen by its parties (the DP holder and their representatives, and the provider's own
sign-in) and by the holder's council's brokers and admins, who speak on the holder's side. Platform
admins run the service but are no party, so they do not read people's messages; commissioners see
only aggregates. Built on the one role ladder, `broker.access`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import ColumnElement, false
from sqlmodel import col

from broker.access import Parties, reaches, scoped
from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF, Role
from broker.conversations.models import Conversation


class Side(StrEnum):
    HOLDER = "HOLDER"
    PROVIDER = "PROVIDER"


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the threads `actor` may read."""
    if actor is None or actor.is_platform_admin:
        return false()
    return scoped(
        actor,
        council=col(Conversation.council_id),
        holder=col(Conversation.holder_id),
        provider=col(Conversation.provider_id),
    )


def side_in_visible(actor: Actor) -> Side:
    """The side `actor` speaks on in a thread `visible_clause` let them see: a provider reaches only
    threads of its own listing, everyone else who reaches one is on the holder's side."""
    return Side.PROVIDER if actor.role is Role.PROVIDER else Side.HOLDER


def sees_reports(actor: Actor | None) -> bool:
    """Council staff see how often a message of their council's threads was reported (they are who it
    is reported to); the parties do not see each other's reports."""
    return actor is not None and not actor.is_platform_admin and actor.role in COUNCIL_STAFF


def side_of(
    actor: Actor,
    *,
    council_id: int,
    holder_user_id: int | None,
    representative_ids: Iterable[int],
    provider_owner_id: int | None,
) -> Side | None:
    """The side `actor` speaks on in a thread, or None when they are no party to it."""
    if actor.is_platform_admin:
        return None
    if reaches(actor, Parties(provider_owner_ids=[provider_owner_id])):
        return Side.PROVIDER
    holder_side = Parties(
        council_id=council_id, holder_user_id=holder_user_id, representative_ids=tuple(representative_ids)
    )
    if reaches(actor, holder_side):
        return Side.HOLDER
    return None
