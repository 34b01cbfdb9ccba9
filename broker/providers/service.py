"""Use cases for provider listings: create, edit, availability, publish, suspend, accredit, browse.

Who may do what: a PROVIDER user keeps one listing of their own; brokers and admins act on the
listings of their own council; nobody else writes. Drafts are seen only by those who may edit them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Council, Role
from broker.api.clock import london_date
from broker.errors import (
    Conflict,
    ErrorCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Problems,
)
from broker.geography.service import resolve_postcode
from broker.providers import rules
from broker.providers.editing import editable_provider, mark_changed
from broker.providers.models import (
    AvailabilitySlot,
    Gender,
    Provider,
    ProviderKind,
    ProviderService,
)
from broker.providers.publication import gaps_if_published, keep_published_complete
from broker.schedule import SlotFields, validate_slots
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import check_services

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
            problems.add("name", f"Name must be {low} to {high} characters.", ErrorCode.OUT_OF_RANGE)
        provider.name = name
    if fields.bio is not None:
        if len(fields.bio) > rules.BIO_MAX:
            problems.add("bio", f"Bio must be at most {rules.BIO_MAX} characters.", ErrorCode.TOO_LONG)
        provider.bio = fields.bio.strip()
    services: list[str] | None = None
    if fields.services is not None:
        services = list(dict.fromkeys(fields.services))
        if len(services) > rules.MAX_SERVICES:
            problems.add("services", f"At most {rules.MAX_SERVICES} services.", ErrorCode.OUT_OF_RANGE)
        check_services(problems, "services", services)
    if fields.skills is not None:
        skills = _clean_list(fields.skills)
        if len(skills) > rules.MAX_SKILLS:
            problems.add("skills", f"At most {rules.MAX_SKILLS} skills.", ErrorCode.OUT_OF_RANGE)
        for index, skill in enumerate(skills):
            if len(skill) > rules.SKILL_MAX:
                problems.add(
                    f"skills.{index}",
                    f"Each skill is at most {rules.SKILL_MAX} characters.",
                    ErrorCode.TOO_LONG,
                )
        provider.skills = skills
    if fields.languages is not None:
        languages = list(dict.fromkeys(code.strip().lower() for code in fields.languages))
        if len(languages) > rules.MAX_LANGUAGES:
            problems.add("languages", f"At most {rules.MAX_LANGUAGES} languages.", ErrorCode.OUT_OF_RANGE)
        for index, code in enumerate(languages):
            if code not in LANGUAGES:
                problems.add(
                    f"languages.{index}",
                    f"Unknown language code '{code[:12]}'.",
                    ErrorCode.UNKNOWN_CODE,
                )
        provider.languages = languages
    if fields.gender is not None:
        if provider.kind is not ProviderKind.PA:
            problems.add("gender", "Only personal assistants list a gender.")
        provider.gender = fields.gender
    if fields.base_postcode is not None:
        try:
            postcode, district = await resolve_postcode(session, fields.base_postcode, field="base_postcode")
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
                "travel_radius_km",
                f"Travel radius must be more than 0 and at most {rules.MAX_TRAVEL_RADIUS_KM:g} km.",
                ErrorCode.OUT_OF_RANGE,
            )
        provider.travel_radius_km = fields.travel_radius_km
    if fields.hourly_rate_pence is not None:
        rate = fields.hourly_rate_pence
        floor = rules.national_living_wage_pence(today)
        if rate < floor:
            problems.add(
                "hourly_rate_pence",
                f"Hourly rate cannot be below the National Living Wage (£{floor / 100:.2f}).",
                ErrorCode.OUT_OF_RANGE,
            )
        elif rate > rules.MAX_HOURLY_RATE_PENCE:
            problems.add(
                "hourly_rate_pence",
                f"Hourly rate above £{rules.MAX_HOURLY_RATE_PENCE / 100:.0f} is not "
                "accepted; rates are in pence.",
                ErrorCode.OUT_OF_RANGE,
            )
        provider.hourly_rate_pence = rate
    if fields.weekly_capacity_hours is not None:
        most = rules.MAX_WEEKLY_HOURS[provider.kind]
        if not 0 <= fields.weekly_capacity_hours <= most:
            problems.add(
                "weekly_capacity_hours",
                f"Weekly capacity must be between 0 and {most:g} hours.",
                ErrorCode.OUT_OF_RANGE,
            )
        provider.weekly_capacity_hours = fields.weekly_capacity_hours
    if fields.contact_email is not None:
        email = fields.contact_email.strip()
        if email and (len(email) > 254 or not _EMAIL.match(email)):
            problems.add("contact_email", "Enter a valid email address.")
        provider.contact_email = email or None
    if fields.contact_phone is not None:
        phone = fields.contact_phone.strip()
        if phone and not _PHONE.match(phone):
            problems.add("contact_phone", "Enter a UK phone number of 10 or 11 digits.")
        provider.contact_phone = phone or None
    if fields.merchant_category_code is not None:
        code = fields.merchant_category_code.strip()
        if code and not _MCC.match(code):
            problems.add("merchant_category_code", "A merchant category code is four digits.")
        provider.merchant_category_code = code or None
    return services


async def _replace_services(session: AsyncSession, provider_id: int, codes: list[str]) -> None:
    await session.execute(delete(ProviderService).where(col(ProviderService.provider_id) == provider_id))
    session.add_all(ProviderService(provider_id=provider_id, service_code=c) for c in codes)


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
        owned = await session.execute(select(col(Provider.id)).where(col(Provider.owner_id) == actor.user_id))
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
                field="council_id",
                code=ErrorCode.REQUIRED,
            )
        owner_id = None
    elif actor.role in (Role.BROKER, Role.ADMIN):
        if council_id is not None and council_id != actor.council_id:
            raise PermissionDenied("You can only add listings to your own council.", field="council_id")
        council_id = actor.council_id
        owner_id = None
    else:
        raise PermissionDenied("Only providers and council staff create listings.", field="input")
    if council_id is None or await session.get(Council, council_id) is None:
        raise NotFound("No council with this ID.", field="council_id")
    if fields.name is None:
        problems.add("name", "A listing needs a name.", ErrorCode.REQUIRED)
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
    await mark_changed(session, provider, now)
    return provider


async def update_provider(
    session: AsyncSession, *, actor: Actor, provider_id: int, fields: ListingFields, now: datetime
) -> Provider:
    """Changes the fields given and leaves the rest.

    A PUBLISHED listing stays publishable (`keep_published_complete`): an edit that empties what
    publishing requires (bio, services, languages, contact...) is refused, field by field, and
    changes nothing.
    """
    provider = await editable_provider(session, actor, provider_id, now)
    before = await gaps_if_published(session, provider)
    problems = Problems()
    services = await _apply_fields(session, provider, fields, problems, today=london_date(now))
    problems.raise_if_any()
    if services is not None:
        await _replace_services(session, provider_id, services)
    await keep_published_complete(session, provider, before, lambda gap: _update_input_field(gap, fields))
    await mark_changed(session, provider, now)
    return provider


def _update_input_field(gap: str | None, fields: ListingFields) -> str:
    """Where a publishing gap sits in the updateProvider input: the gaps are named after the listing's
    fields, which are the input's; a missing contact points at the contact field the caller cleared."""
    if gap == "contactEmail" and fields.contact_email is None and fields.contact_phone is not None:
        return "contact_phone"
    return f"{gap}"


