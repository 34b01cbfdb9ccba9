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
from broker.market import demand
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
from broker.timebands import need_band_rows
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


async def adjust_provider(db: Database, provider: Provider, **changes: object) -> Provider:
    """Changes columns of a listing made by `make_provider` (gender, skills, capacity, radius...)."""
    from broker.providers.models import Provider as ProviderTable

    async with db.transaction() as session:
        row = await session.get(ProviderTable, provider.id)
        assert row is not None
        for name, value in changes.items():
            setattr(row, name, value)
    return row


async def make_holder(
    db: Database,
    council: Council,
    *,
    user: User | None = None,
    weekly_budget_pence: int = 30_000,
    district: str = "LS8",
    representatives: tuple[User, ...] = (),
):
    """A DP holder's profile (and their DP_HOLDER sign-in unless `user` is given)."""
    from broker.holders.models import DPHolder, DPHolding, HolderRepresentative

    user = user or await make_user(db, Role.DP_HOLDER, council)
    async with db.transaction() as session:
        place = await session.get(PostcodeDistrict, district)
        assert place is not None, district
        holder = DPHolder(
            user_id=user.id,  # type: ignore[arg-type]
            council_id=council.id,  # type: ignore[arg-type]
            weekly_budget_pence=weekly_budget_pence,
            held_as=DPHolding.BANK_ACCOUNT,
            home_postcode=f"{district} 2CD",
            postcode_district=district,
            latitude=place.latitude,
            longitude=place.longitude,
            created_at=GIVEN_AT,
            updated_at=GIVEN_AT,
        )
        session.add(holder)
        await session.flush()
        session.add_all(HolderRepresentative(holder_id=holder.id, user_id=r.id) for r in representatives)  # type: ignore[arg-type]
    return holder


async def make_plan(
    db: Database,
    holder,
    *,
    needs: tuple[tuple[str, float, int, tuple[tuple[int, int, int], ...]], ...] = (
        ("PERSONAL_CARE", 10.0, 1500, ((0, 9 * 60, 14 * 60), (2, 9 * 60, 14 * 60))),
    ),
    preferences: tuple[tuple[str, str, str], ...] = (),
    district: str | None = None,
    status: str = "ACTIVE",
    created_at: datetime = GIVEN_AT,
):
    """A plan for `holder`: needs as (service, hours, budgeted rate, slots), preferences as
    (kind, value, strength)."""
    from broker.plans.models import (
        NeedBand,
        NeedSlot,
        PlanNeed,
        PlanPreference,
        PlanStatus,
        PreferenceKind,
        Strength,
        SupportPlan,
    )

    async with db.transaction() as session:
        place = await session.get(PostcodeDistrict, district or holder.postcode_district)
        assert place is not None
        plan = SupportPlan(
            council_id=holder.council_id,
            holder_id=holder.id,
            status=PlanStatus(status),
            outcomes="Stay at home safely; get to the mosque on Fridays.",
            postcode=f"{place.code} 2CD",
            postcode_district=place.code,
            latitude=place.latitude,
            longitude=place.longitude,
            start_date=date(2026, 12, 7),
            created_at=created_at,
            updated_at=created_at,
        )
        session.add(plan)
        await session.flush()
        for position, (code, hours, rate, slots) in enumerate(needs):
            need = PlanNeed(
                plan_id=plan.id,  # type: ignore[arg-type]
                position=position,
                service_code=code,
                hours_per_week=hours,
                budgeted_rate_pence=rate,
            )
            session.add(need)
            await session.flush()
            session.add_all(
                NeedSlot(need_id=need.id, day=d, start_minute=s, end_minute=e) for d, s, e in slots
            )  # type: ignore[arg-type]
            session.add_all(  # as saving a plan stores them
                NeedBand(need_id=need.id, band=band, minutes=minutes, total_minutes=total)  # type: ignore[arg-type]
                for band, minutes, total in need_band_rows(list(slots))
            )
        session.add_all(
            PlanPreference(
                plan_id=plan.id,  # type: ignore[arg-type]
                position=i,
                kind=PreferenceKind(kind),
                value=value,
                strength=Strength(strength),
            )
            for i, (kind, value, strength) in enumerate(preferences)
        )
        await demand.refresh_plans(session, [plan.id])  # as saving a plan does
    return plan


DP_SUPPORT = ("DP_SUPPORT_SERVICE", "PAYROLL", "MANAGED_ACCOUNT", "DP_AUDIT")


