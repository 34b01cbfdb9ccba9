"""Who edits a listing, and what every edit does to it: stamp it and queue it for the search index."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.api.clock import london_date
from broker.errors import (
    NotFound,
    PermissionDenied,
)
from broker.providers.access import may_see_checks, visible_clause
from broker.providers.models import (
    Provider,
)
from search import outbox


def can_edit(actor: Actor | None, provider: Provider) -> bool:
    """Who changes a listing is who sees its check records (`access.may_see_checks`)."""
    return may_see_checks(actor, provider)


async def editable_provider(session: AsyncSession, actor: Actor, provider_id: int, now: datetime) -> Provider:
    provider = await session.get(Provider, provider_id, with_for_update=True)
    if provider is None or not await is_visible(session, actor, provider_id, london_date(now)):
        raise NotFound("No listing with this ID.", field="id")
    if not can_edit(actor, provider):
        raise PermissionDenied("You can only change your own listing.", field="id")
    return provider


async def is_visible(session: AsyncSession, actor: Actor | None, provider_id: int, today: date) -> bool:
    query = select(col(Provider.id)).where(col(Provider.id) == provider_id, visible_clause(actor, today))
    return (await session.execute(query)).first() is not None


async def mark_changed(session: AsyncSession, provider: Provider, now: datetime) -> None:
    """Every change to a listing goes through here, so the search index hears of it in the same
    transaction (the outbox) and nothing that changes a listing can forget to tell it."""
    provider.updated_at = now
    await session.flush()
    assert provider.id is not None
    outbox.enqueue(session, [provider.id], now=now)
    await session.flush()
