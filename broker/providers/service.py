"""Use cases for provider listings: create, edit, availability, publish, suspend, accredit, browse.

Who may do what: a PROVIDER user keeps one listing of their own; brokers and admins act on the
listings of their own council; nobody else writes. Drafts are seen only by those who may edit them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.actor import Actor
from broker.accounts.models import Council, Role
from broker.api.clock import london_date
from broker.errors import (
    Conflict,
    ErrorCode,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Problems,
)
from broker.geography.service import resolve_postcode
from broker.providers import rules
from broker.providers.access import may_see_checks, visible_clause
from broker.providers.accreditation import accredited_clause
from broker.providers.models import (
    Accreditation,
    AvailabilitySlot,
    CheckStatus,
    CheckType,
    CqcRating,
    Gender,
    Provider,
    ProviderKind,
    ProviderService,
    ProviderStatus,
)
from broker.schedule import SlotFields, validate_slots
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import all_services
from search import outbox

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")
_MCC = re.compile(r"^[0-9]{4}$")


@dataclass
class ListingFields:
    """What a provider can say about themselves; None leaves a field as it is."""

    name: str | None = None
    bio: str | None = None
    services: list[str] | None = None
    skills: list[str] | None = None
    languages: list[str] | None = None
    gender: Gender | None = None
    base_postcode: str | None = None
    travel_radius_km: float | None = None
    hourly_rate_pence: int | None = None
    weekly_capacity_hours: float | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    merchant_category_code: str | None = None


@dataclass(frozen=True)
class CheckFields:
    check_type: CheckType
    status: CheckStatus
    reference: str
    checked_on: date
    expires_on: date | None = None
    dbs_update_service: bool | None = None
    cqc_rating: CqcRating | None = None


@dataclass
class ProviderFilter:
    kind: ProviderKind | None = None
    status: ProviderStatus | None = None
    accredited: bool | None = None
    council_id: int | None = None
    service_code: str | None = None
    postcode_district: str | None = None
    ids: list[int] = field(default_factory=list)


# --- who sees and who edits -------------------------------------------------------------------


def can_edit(actor: Actor | None, provider: Provider) -> bool:
    """Who changes a listing is who sees its check records (`access.may_see_checks`)."""
    return may_see_checks(actor, provider)


async def _editable_provider(
    session: AsyncSession, actor: Actor, provider_id: int, now: datetime
) -> Provider:
    provider = await session.get(Provider, provider_id, with_for_update=True)
    if provider is None or not await _is_visible(session, actor, provider_id, london_date(now)):
        raise NotFound("No listing with this ID.", field="id")
    if not can_edit(actor, provider):
        raise PermissionDenied("You can only change your own listing.", field="id")
    return provider


async def _is_visible(session: AsyncSession, actor: Actor | None, provider_id: int, today: date) -> bool:
    query = select(Provider.id).where(Provider.id == provider_id, visible_clause(actor, today))
    return (await session.execute(query)).first() is not None


# --- validation -------------------------------------------------------------------------------


def _clean_list(values: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        cleaned = " ".join(value.split())
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return list(seen.values())


async def _apply_fields(
    session: AsyncSession, provider: Provider, fields: ListingFields, problems: Problems, *, today: date
) -> list[str] | None:
    """Validates every given field onto `provider` (a rate against the wage in force `today`);
    returns the new service codes if given."""
    if fields.name is not None:
        name = " ".join(fields.name.split())
        low, high = rules.NAME_LENGTH
        if not low <= len(name) <= high:
            problems.add("input.name", f"Name must be {low} to {high} characters.", ErrorCode.OUT_OF_RANGE)
        provider.name = name
    if fields.bio is not None:
        if len(fields.bio) > rules.BIO_MAX:
            problems.add("input.bio", f"Bio must be at most {rules.BIO_MAX} characters.", ErrorCode.TOO_LONG)
        provider.bio = fields.bio.strip()
    services: list[str] | None = None
    if fields.services is not None:
        services = list(dict.fromkeys(fields.services))
        if len(services) > rules.MAX_SERVICES:
            problems.add("input.services", f"At most {rules.MAX_SERVICES} services.", ErrorCode.OUT_OF_RANGE)
        known = all_services()
        for index, code in enumerate(services):
            if code not in known:
                problems.add(
                    f"input.services.{index}", f"Unknown service code '{code[:40]}'.", ErrorCode.UNKNOWN_CODE
                )
    if fields.skills is not None:
        skills = _clean_list(fields.skills)
        if len(skills) > rules.MAX_SKILLS:
            problems.add("input.skills", f"At most {rules.MAX_SKILLS} skills.", ErrorCode.OUT_OF_RANGE)
        for index, skill in enumerate(skills):
            if len(skill) > rules.SKILL_MAX:
                problems.add(
                    f"input.skills.{index}",
                    f"Each skill is at most {rules.SKILL_MAX} characters.",
                    ErrorCode.TOO_LONG,
                )
        provider.skills = skills
    if fields.languages is not None:
        languages = list(dict.fromkeys(code.strip().lower() for code in fields.languages))
        if len(languages) > rules.MAX_LANGUAGES:
            problems.add(
                "input.languages", f"At most {rules.MAX_LANGUAGES} languages.", ErrorCode.OUT_OF_RANGE
            )
        for index, code in enumerate(languages):
            if code not in LANGUAGES:
                problems.add(
                    f"input.languages.{index}",
                    f"Unknown language code '{code[:12]}'.",
                    ErrorCode.UNKNOWN_CODE,
                )
        provider.languages = languages
    if fields.gender is not None:
        if provider.kind is not ProviderKind.PA:
            problems.add("input.gender", "Only personal assistants list a gender.")
        provider.gender = fields.gender
    if fields.base_postcode is not None:
        try:
            postcode, district = await resolve_postcode(
                session, fields.base_postcode, field="input.basePostcode"
            )
        except InvalidInput as error:
            problems.errors.extend(error.errors)
        else:
            provider.base_postcode = str(postcode)
            provider.postcode_district = district.code
            provider.latitude = district.latitude
            provider.longitude = district.longitude
    if fields.travel_radius_km is not None:
        if not 0 < fields.travel_radius_km <= rules.MAX_TRAVEL_RADIUS_KM:
            problems.add(
                "input.travelRadiusKm",
                f"Travel radius must be more than 0 and at most {rules.MAX_TRAVEL_RADIUS_KM:g} km.",
                ErrorCode.OUT_OF_RANGE,
            )
        provider.travel_radius_km = fields.travel_radius_km
    if fields.hourly_rate_pence is not None:
        rate = fields.hourly_rate_pence
        floor = rules.national_living_wage_pence(today)
        if rate < floor:
            problems.add(
                "input.hourlyRatePence",
                f"Hourly rate cannot be below the National Living Wage (£{floor / 100:.2f}).",
                ErrorCode.OUT_OF_RANGE,
            )
        elif rate > rules.MAX_HOURLY_RATE_PENCE:
            problems.add(
                "input.hourlyRatePence",
                f"Hourly rate above £{rules.MAX_HOURLY_RATE_PENCE / 100:.0f} is not "
                "accepted; rates are in pence.",
                ErrorCode.OUT_OF_RANGE,
            )
        provider.hourly_rate_pence = rate
    if fields.weekly_capacity_hours is not None:
        most = rules.MAX_WEEKLY_HOURS[provider.kind]
        if not 0 <= fields.weekly_capacity_hours <= most:
            problems.add(
                "input.weeklyCapacityHours",
                f"Weekly capacity must be between 0 and {most:g} hours.",
                ErrorCode.OUT_OF_RANGE,
            )
        provider.weekly_capacity_hours = fields.weekly_capacity_hours
    if fields.contact_email is not None:
        email = fields.contact_email.strip()
        if email and (len(email) > 254 or not _EMAIL.match(email)):
            problems.add("input.contactEmail", "Enter a valid email address.")
        provider.contact_email = email or None
    if fields.contact_phone is not None:
        phone = fields.contact_phone.strip()
        if phone and not _PHONE.match(phone):
            problems.add("input.contactPhone", "Enter a UK phone number of 10 or 11 digits.")
        provider.contact_phone = phone or None
    if fields.merchant_category_code is not None:
        code = fields.merchant_category_code.strip()
        if code and not _MCC.match(code):
            problems.add("input.merchantCategoryCode", "A merchant category code is four digits.")
        provider.merchant_category_code = code or None
    return services


async def _changed(session: AsyncSession, provider: Provider, now: datetime) -> None:
    """Every change to a listing goes through here, so the search index hears of it in the same
    transaction (the outbox) and nothing that changes a listing can forget to tell it."""
    provider.updated_at = now
    await session.flush()
    outbox.enqueue(session, [provider.id], now=now)  # type: ignore[list-item]
    await session.flush()


async def _replace_services(session: AsyncSession, provider_id: int, codes: list[str]) -> None:
    await session.execute(delete(ProviderService).where(ProviderService.provider_id == provider_id))
    session.add_all(ProviderService(provider_id=provider_id, service_code=c) for c in codes)


# --- listings ---------------------------------------------------------------------------------


async def create_provider(
    session: AsyncSession,
    *,
    actor: Actor,
    kind: ProviderKind,
    fields: ListingFields,
    council_id: int | None,
    now: datetime,
) -> Provider:
    """A new DRAFT listing. Providers create their own (one each); staff create them for their council."""
    problems = Problems()
    if actor.role is Role.PROVIDER:
        owned = await session.execute(select(Provider.id).where(Provider.owner_id == actor.user_id))
        if owned.first() is not None:
            raise Conflict(
                "You already have a listing; update it instead.", field="input", code=ErrorCode.DUPLICATE
            )
        council_id = actor.council_id
        owner_id: int | None = actor.user_id
    elif actor.is_platform_admin:
        if council_id is None:
            raise InvalidInput(
                "Choose the council this listing belongs to.",
                field="input.councilId",
                code=ErrorCode.REQUIRED,
            )
        owner_id = None
    elif actor.role in (Role.BROKER, Role.ADMIN):
        if council_id is not None and council_id != actor.council_id:
            raise PermissionDenied("You can only add listings to your own council.", field="input.councilId")
        council_id = actor.council_id
        owner_id = None
    else:
        raise PermissionDenied("Only providers and council staff create listings.", field="input")
    if council_id is None or await session.get(Council, council_id) is None:
        raise NotFound("No council with this ID.", field="input.councilId")
    if fields.name is None:
        problems.add("input.name", "A listing needs a name.", ErrorCode.REQUIRED)
    provider = Provider(
        council_id=council_id, owner_id=owner_id, kind=kind, name="", created_at=now, updated_at=now
    )
    services = await _apply_fields(session, provider, fields, problems, today=london_date(now))
    problems.raise_if_any()
    session.add(provider)
    await session.flush()
    assert provider.id is not None
    if services is not None:
        await _replace_services(session, provider.id, services)
    await _changed(session, provider, now)
    return provider


async def update_provider(
    session: AsyncSession, *, actor: Actor, provider_id: int, fields: ListingFields, now: datetime
) -> Provider:
    """Changes the fields given and leaves the rest.

    A PUBLISHED listing stays publishable (`_keep_published_complete`): an edit that empties what
    publishing requires (bio, services, languages, contact...) is refused, field by field, and
    changes nothing.
    """
    provider = await _editable_provider(session, actor, provider_id, now)
    before = await _gaps_if_published(session, provider)
    problems = Problems()
    services = await _apply_fields(session, provider, fields, problems, today=london_date(now))
    problems.raise_if_any()
    if services is not None:
        await _replace_services(session, provider_id, services)
    await _keep_published_complete(session, provider, before, lambda gap: _update_input_field(gap, fields))
    await _changed(session, provider, now)
    return provider


def _update_input_field(gap: str | None, fields: ListingFields) -> str:
    """Where a publishing gap sits in the updateProvider input: the gaps are named after the listing's
    fields, which are the input's; a missing contact points at the contact field the caller cleared."""
    if gap == "contactEmail" and fields.contact_email is None and fields.contact_phone is not None:
        return "input.contactPhone"
    return f"input.{gap}"