async def make_support_org(
    db: Database, council: Council, *, owner: User | None = None, name: str | None = None, **listing
) -> Provider:
    """A published, accredited DP support organisation offering the DP support services."""
    return await make_provider(
        db,
        council,
        owner=owner,
        kind=ProviderKind.SUPPORT_ORG,
        name=name,
        services=listing.pop("services", DP_SUPPORT),
        bio=listing.pop(
            "bio", "We help people set up and run their direct payments: payroll, accounts, audit."
        ),
        **listing,
    )


async def make_lead_contract(
    db: Database,
    council: Council,
    lead: Provider,
    *,
    services: tuple[str, ...] = DP_SUPPORT,
    start_date: date = date(2026, 4, 1),
    end_date: date = date(2028, 3, 31),
    annual_value_pence: int = 25_000_000,
):
    from broker.support.models import LeadContract

    async with db.transaction() as session:
        contract = LeadContract(
            council_id=council.id,  # type: ignore[arg-type]
            provider_id=lead.id,  # type: ignore[arg-type]
            services=list(services),
            start_date=start_date,
            end_date=end_date,
            annual_value_pence=annual_value_pence,
            created_at=GIVEN_AT,
        )
        session.add(contract)
    return contract


async def make_subcontract(
    db: Database,
    contract,
    subcontractor: Provider,
    *,
    services: tuple[str, ...] = ("PAYROLL",),
    status: str = "ACTIVE",
    start_date: date | None = None,
    end_date: date | None = None,
):
    """A subcontract of `contract`; ACTIVE ones are accepted by both organisations."""
    from broker.support.models import Subcontract, SubcontractStatus

    accepted = GIVEN_AT if status in ("ACTIVE", "ENDED") else None
    async with db.transaction() as session:
        subcontract = Subcontract(
            lead_contract_id=contract.id,
            council_id=contract.council_id,
            subcontractor_id=subcontractor.id,  # type: ignore[arg-type]
            services=list(services),
            start_date=start_date or contract.start_date,
            end_date=end_date or contract.end_date,
            status=SubcontractStatus(status),
            lead_accepted_at=accepted,
            subcontractor_accepted_at=accepted,
            proposed_at=GIVEN_AT,
            decided_at=accepted,
        )
        session.add(subcontract)
    return subcontract


async def make_referral(
    db: Database,
    holder,
    contract,
    provider: Provider,
    *,
    services: tuple[str, ...] = ("PAYROLL",),
    status: str = "SENT",
    subcontract=None,
    created_at: datetime = GIVEN_AT,
    waited: timedelta = timedelta(0),
):
    """A referral as `chooseSupportProvider` leaves it; `waited` is how long it took to be sent."""
    from broker.support.models import ReferralRoute, ReferralStatus, SupportReferral

    status_ = ReferralStatus(status)
    sent = status_ in (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.DECLINED)
    async with db.transaction() as session:
        referral = SupportReferral(
            council_id=holder.council_id,
            holder_id=holder.id,
            provider_id=provider.id,  # type: ignore[arg-type]
            lead_provider_id=contract.provider_id,
            services=list(services),
            route=ReferralRoute.DIRECT if provider.id == contract.provider_id else ReferralRoute.SUBCONTRACT,
            status=status_,
            lead_contract_id=contract.id,
            subcontract_id=subcontract.id if subcontract else None,
            created_at=created_at,
            sent_at=created_at + waited if sent else None,
        )
        session.add(referral)
    return referral


