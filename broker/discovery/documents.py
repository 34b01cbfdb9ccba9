"""Provider rows → `ProviderDocument`: the one mapping from the database to the index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.capacity import Reservation, free_availability, free_hours, reservations
from broker.api.clock import london_date
from broker.db import utcnow
from broker.providers.accreditation import REQUIRED_CHECKS
from broker.providers.models import (
    Accreditation,
    AvailabilitySlot,
    CheckStatus,
    CqcRating,
    Provider,
    ProviderService,
)
from broker.reviews.scores import scores_for
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import all_services
from search.documents import ProviderDocument

REINDEX_BATCH = 2_000


def remaining_capacity_hours(provider: Provider, reserved_hours: float = 0.0) -> float:
    """Weekly hours the provider can still take on: the listing's capacity less what ACTIVE agreements
    hold (`broker.agreements.capacity`, which also tells matching)."""
    return free_hours(provider, reserved_hours)


def _accreditation(provider: Provider, checks: Sequence[Accreditation]) -> tuple[bool, date | None]:
    """Passed (ignoring expiry) and the first expiry, so the index can drop a listing on that day."""
    required = REQUIRED_CHECKS[provider.kind]
    passing = {
        c.check_type: c
        for c in checks
        if c.check_type in required
        and c.status is CheckStatus.PASSED
        and c.cqc_rating is not CqcRating.INADEQUATE
    }
    if set(passing) != set(required):
        return False, None
    expiries = [c.expires_on for c in passing.values() if c.expires_on is not None]
    return True, min(expiries) if expiries else None


def is_indexable(provider: Provider) -> bool:
    """A listing without a place or a rate cannot be found by search, so it is kept out of the index."""
    return (
        provider.latitude is not None
        and provider.longitude is not None
        and provider.hourly_rate_pence is not None
        and provider.travel_radius_km is not None
    )


def to_document(
    provider: Provider,
    services: Sequence[str],
    slots: Sequence[AvailabilitySlot],
    checks: Sequence[Accreditation],
    reserved: Reservation | None = None,
    review_score: float | None = None,
) -> ProviderDocument:
    """The index carries what is still free: hours less ACTIVE agreements, and for a PA the
    availability less the slots already agreed (the same rule matching applies); and the listing's
    review score (`broker.reviews.scores`), for the REVIEWS sort."""
    held = reserved or Reservation()
    windows = [(int(s.day), s.start_minute, s.end_minute) for s in slots]
    taxonomy = all_services()
    accredited, until = _accreditation(provider, checks)
    codes = tuple(sorted(c for c in services if c in taxonomy))
    assert provider.id is not None
    return ProviderDocument(
        id=provider.id,
        council_id=provider.council_id,
        kind=provider.kind.value,
        status=provider.status.value,
        name=provider.name,
        bio=provider.bio,
        services=codes,
        service_labels=tuple(taxonomy[c].label for c in codes),
        skills=tuple(provider.skills),
        languages=tuple(provider.languages),
        language_names=tuple(LANGUAGES.get(c, c) for c in provider.languages),
        gender=provider.gender.value if provider.gender else None,
        hourly_rate_pence=provider.hourly_rate_pence or 0,
        latitude=provider.latitude or 0.0,
        longitude=provider.longitude or 0.0,
        travel_radius_km=provider.travel_radius_km or 0.0,
        remaining_capacity_hours=remaining_capacity_hours(provider, held.hours),
        slots=tuple(free_availability(provider, windows, held)),
        accredited=accredited,
        accredited_until=until,
        postcode_district=provider.postcode_district or "",
        review_score=review_score,
    )


async def documents_for(
    session: AsyncSession, provider_ids: Sequence[int], *, today: date | None = None
) -> tuple[list[ProviderDocument], list[int]]:
    """Documents for the providers that should be in the index, and the ids that should not be.

    Reads plain rows rather than ORM objects: a national rebuild maps 100,000 listings and their
    1.5 million service, slot and check rows, and identity-mapped objects would cost most of that.
    """
    # SQLModel does not declare the `__table__` SQLAlchemy gives every table model.
    providers_table, services_table = Provider.__table__, ProviderService.__table__  # type: ignore[attr-defined]
    slots_table, checks_table = AvailabilitySlot.__table__, Accreditation.__table__  # type: ignore[attr-defined]
    providers = (
        await session.execute(select(providers_table).where(providers_table.c.id.in_(provider_ids)))
    ).all()
    indexable = [p for p in providers if is_indexable(p)]  # type: ignore[arg-type]  # rows read as listings
    ids = [p.id for p in indexable]
    services: dict[int, list[str]] = defaultdict(list)
    slots: dict[int, list] = defaultdict(list)
    checks: dict[int, list] = defaultdict(list)
    reserved: dict[int, Reservation] = {}
    scores: dict[int, float | None] = {}
    if ids:
        # Free hours from today (in London) on; the daily pass re-indexes those whose hours change by date.
        day = today or london_date(utcnow())
        reserved = await reservations(session, ids, on=day)
        scores = {i: s.score for i, s in (await scores_for(session, ids, today=day)).items()}
        for row in await session.execute(select(services_table).where(services_table.c.provider_id.in_(ids))):
            services[row.provider_id].append(row.service_code)
        ordered_slots = (
            select(slots_table)
            .where(slots_table.c.provider_id.in_(ids))
            .order_by(slots_table.c.day, slots_table.c.start_minute)
        )
        for row in await session.execute(ordered_slots):
            slots[row.provider_id].append(row)
        for row in await session.execute(select(checks_table).where(checks_table.c.provider_id.in_(ids))):
            checks[row.provider_id].append(row)
    documents = [
        to_document(p, services[p.id], slots[p.id], checks[p.id], reserved.get(p.id), scores.get(p.id))  # type: ignore[arg-type]
        for p in indexable
    ]
    kept = {d.id for d in documents}
    return documents, [pid for pid in provider_ids if pid not in kept]


async def all_documents(
    session: AsyncSession, batch: int = REINDEX_BATCH
) -> AsyncIterator[list[ProviderDocument]]:
    """Every indexable listing, in id order and in batches, for a full rebuild."""
    last = 0
    while True:
        ids = cast(
            list[int],  # primary keys: SQLModel types `id` as optional, a stored row always has one
            list(
                (
                    await session.execute(
                        select(col(Provider.id))
                        .where(col(Provider.id) > last)
                        .order_by(col(Provider.id))
                        .limit(batch)
                    )
                ).scalars()
            ),
        )
        if not ids:
            return
        documents, _ = await documents_for(session, ids)
        yield documents
        last = ids[-1]


class ListingDocuments:
    """The `search.sync.DocumentSource` of this service: listings as search documents."""

    async def documents_for(
        self, session: AsyncSession, provider_ids: Sequence[int]
    ) -> tuple[list[ProviderDocument], list[int]]:
        return await documents_for(session, provider_ids)

    def all_documents(self, session: AsyncSession) -> AsyncIterator[list[ProviderDocument]]:
        return all_documents(session)

    async def changed_since(self, session: AsyncSession, at: datetime) -> list[int]:
        rows = await session.execute(select(col(Provider.id)).where(col(Provider.updated_at) >= at))
        return [provider_id for provider_id in rows.scalars() if provider_id is not None]


LISTINGS = ListingDocuments()