async def set_availability(
    session: AsyncSession,
    *,
    actor: Actor,
    provider_id: int,
    slots: Sequence[SlotFields],
    now: datetime,
) -> Provider:
    """Replaces the weekly availability in one go, so a listing is never half old, half new.

    A PUBLISHED listing keeps at least one slot (`_keep_published_complete`): no availability at all
    is refused with publishProvider's error at `input.slots`.
    """
    provider = await _editable_provider(session, actor, provider_id, now)
    before = await _gaps_if_published(session, provider)
    valid = validate_slots(slots, field="input.slots")
    await session.execute(delete(AvailabilitySlot).where(AvailabilitySlot.provider_id == provider_id))
    session.add_all(
        AvailabilitySlot(provider_id=provider_id, day=day, start_minute=start, end_minute=end)
        for day, start, end in valid
    )
    await _keep_published_complete(session, provider, before, lambda _gap: "input.slots")
    await _changed(session, provider, now)
    return provider


async def publication_gaps(session: AsyncSession, provider: Provider) -> Problems:
    """What a DP holder needs to decide, and what this listing is still missing of it."""
    problems = Problems()
    need = ErrorCode.INCOMPLETE
    if len(provider.bio) < rules.MIN_BIO_TO_PUBLISH:
        problems.add("bio", f"Write at least {rules.MIN_BIO_TO_PUBLISH} characters about yourself.", need)
    services = await session.execute(select(func.count()).where(ProviderService.provider_id == provider.id))
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
    slots = await session.execute(select(func.count()).where(AvailabilitySlot.provider_id == provider.id))
    if slots.scalar_one() == 0:
        problems.add("availability", "Add the times of the week you are available.", need)
    if not provider.contact_email and not provider.contact_phone:
        problems.add("contactEmail", "Give an email address or phone number for brokers.", need)
    return problems


