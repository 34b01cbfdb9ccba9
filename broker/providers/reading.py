"""Reading listings: one, several by ID, a filtered page, a provider's own. Who sees which is
`broker.providers.access`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts.actor import Actor
from broker.providers.access import visible_clause
from broker.providers.accreditation import accredited_clause
from broker.providers.models import (
    Provider,
    ProviderKind,
    ProviderService,
    ProviderStatus,
)


@dataclass
class ProviderFilter:
    kind: ProviderKind | None = None
    status: ProviderStatus | None = None
    accredited: bool | None = None
    council_id: int | None = None
    service_code: str | None = None
    postcode_district: str | None = None
    ids: list[int] = field(default_factory=list)


async def get_provider(
    session: AsyncSession, *, actor: Actor | None, provider_id: int, today: date
) -> Provider | None:
    """The listing, if `actor` may see it today (`access.visible_clause`)."""
    query = select(Provider).where(col(Provider.id) == provider_id, visible_clause(actor, today))
    return (await session.execute(query)).scalar_one_or_none()


async def visible_providers(
    session: AsyncSession,
    *,
    actor: Actor | None,
    ids: Sequence[int],
    today: date,
    accredited_only: bool = False,
) -> dict[int, Provider]:
    """Those of `ids` that `actor` may see today, and with `accredited_only` only the accredited ones:
    search hits are re-checked here, so the database, not a lagging index, has the last word."""
    query = select(Provider).where(col(Provider.id).in_(ids), visible_clause(actor, today))
    if accredited_only:
        query = query.where(accredited_clause(today))
    rows = await session.execute(query)
    return {p.id: p for p in rows.scalars() if p.id is not None}


def _filtered(actor: Actor | None, filters: ProviderFilter, today: date) -> Select[Provider]:
    query = queries.where_given(
        select(Provider).where(visible_clause(actor, today)),
        (Provider.kind, filters.kind),
        (Provider.status, filters.status),
        (Provider.council_id, filters.council_id),
        (Provider.postcode_district, filters.postcode_district),
    )
    if filters.service_code is not None:
        query = query.where(
            select(col(ProviderService.provider_id))
            .where(
                col(ProviderService.provider_id) == col(Provider.id),
                col(ProviderService.service_code) == filters.service_code,
            )
            .exists()
        )
    if filters.accredited is not None:
        clause = accredited_clause(today)
        query = query.where(clause if filters.accredited else ~clause)
    return query


async def list_providers(
    session: AsyncSession,
    *,
    actor: Actor | None,
    filters: ProviderFilter,
    today: date,
    limit: int,
    offset: int,
) -> tuple[list[Provider], int]:
    """One page of the listings the actor may see, and how many there are in all."""
    query = _filtered(actor, filters, today)
    return await queries.page(session, query, [Provider.name, Provider.id], limit, offset)


async def owned_listing(session: AsyncSession, *, owner_id: int) -> Provider | None:
    """The listing a PROVIDER user signs in for (the oldest, should there be more than one)."""
    rows = await session.execute(
        select(Provider).where(col(Provider.owner_id) == owner_id).order_by(col(Provider.id)).limit(1)
    )
    return rows.scalar_one_or_none()
