"""Reading reviews: a page, or several by ID; only those the actor may see (`access.visible_clause`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts.actor import Actor
from broker.reviews.access import awaiting_moderation_clause, visible_clause
from broker.reviews.models import Review, ReviewStatus


@dataclass
class ReviewFilter:
    provider_id: int | None = None
    agreement_id: int | None = None
    status: ReviewStatus | None = None


async def list_reviews(
    session: AsyncSession, *, actor: Actor | None, filters: ReviewFilter, limit: int, offset: int
) -> tuple[list[Review], int]:
    """One page of the reviews the actor may see, latest first, and how many there are."""
    query = queries.where_given(
        select(Review).where(visible_clause(actor)),
        (Review.provider_id, filters.provider_id),
        (Review.agreement_id, filters.agreement_id),
        (Review.status, filters.status),
    )
    order = [col(Review.submitted_at).desc(), col(Review.id).desc()]
    return await queries.page(session, query, order, limit, offset)


async def moderation_queue(
    session: AsyncSession, *, actor: Actor, limit: int, offset: int
) -> tuple[list[Review], int]:
    """One page of the reviews waiting for `actor` to moderate, oldest first (first come, first
    decided), and how many there are."""
    query = select(Review).where(awaiting_moderation_clause(actor))
    order = [col(Review.submitted_at).asc(), col(Review.id).asc()]
    return await queries.page(session, query, order, limit, offset)


async def visible_reviews(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, Review]:
    return await queries.by_id(session, Review, visible_clause(actor), ids)