async def set_availability(
    session: AsyncSession,
    *,
    actor: Actor,
    provider_id: int,
    slots: Sequence[SlotFields],
    now: datetime,
) -> Provider:
    """Replaces the weekly availability in one go, so a listing is never half old, half new.

    A PUBLISHED listing keeps at least one slot (`keep_published_complete`): no availability at all
    is refused with publishProvider's error at `input.slots`.
    """
    provider = await editable_provider(session, actor, provider_id, now)
    before = await gaps_if_published(session, provider)
    valid = validate_slots(slots, field="slots")
    await session.execute(delete(AvailabilitySlot).where(col(AvailabilitySlot.provider_id) == provider_id))
    session.add_all(
        AvailabilitySlot(provider_id=provider_id, day=day, start_minute=start, end_minute=end)
        for day, start, end in valid
    )
    await keep_published_complete(session, provider, before, lambda _gap: "slots")
    await mark_changed(session, provider, now)
    return provider


# What callers of this module used before it was split by entity (issue 10).
from broker.providers.check_records import CheckFields, record_accreditation  # noqa: E402
from broker.providers.editing import can_edit  # noqa: E402
from broker.providers.publication import (  # noqa: E402
    publication_gaps,
    publish_provider,
    suspend_provider,
    withdraw_provider,
)
from broker.providers.reading import (  # noqa: E402
    ProviderFilter,
    get_provider,
    list_providers,
    owned_listing,
    visible_providers,
)

__all__ = [
    "CheckFields",
    "ListingFields",
    "ProviderFilter",
    "can_edit",
    "create_provider",
    "get_provider",
    "list_providers",
    "owned_listing",
    "publication_gaps",
    "publish_provider",
    "record_accreditation",
    "set_availability",
    "suspend_provider",
    "update_provider",
    "visible_providers",
    "withdraw_provider",
]
