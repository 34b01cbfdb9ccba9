"""Who reads, writes, moderates and answers reviews: the one home of these rules, on the role ladder.

- A published review is public: anyone, signed in or not, reads its ratings, comment and reply.
- A review waiting for moderation, or rejected, is seen by its council's staff (the moderation queue)
  and the holder's side that wrote it; never by the provider or anyone else.
- Who wrote a review is seen only by the council's staff and its author: the public and the provider
  read "a person supported" (a provider could otherwise lean on a household that criticised it).
- Reviews are written by the DP holder or a representative (`broker.holders.access.acts_for`),
  moderated by the council's brokers and admins, answered by the provider's own sign-in.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.access import scoped
from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF, Role
from broker.holders.access import acts_for
from broker.holders.models import DPHolder
from broker.providers.models import Provider
from broker.reviews.models import Review, ReviewStatus


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the reviews `actor` may read."""
    return scoped(
        actor,
        council=col(Review.council_id),
        holder=col(Review.holder_id),
        public=col(Review.status) == ReviewStatus.PUBLISHED,
    )


def has_moderation_queue(actor: Actor | None) -> bool:
    """The council's brokers and admins (and platform admins) have a queue of reviews to moderate;
    nobody else is offered one (`reviewsAwaitingModeration` refuses them)."""
    return actor is not None and actor.role in COUNCIL_STAFF


def awaiting_moderation_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the reviews waiting in `actor`'s moderation queue: the PENDING ones they may see."""
    return and_(visible_clause(actor), col(Review.status) == ReviewStatus.PENDING)


def sees_reviewer(actor: Actor | None, review: Review) -> bool:
    """The council's staff and the author themselves see who wrote a review; nobody else does."""
    if actor is None:
        return False
    return actor.user_id == review.author_id or actor.is_staff_of(review.council_id)


async def may_review(session: AsyncSession, actor: Actor | None, holder: DPHolder) -> bool:
    """The holder and their representatives review the providers of the holder's agreements."""
    return await acts_for(session, actor, holder)


def may_moderate(actor: Actor, review: Review) -> bool:
    """The council's brokers and admins publish or reject its people's reviews."""
    return actor.is_staff_of(review.council_id)


def may_reply(actor: Actor, provider: Provider) -> bool:
    """Only the listing's own sign-in answers for the provider in public."""
    return actor.role is Role.PROVIDER and provider.owner_id == actor.user_id
