"""Named demo records that make the README's examples and the journeys work on a fresh `make run`.

- two accredited PAs near LS8 with sign-ins of their own: Amrit Kaur, a Punjabi-speaking dementia
  carer (the README's search example) and Jo Bloggs in LS8 (its browse example);
- two DP support organisations: a lead provider under a lead contract with the council, and a
  payroll bureau it subcontracts to, so DP support can be tried;
- a representative who acts with the demo holder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.models import Council, Role, User
from broker.accounts.service import create_user
from broker.db import utcnow
from broker.geography.models import PostcodeDistrict
from broker.holders.models import DPHolder, HolderRepresentative
from broker.providers.accreditation import REQUIRED_CHECKS
from broker.providers.models import (
    Accreditation,
    AvailabilitySlot,
    CheckStatus,
    Gender,
    Provider,
    ProviderKind,
    ProviderService,
    ProviderStatus,
    Weekday,
)
from broker.support.models import LeadContract, Subcontract, SubcontractStatus
from search import outbox


@dataclass(frozen=True)
class Showcase:
    email: str
    name: str
    kind: ProviderKind
    district: str
    services: tuple[str, ...]
    languages: tuple[str, ...]
    bio: str
    rate_pence: int
    gender: Gender | None = None


SHOWCASE = (
    Showcase(
        "amrit.kaur@pa.example",
        "Amrit Kaur",
        ProviderKind.PA,
        "LS8",
        ("DEMENTIA", "PERSONAL_CARE", "COMPANIONSHIP"),
        ("pa", "en", "ur"),
        "Dementia carer for nine years. I speak Punjabi, Urdu and English, and I cook Punjabi food.",
        1495,
        Gender.FEMALE,
    ),
    Showcase(
        "jo.bloggs@pa.example",
        "Jo Bloggs",
        ProviderKind.PA,
        "LS8",
        ("PERSONAL_CARE", "COMMUNITY_ACCESS", "DOMESTIC_HELP"),
        ("en",),
        "Personal care and getting out and about in Roundhay and Harehills; hoist trained.",
        1450,
        Gender.FEMALE,
    ),
    Showcase(
        "lead@dpsupport.example",
        "Leeds Direct Payment Support",
        ProviderKind.SUPPORT_ORG,
        "LS2",
        ("DP_SUPPORT_SERVICE", "PAYROLL", "MANAGED_ACCOUNT", "DP_AUDIT"),
        ("en",),
        "The council's lead provider for direct payment support: setting up, payroll, managed accounts.",
        0,
    ),
    Showcase(
        "payroll@bureau.example",
        "Aire Payroll Bureau",
        ProviderKind.SUPPORT_ORG,
        "LS11",
        ("PAYROLL",),
        ("en",),
        "Payroll for people who employ personal assistants: payslips, PAYE, pensions.",
        0,
    ),
)
REPRESENTATIVE_EMAIL = "representative@leeds.example"


async def _listing(
    session: AsyncSession, council: Council, item: Showcase, owner: User, today: date
) -> Provider:
    place = await session.get(PostcodeDistrict, item.district)
    assert place is not None, item.district
    assert council.id is not None
    provider = Provider(
        council_id=council.id,
        owner_id=owner.id,
        kind=item.kind,
        status=ProviderStatus.PUBLISHED,
        name=item.name,
        bio=item.bio,
        gender=item.gender,
        skills=["Hoist trained", "Cooking"] if item.kind is ProviderKind.PA else [],
        languages=list(item.languages),
        base_postcode=f"{item.district} 1AA",
        postcode_district=item.district,
        latitude=place.latitude,
        longitude=place.longitude,
        travel_radius_km=10.0 if item.kind is ProviderKind.PA else 50.0,
        hourly_rate_pence=item.rate_pence or None,
        weekly_capacity_hours=25.0 if item.kind is ProviderKind.PA else None,
        contact_email=item.email,
        contact_phone="0113 496 0100",
        published_at=utcnow(),
    )
    session.add(provider)
    await session.flush()
    assert provider.id is not None
    session.add_all(ProviderService(provider_id=provider.id, service_code=code) for code in item.services)
    if item.kind is ProviderKind.PA:
        session.add_all(
            AvailabilitySlot(
                provider_id=provider.id, day=Weekday(day), start_minute=7 * 60, end_minute=19 * 60
            )
            for day in range(6)
        )
    for check in REQUIRED_CHECKS[item.kind]:
        session.add(
            Accreditation(
                provider_id=provider.id,
                check_type=check,
                status=CheckStatus.PASSED,
                reference=f"DEMO-{check.value[:6]}-{provider.id}",
                checked_on=today - timedelta(days=90),
                expires_on=today + timedelta(days=600),
            )
        )
    outbox.enqueue(session, [provider.id], now=utcnow())
    return provider


async def seed_showcase(session: AsyncSession, *, council: Council, password: str, today: date) -> None:
    listings = {}
    for item in SHOWCASE:
        owner = await create_user(
            session,
            email=item.email,
            password=password,
            role=Role.PROVIDER,
            council=council,
            full_name=item.name,
        )
        listings[item.email] = await _listing(session, council, item, owner, today)
    lead, bureau = listings["lead@dpsupport.example"], listings["payroll@bureau.example"]
    start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    assert council.id is not None and lead.id is not None
    contract = LeadContract(
        council_id=council.id,
        provider_id=lead.id,
        services=["DP_SUPPORT_SERVICE", "PAYROLL", "MANAGED_ACCOUNT", "DP_AUDIT"],
        start_date=start,
        end_date=date(start.year + 3, 3, 31),
        annual_value_pence=25_000_000,
    )
    session.add(contract)
    await session.flush()
    now = utcnow()
    assert contract.id is not None and council.id is not None and bureau.id is not None
    session.add(
        Subcontract(
            lead_contract_id=contract.id,
            council_id=council.id,
            subcontractor_id=bureau.id,
            services=["PAYROLL"],
            start_date=start,
            end_date=contract.end_date,
            status=SubcontractStatus.ACTIVE,
            lead_accepted_at=now,
            subcontractor_accepted_at=now,
            proposed_at=now,
            decided_at=now,
        )
    )
    await session.flush()


async def seed_representative(
    session: AsyncSession, *, council: Council, holder_user: User, password: str
) -> User:
    """A family member who acts with the demo holder."""
    representative = await create_user(
        session,
        email=REPRESENTATIVE_EMAIL,
        password=password,
        role=Role.REPRESENTATIVE,
        council=council,
        full_name="Demo Representative",
    )
    holder = (
        await session.execute(select(DPHolder).where(col(DPHolder.user_id) == holder_user.id))
    ).scalar_one()
    assert holder.id is not None and representative.id is not None
    session.add(HolderRepresentative(holder_id=holder.id, user_id=representative.id))
    await session.flush()
    return representative