async def _gaps_if_published(session: AsyncSession, provider: Provider) -> set[str | None]:
    """The publishing gaps a PUBLISHED listing already has before an edit (none, unless it was
    published under older rules); the edit is judged only on the gaps it would open."""
    if provider.status is not ProviderStatus.PUBLISHED:
        return set()
    return {gap.field for gap in (await publication_gaps(session, provider)).errors}


async def _keep_published_complete(
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
    provider = await _editable_provider(session, actor, provider_id, now)
    if provider.status is ProviderStatus.SUSPENDED and not actor.is_staff_of(provider.council_id):
        raise Conflict("This listing is suspended; the council must lift the suspension.", field="id")
    gaps = await publication_gaps(session, provider)
    gaps.raise_if_any()
    if provider.status is not ProviderStatus.PUBLISHED:
        provider.status = ProviderStatus.PUBLISHED
        provider.published_at = now
        await _changed(session, provider, now)
    return provider


async def withdraw_provider(
    session: AsyncSession, *, actor: Actor, provider_id: int, now: datetime
) -> Provider:
    """Back to DRAFT: the listing leaves public view but keeps everything."""
    provider = await _editable_provider(session, actor, provider_id, now)
    if provider.status is ProviderStatus.SUSPENDED and not actor.is_staff_of(provider.council_id):
        raise Conflict("This listing is suspended; the council must lift the suspension.", field="id")
    provider.status = ProviderStatus.DRAFT
    await _changed(session, provider, now)
    return provider


async def suspend_provider(
    session: AsyncSession, *, actor: Actor, provider_id: int, now: datetime
) -> Provider:
    """Council staff take a listing out of view (safeguarding, complaints) until they lift it."""
    provider = await _editable_provider(session, actor, provider_id, now)
    if not actor.is_staff_of(provider.council_id):
        raise PermissionDenied("Only the council's brokers and admins suspend listings.", field="id")
    provider.status = ProviderStatus.SUSPENDED
    await _changed(session, provider, now)
    return provider


async def record_accreditation(
    session: AsyncSession,
    *,
    actor: Actor,
    provider_id: int,
    check: CheckFields,
    today: date,
    now: datetime,
) -> Accreditation:
    """Council staff record the result of a check; it replaces the previous result of that check."""
    provider = await session.get(Provider, provider_id)
    if provider is None or not await _is_visible(session, actor, provider_id, today):
        raise NotFound("No listing with this ID.", field="input.providerId")
    if not actor.is_staff_of(provider.council_id):
        raise PermissionDenied("Only the listing's council records its checks.", field="input.providerId")
    problems = Problems()
    reference = check.reference.strip()
    if len(reference) > rules.REFERENCE_MAX:
        problems.add("input.reference", f"At most {rules.REFERENCE_MAX} characters.", ErrorCode.TOO_LONG)
    if check.checked_on > today:
        problems.add("input.checkedOn", "A check cannot be dated in the future.", ErrorCode.OUT_OF_RANGE)
    if check.checked_on.year < 1990:
        problems.add("input.checkedOn", "That date is too long ago.", ErrorCode.OUT_OF_RANGE)
    if check.expires_on is not None and check.expires_on <= check.checked_on:
        problems.add("input.expiresOn", "Expiry must be after the check date.", ErrorCode.OUT_OF_RANGE)
    if check.status is CheckStatus.PASSED and not reference:
        problems.add("input.reference", "A passed check needs its reference.", ErrorCode.REQUIRED)
    if check.cqc_rating is not None and check.check_type is not CheckType.CQC_REGISTRATION:
        problems.add("input.cqcRating", "A CQC rating belongs to a CQC registration check.")
    if check.dbs_update_service is not None and check.check_type is not CheckType.DBS_ENHANCED:
        problems.add("input.dbsUpdateService", "The update service applies to DBS checks only.")
    problems.raise_if_any()
    existing = (
        await session.execute(
            select(Accreditation).where(
                Accreditation.provider_id == provider_id,
                Accreditation.check_type == check.check_type,
            )
        )
    ).scalar_one_or_none()
    record = existing or Accreditation(
        provider_id=provider_id, check_type=check.check_type, status=check.status, checked_on=check.checked_on
    )
    record.status = check.status
    record.reference = reference
    record.checked_on = check.checked_on
    record.expires_on = check.expires_on
    record.dbs_update_service = check.dbs_update_service
    record.cqc_rating = check.cqc_rating
    record.recorded_by_id = actor.user_id
    record.recorded_at = now
    session.add(record)
    await _changed(session, provider, now)
    return record


# --- reading ----------------------------------------------------------------------------------


async def get_provider(
    session: AsyncSession, *, actor: Actor | None, provider_id: int, today: date
) -> Provider | None:
    """The listing, if `actor` may see it today (`access.visible_clause`)."""
    query = select(Provider).where(Provider.id == provider_id, visible_clause(actor, today))
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
    query = select(Provider).where(Provider.id.in_(ids), visible_clause(actor, today))
    if accredited_only:
        query = query.where(accredited_clause(today))
    rows = await session.execute(query)
    return {p.id: p for p in rows.scalars() if p.id is not None}


def _filtered(actor: Actor | None, filters: ProviderFilter, today: date):
    query = select(Provider).where(visible_clause(actor, today))
    if filters.kind is not None:
        query = query.where(Provider.kind == filters.kind)
    if filters.status is not None:
        query = query.where(Provider.status == filters.status)
    if filters.council_id is not None:
        query = query.where(Provider.council_id == filters.council_id)
    if filters.postcode_district is not None:
        query = query.where(Provider.postcode_district == filters.postcode_district)
    if filters.service_code is not None:
        query = query.where(
            select(ProviderService.provider_id)
            .where(
                ProviderService.provider_id == Provider.id,
                ProviderService.service_code == filters.service_code,
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
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(Provider.name, Provider.id).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def owned_listing(session: AsyncSession, *, owner_id: int) -> Provider | None:
    """The listing a PROVIDER user signs in for (the oldest, should there be more than one)."""
    rows = await session.execute(
        select(Provider).where(Provider.owner_id == owner_id).order_by(Provider.id).limit(1)  # type: ignore[arg-type]
    )
    return rows.scalar_one_or_none()
