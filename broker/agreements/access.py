"""Who sees requests and agreements, and who acts for whom in them: the one home of these rules.

A request or an agreement is seen by the council's staff (brokers, admins), the DP holder and their
representatives, and the provider's own sign-in; platform admins see all; commissioners see only
aggregates elsewhere. Built on the one role ladder, `broker.access.scoped`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.access import scoped
from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.agreements.models import Agreement, CareRequest
from broker.errors import PermissionDenied
from broker.holders.access import acts_for as holder_acts_for
from broker.holders.models import DPHolder
from broker.providers.models import Provider


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the agreements `actor` may read."""
    return scoped(
        actor,
        council=col(Agreement.council_id),
        holder=col(Agreement.holder_id),
        provider=col(Agreement.provider_id),
    )


def request_visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the requests `actor` may read."""
    return scoped(
        actor,
        council=col(CareRequest.council_id),
        holder=col(CareRequest.holder_id),
        provider=col(CareRequest.provider_id),
    )


def acts_for_provider(actor: Actor, provider: Provider) -> bool:
    """The listing's own sign-in, or (for anyone else) the listing's council's staff."""
    if actor.role is Role.PROVIDER:
        return provider.owner_id == actor.user_id
    return actor.is_staff_of(provider.council_id)


async def acts_for_holder(session: AsyncSession, actor: Actor, holder: DPHolder) -> bool:
    """The holder, a representative of theirs, or their council's staff."""
    return actor.is_staff_of(holder.council_id) or await holder_acts_for(session, actor, holder)


def answers_on_behalf(actor: Actor, provider: Provider) -> bool:
    """Who answers a request to `provider`, and whether that answer is on the provider's behalf.

    A provider with its own sign-in (a PROVIDER user owns the listing) answers for itself: saying yes
    commits that person's time, so nobody else may say it for them, not even their council. A
    listing without a sign-in (staff keep it for a PA who does not use the service) is answered by
    its council's brokers and admins after speaking to the provider, and the answer is recorded as
    on the provider's behalf. Returns True for such an answer, False for the provider's own; raises
    PermissionDenied for anyone else.
    """
    if provider.owner_id is not None:
        if actor.user_id == provider.owner_id:
            return False
        if actor.is_staff_of(provider.council_id):
            raise PermissionDenied(
                f"{provider.name} has their own sign-in and answers their own requests; council staff "
                "answer only for listings without one.",
                field="request_id",
            )
    elif actor.is_staff_of(provider.council_id):
        return True
    raise PermissionDenied("Only the provider answers a request.", field="request_id")