async def make_agreement(
    db: Database,
    plan,
    provider: Provider,
    *,
    created_by: User,
    status: str = "ACTIVE",
    hours_per_week: float = 10.0,
    hourly_rate_pence: int = 1450,
    slots: tuple[tuple[int, int, int], ...] = ((0, 9 * 60, 14 * 60), (2, 9 * 60, 14 * 60)),
    start_date: date = date(2026, 4, 6),
    end_date: date | None = None,
    enqueue: bool = True,
):
    """An agreement for all of `plan`'s needs with `provider`, straight in the database."""
    from broker.agreements.models import (
        Agreement,
        AgreementBand,
        AgreementNeed,
        AgreementSlot,
        AgreementStatus,
        AgreementTransition,
    )
    from broker.plans.models import PlanNeed

    async with db.transaction() as session:
        agreement = Agreement(
            council_id=plan.council_id,
            holder_id=plan.holder_id,
            plan_id=plan.id,
            provider_id=provider.id,  # type: ignore[arg-type]
            status=AgreementStatus(status),
            hours_per_week=hours_per_week,
            hourly_rate_pence=hourly_rate_pence,
            start_date=start_date,
            end_date=end_date,
            created_by_id=created_by.id,  # type: ignore[arg-type]
            created_at=GIVEN_AT,
            updated_at=GIVEN_AT,
        )
        session.add(agreement)
        await session.flush()
        needs = (await session.execute(select(PlanNeed).where(PlanNeed.plan_id == plan.id))).scalars().all()
        session.add_all(
            AgreementNeed(
                agreement_id=agreement.id,  # type: ignore[arg-type]
                need_id=n.id,
                service_code=n.service_code,
                hours_per_week=n.hours_per_week,
                budgeted_rate_pence=n.budgeted_rate_pence,
            )
            for n in needs
        )
        session.add_all(
            AgreementSlot(agreement_id=agreement.id, day=d, start_minute=s, end_minute=e)  # type: ignore[arg-type]
            for d, s, e in slots
        )
        session.add_all(  # as creating an agreement stores them
            AgreementBand(agreement_id=agreement.id, band=band, minutes=minutes, total_minutes=total)  # type: ignore[arg-type]
            for band, minutes, total in need_band_rows(list(slots))
        )
        session.add(
            AgreementTransition(
                agreement_id=agreement.id,  # type: ignore[arg-type]
                to_status=AgreementStatus(status),
                by_id=created_by.id,  # type: ignore[arg-type]
                at=GIVEN_AT,
            )
        )
        if enqueue:
            outbox.enqueue(session, [provider.id], now=GIVEN_AT)  # type: ignore[list-item]
        await demand.refresh_plans(session, [plan.id])  # as proposing an agreement does
    return agreement


async def make_payment(
    db: Database,
    agreement,
    *,
    period_start: date,
    days: int = 7,
    hours: float = 10.0,
    amount_pence: int | None = None,
    method: str = "BANK_TRANSFER",
    status: str = "SUCCEEDED",
    refunded_pence: int = 0,
    key: str | None = None,
):
    """A payment under `agreement` for `days` days from `period_start`, straight in the database."""
    from broker.payments.models import Payment, PaymentMethod, PaymentStatus

    async with db.transaction() as session:
        payment = Payment(
            idempotency_key=key or f"given-{next(_sequence)}",
            agreement_id=agreement.id,
            council_id=agreement.council_id,
            holder_id=agreement.holder_id,
            provider_id=agreement.provider_id,
            period_start=period_start,
            period_end=period_start + timedelta(days=days - 1),
            hours=hours,
            amount_pence=amount_pence
            if amount_pence is not None
            else round(hours * agreement.hourly_rate_pence),
            refunded_pence=refunded_pence,
            method=PaymentMethod(method),
            status=PaymentStatus(status),
            recorded_by_id=agreement.created_by_id,
            created_at=GIVEN_AT,
            updated_at=GIVEN_AT,
        )
        session.add(payment)
    return payment


async def make_care_request(
    db: Database,
    plan,
    provider: Provider,
    *,
    sent_by: User,
    status: str = "PENDING",
    responded_by: User | None = None,
    sent_at: datetime = GIVEN_AT,
    expires_in: timedelta = timedelta(days=14),
):
    """A request to `provider` for all of `plan`'s needs, straight in the database."""
    from broker.agreements.models import CareRequest, RequestStatus
    from broker.plans.models import PlanNeed

    async with db.transaction() as session:
        needs = (await session.execute(select(PlanNeed.id).where(PlanNeed.plan_id == plan.id))).scalars()
        request = CareRequest(
            council_id=plan.council_id,
            holder_id=plan.holder_id,
            plan_id=plan.id,
            provider_id=provider.id,  # type: ignore[arg-type]
            need_ids=list(needs),
            message="Could you help on Mondays and Wednesdays?",
            status=RequestStatus(status),
            sent_by_id=sent_by.id,  # type: ignore[arg-type]
            sent_at=sent_at,
            expires_at=sent_at + expires_in,
            responded_by_id=responded_by.id if responded_by else None,
            responded_at=sent_at + timedelta(days=1) if responded_by else None,
        )
        session.add(request)
    return request
