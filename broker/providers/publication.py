"""Publishing a listing, and keeping a published one publishable: `publication_gaps` is the one home
of what a listing needs before anyone can find it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.errors import (
    Conflict,
    ErrorCode,
    FieldError,
    PermissionDenied,
    Problems,
)
from broker.providers import rules
from broker.providers.editing import editable_provider, mark_changed
from broker.providers.models import (
    AvailabilitySlot,
    Provider,
    ProviderService,
    ProviderStatus,
)


async def publication_gaps(session: AsyncSession, provider: Provider) -> Problems:
    """What a DP holder needs to decide, and what this listing is still missing of it."""
    problems = Problems()
    need = ErrorCode.INCOMPLETE
    if len(provider.bio) < rules.MIN_BIO_TO_PUBLISH:
        problems.add("bio", f"Write at least {rules.MIN_BIO_TO_PUBLISH} characters about yourself.", need)
    services = await session.execute(
        select(func.count()).where(col(ProviderService.provider_id) == provider.id)
    )
    if services.scalar_one() == 0:
        problems.add("services", "List at least one service.", need)
    if not provider.languages:
        problems.add("languages", "List the languages you speak.", need)
    if provider.base_postcode is None:
        problems.add("basePostcode", "Give the postcode you work from.", need)
    if provider.travel_radius_km is None:
        problems.add("travelRadiusKm", "Say how far you will travel.", need)
    if provider.hourly_rate_pence is None:
        problems.add("hourlyRatePence", "Give your hourly rate.", need)
    if not provider.weekly_capacity_hours:
        problems.add("weeklyCapacityHours", "Say how many hours a week you can take on.", need)
    slots = await session.execute(
        select(func.count()).where(col(AvailabilitySlot.provider_id) == provider.id)
    )
    if slots.scalar_one() == 0:
        problems.add("availability", "Add the times of the week you are available.", need)
    if not provider.contact_email and not provider.contact_phone:
        problems.add("contactEmail", "Give an email address or phone number for brokers.", need)
    return problems


async def gaps_if_published(session: AsyncSession, provider: Provider) -> set[str | None]:
    """The publishing gaps a PUBLISHED listing already has before an edit (none, unless it was
    published under older rules); the edit is judged only on the gaps it would open."""
    if provider.status is not ProviderStatus.PUBLISHED:
        return set()
    return {gap.field for gap in (await publication_gaps(session, provider)).errors}


async def keep_published_complete(
    session: AsyncSession,
    provider: Provider,
    before: set[str | None],
    input_field: Callable[[str | None], str | None],
) -> None:
    """A PUBLISHED listing always meets the publishing rules (`publication_gaps`, the one home of
    them): holders and brokers decide from it, and an emptied listing that stays in search misleads
    them. So an edit that opens a gap is refused with publishProvider's errors, each at the input
    field that caused it (`input_field`), and the caller's transaction rolls everything back. To take
    a listing down its owner withdraws it (withdrawProvider); a DRAFT may be as incomplete as it likes.
    Gaps the listing had before the edit (`before`) do not block it, so an old listing can be mended
    one field at a time."""
    if provider.status is not ProviderStatus.PUBLISHED:
        return
    await session.flush()
    opened = [gap for gap in (await publication_gaps(session, provider)).errors if gap.field not in before]
    if opened:
        raise Conflict(errors=[FieldError(input_field(gap.field), gap.message, gap.code) for gap in opened])


async def publish_provider(
    session: AsyncSession, *, actor: Actor, provider_id: int, now: datetime
) -> Provider:
    provider = await editable_provider(session, actor, provider_id, now)
    if provider.status is ProviderStatus.SUSPENDED and not actor.is_staff_of(provider.council_id):
        raise Conflict("This listing is suspended; the council must lift the suspension.", field="id")
    gaps = await publication_gaps(session, provider)
    gaps.raise_if_any()
    if provider.status is not ProviderStatus.PUBLISHED:
        provider.status = ProviderStatus.PUBLISHED
        provider.published_at = now
        await mark_changed(session, provider, now)
    return provider


async def withdraw_provider(
    session: AsyncSession, *, actor: Actor, provider_id: int, now: datetime
) -> Provider:
    """Back to DRAFT: the listing leaves public view but keeps everything."""
    provider = await editable_provider(session, actor, provider_id, now)
    if provider.status is ProviderStatus.SUSPENDED and not actor.is_staff_of(provider.council_id):
        raise Conflict("This listing is suspended; the council must lift the suspension.", field="id")
    provider.status = ProviderStatus.DRAFT
    await mark_changed(session, provider, now)
    return provider


async def suspend_provider(
    session: AsyncSession, *, actor: Actor, provider_id: int, now: datetime
) -> Provider:
    """Council staff take a listing out of view (safeguarding, complaints) until they lift it."""
    provider = await editable_provider(session, actor, provider_id, now)
    if not actor.is_staff_of(provider.council_id):
        raise PermissionDenied("Only the council's brokers and admins suspend listings.", field="id")
    provider.status = ProviderStatus.SUSPENDED
    await mark_changed(session, provider, now)
    return provider
