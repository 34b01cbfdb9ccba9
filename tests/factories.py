"""One factory per model: builds the "given" of a test straight in the database."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from functools import cache

from sqlalchemy import select

from broker.accounts.models import Council, Role, User
from broker.accounts.passwords import hash_password
from broker.db import Database
from broker.geography.models import PostcodeDistrict
from broker.providers.accreditation import REQUIRED_CHECKS
from broker.providers.models import (
    Accreditation,
    AvailabilitySlot,
    CheckStatus,
    CheckType,
    Gender,
    Provider,
    ProviderKind,
    ProviderService,
    ProviderStatus,
)
from search import outbox

PASSWORD = "correct horse battery staple"
GIVEN_AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # an hour before the tests' clock
_sequence = itertools.count(1)


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


async def make_council(db: Database, name: str | None = None) -> Council:
    async with db.transaction() as session:
        council = Council(name=name or f"Council {next(_sequence)}")
        session.add(council)
    return council


async def make_user(db: Database, role: Role, council: Council | None, *, email: str | None = None) -> User:
    async with db.transaction() as session:
        user = User(
            email=email or f"{role.value.lower()}{next(_sequence)}@example.org",
            full_name=f"Test {role.value.title()}",
            password_hash=_password_hash(),
            role=role,
            council_id=council.id if council else None,
        )
        session.add(user)
    return user


async def make_provider(
    db: Database,
    council: Council,
    *,
    owner: User | None = None,
    kind: ProviderKind = ProviderKind.PA,
    status: ProviderStatus = ProviderStatus.PUBLISHED,
    name: str | None = None,
    district: str = "LS8",
    services: tuple[str, ...] = ("PERSONAL_CARE", "DEMENTIA"),
    languages: tuple[str, ...] = ("en", "pa"),
    hourly_rate_pence: int = 1450,
    accredited_until: date | None = date(2027, 6, 30),
    slots: tuple[tuple[int, int, int], ...] = ((0, 9 * 60, 17 * 60), (2, 9 * 60, 17 * 60)),
    contact_email: str = "jo@example.org",
    travel_radius_km: float = 10.0,
    bio: str = "Twelve years supporting people at home, including people living with dementia.",
) -> Provider:
    """A complete listing; `accredited_until=None` gives it no checks at all."""
    async with db.transaction() as session:
        place = await session.get(PostcodeDistrict, district)
        assert place is not None, district
        provider = Provider(
            council_id=council.id,  # type: ignore[arg-type]
            owner_id=owner.id if owner else None,
            kind=kind,
            status=status,
            name=name or f"Provider {next(_sequence)}",
            bio=bio,
            gender=Gender.FEMALE if kind is ProviderKind.PA else None,
            skills=["Hoist trained", "Cooking"],
            languages=list(languages),
            base_postcode=f"{district} 1AB",
            postcode_district=district,
            latitude=place.latitude,
            longitude=place.longitude,
            travel_radius_km=travel_radius_km,
            hourly_rate_pence=hourly_rate_pence,
            weekly_capacity_hours=20.0,
            contact_email=contact_email,
            contact_phone="0113 496 0000",
        )
        session.add(provider)
        await session.flush()
        session.add_all(ProviderService(provider_id=provider.id, service_code=c) for c in services)
        session.add_all(
            AvailabilitySlot(provider_id=provider.id, day=d, start_minute=s, end_minute=e)
            for d, s, e in slots
        )
        if accredited_until is not None:
            for check in REQUIRED_CHECKS[kind]:
                session.add(make_check(provider, check, expires_on=accredited_until))
        outbox.enqueue(session, [provider.id], now=GIVEN_AT)
    return provider


def make_check(
    provider: Provider, check: CheckType, *, expires_on: date | None, status: CheckStatus = CheckStatus.PASSED
) -> Accreditation:
    return Accreditation(
        provider_id=provider.id,  # type: ignore[arg-type]
        check_type=check,
        status=status,
        reference=f"REF-{check.value[:6]}-{provider.id}",
        checked_on=(expires_on or date(2027, 1, 1)) - timedelta(days=365),
        expires_on=expires_on,
    )


async def reload(db: Database, model: type, key: object) -> object:
    async with db.session() as session:
        return await session.get(model, key)


async def count(db: Database, model: type) -> int:
    async with db.session() as session:
        return len((await session.execute(select(model))).scalars().all())
