"""Use cases for DP support services: lead contracts, subcontracts, a person's choice of provider.

A council contracts one lead provider for its DP support services. When a person prefers another
organisation, the lead subcontracts to it ("provision for subcontracting to alternative providers
where the main provider is not the person's preferred choice", Coventry, 2018). Council brokers and
admins manage contracts; the lead and the subcontractor each accept a subcontract before it is ACTIVE;
the person, their representative or a broker with them chooses the provider.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.actor import Actor
from broker.accounts.models import Council, Role
from broker.api.clock import LONDON
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.holders import service as holders
from broker.holders.models import DPHolder
from broker.providers.accreditation import is_accredited
from broker.providers.models import Accreditation, Provider, ProviderKind, ProviderService, ProviderStatus
from broker.providers.service import get_provider
from broker.support import rules
from broker.support.models import (
    LeadContract,
    ReferralRoute,
    ReferralStatus,
    Subcontract,
    SubcontractStatus,
    SupportReferral,
)
from broker.support.reading import referral_visible_clause, subcontract_visible
from broker.taxonomy.services import all_services

OPEN_SUBCONTRACT = (SubcontractStatus.PROPOSED, SubcontractStatus.ACTIVE)
OPEN_REFERRAL = (ReferralStatus.WAITING_FOR_SUBCONTRACT, ReferralStatus.SENT)


@dataclass(frozen=True)
class ContractFields:
    lead_provider_id: int
    services: Sequence[str]
    start_date: date
    end_date: date
    annual_value_pence: int
    council_id: int | None = None


@dataclass(frozen=True)
class SubcontractFields:
    lead_contract_id: int
    subcontractor_id: int
    services: Sequence[str]
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class Coverage:
    """The contract a provider's DP support for a person runs under: the lead's, or a subcontract of it."""

    lead_contract: LeadContract
    subcontract: Subcontract | None

    @property
    def route(self) -> ReferralRoute:
        return ReferralRoute.DIRECT if self.subcontract is None else ReferralRoute.SUBCONTRACT


@dataclass(frozen=True)
class Choice:
    """What `choose_support_provider` did: the referral, and the subcontract it runs under or waits for."""

    referral: SupportReferral
    subcontract: Subcontract | None
    subcontract_proposed: bool

    @property
    def message(self) -> str:
        if self.referral.route is ReferralRoute.DIRECT:
            return "Referred to the council's lead provider for DP support."
        if self.referral.status is ReferralStatus.SENT:
            return "Referred to your chosen provider under the lead provider's subcontract."
        return (
            "No subcontract covers these services with your chosen provider yet. A subcontract has been "
            "proposed to the lead provider and your chosen provider; your referral waits until both accept."
        )


# --- validation -------------------------------------------------------------------------------


def _in_force(start: date, end: date, day: date) -> bool:
    return start <= day <= end


def _label(code: str) -> str:
    entry = all_services().get(code)
    return entry.label if entry else code


def _is_support(code: str) -> bool:
    entry = all_services().get(code)
    return entry is not None and entry.group == rules.DP_SUPPORT_GROUP


def _support_services(
    codes: Sequence[str], problems: Problems, *, field: str = "input.services"
) -> list[str]:
    """Known codes of the DP support group, each once, at least one."""
    services = list(dict.fromkeys(codes))
    if not services:
        problems.add(field, "Choose at least one DP support service.", ErrorCode.REQUIRED)
    known = all_services()
    for index, code in enumerate(services):
        if code not in known:
            problems.add(f"{field}.{index}", f"Unknown service code '{code[:40]}'.", ErrorCode.UNKNOWN_CODE)
        elif known[code].group != rules.DP_SUPPORT_GROUP:
            problems.add(f"{field}.{index}", f"{known[code].label} is not a DP support service.")
    return services


async def _offered(session: AsyncSession, provider_id: int) -> set[str]:
    rows = await session.execute(
        select(ProviderService.service_code).where(ProviderService.provider_id == provider_id)
    )
    return set(rows.scalars())


async def _support_org(
    session: AsyncSession,
    actor: Actor,
    provider_id: int,
    services: Sequence[str],
    problems: Problems,
    *,
    field: str,
    today: date,
) -> Provider | None:
    """A DP support organisation the actor can see today that offers every one of `services`."""
    provider = await get_provider(session, actor=actor, provider_id=provider_id, today=today)
    if provider is None:
        problems.add(field, "No listing with this ID.", ErrorCode.NOT_FOUND)
        return None
    if provider.kind is not ProviderKind.SUPPORT_ORG:
        problems.add(field, "DP support is provided by support organisations (SUPPORT_ORG listings).")
        return provider
    offered = await _offered(session, provider_id)
    for index, code in enumerate(services):
        if _is_support(code) and code not in offered:
            problems.add(f"input.services.{index}", f"{provider.name} does not offer {_label(code)}.")
    return provider


def _check_dates(start: date, end: date, problems: Problems) -> None:
    if end < start:
        problems.add(
            "input.endDate", "The end date must not be before the start date.", ErrorCode.OUT_OF_RANGE
        )
    elif end.year - start.year > rules.MAX_CONTRACT_YEARS:
        problems.add(
            "input.endDate",
            f"A contract runs for at most {rules.MAX_CONTRACT_YEARS} years.",
            ErrorCode.OUT_OF_RANGE,
        )


def _overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


# --- contracts --------------------------------------------------------------------------------


async def create_lead_contract(
    session: AsyncSession, *, actor: Actor, fields: ContractFields, now: datetime
) -> LeadContract:
    """Council staff record the council's contract with its lead provider for DP support services.

    One lead per service at a time: two contracts of the same council may not cover the same service
    on the same day, so every person's choice has exactly one lead to be referred or subcontracted by.
    """
    council_id = fields.council_id
    if actor.is_platform_admin:
        if council_id is None:
            raise InvalidInput("Choose the council.", field="input.councilId", code=ErrorCode.REQUIRED)
    elif council_id is not None and council_id != actor.council_id:
        raise PermissionDenied("You can only record your own council's contracts.", field="input.councilId")
    else:
        council_id = actor.council_id
    if not actor.is_staff_of(council_id):
        raise PermissionDenied("Only the council's brokers and admins manage contracts.", field="input")
    # Locking the council serialises contract changes, so two overlapping contracts cannot both pass.
    if council_id is None or await session.get(Council, council_id, with_for_update=True) is None:
        raise NotFound("No council with this ID.", field="input.councilId")
    problems = Problems()
    services = _support_services(fields.services, problems)
    await _support_org(
        session,
        actor,
        fields.lead_provider_id,
        services,
        problems,
        field="input.leadProviderId",
        today=now.astimezone(LONDON).date(),
    )
    _check_dates(fields.start_date, fields.end_date, problems)
    if not 0 < fields.annual_value_pence <= rules.MAX_ANNUAL_VALUE_PENCE:
        problems.add(
            "input.annualValuePence",
            f"The annual value is more than £0 and at most £{rules.MAX_ANNUAL_VALUE_PENCE // 100:,}; "
            "amounts are in pence.",
            ErrorCode.OUT_OF_RANGE,
        )
    existing = await session.execute(select(LeadContract).where(LeadContract.council_id == council_id))
    for other in existing.scalars():
        if not _overlaps(fields.start_date, fields.end_date, other.start_date, other.end_date):
            continue
        for index, code in enumerate(services):
            if code in other.services:
                problems.add(
                    f"input.services.{index}",
                    f"The council already has a lead contract for {_label(code)} from "
                    f"{other.start_date:%d %B %Y} to {other.end_date:%d %B %Y}.",
                    ErrorCode.OVERLAPPING,
                )
    problems.raise_if_any()
    contract = LeadContract(
        council_id=council_id,
        provider_id=fields.lead_provider_id,
        services=services,
        start_date=fields.start_date,
        end_date=fields.end_date,
        annual_value_pence=fields.annual_value_pence,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(contract)
    await session.flush()
    return contract


async def _managed_contract(
    session: AsyncSession, actor: Actor, contract_id: int, *, field: str
) -> LeadContract:
    contract = await session.get(LeadContract, contract_id, with_for_update=True)
    if contract is None:
        raise NotFound("No lead contract with this ID.", field=field)
    if not actor.is_staff_of(contract.council_id):
        raise PermissionDenied("Only the council's brokers and admins manage its contracts.", field=field)
    return contract


async def _covering_subcontract(
    session: AsyncSession,
    contract_id: int,
    subcontractor_id: int,
    services: Sequence[str],
    statuses: Sequence[SubcontractStatus],
    *,
    on: date | None,
) -> Subcontract | None:
    """The earliest subcontract of `contract_id` to `subcontractor_id` covering all `services`."""
    rows = await session.execute(
        select(Subcontract)
        .where(
            Subcontract.lead_contract_id == contract_id,
            Subcontract.subcontractor_id == subcontractor_id,
            Subcontract.status.in_(statuses),
        )
        .order_by(Subcontract.id)
    )
    for subcontract in rows.scalars():
        if on is not None and not _in_force(subcontract.start_date, subcontract.end_date, on):
            continue
        if set(services) <= set(subcontract.services):
            return subcontract
    return None


async def propose_subcontract(
    session: AsyncSession, *, actor: Actor, fields: SubcontractFields, now: datetime, today: date
) -> Subcontract:
    """Council staff propose that the lead subcontract some of its contracted services to another
    organisation. Subcontracting "is only viable should organisations be willing and able to act as a
    sub-contractor", so it stays PROPOSED until the lead and the subcontractor both accept."""
    contract = await _managed_contract(session, actor, fields.lead_contract_id, field="input.leadContractId")
    if contract.end_date < today:
        raise Conflict("This lead contract has ended.", field="input.leadContractId")
    problems = Problems()
    services = _support_services(fields.services, problems)
    for index, code in enumerate(services):
        if _is_support(code) and code not in contract.services:
            problems.add(
                f"input.services.{index}",
                f"The lead contract does not cover {_label(code)}, so it cannot be subcontracted.",
            )
    if fields.subcontractor_id == contract.provider_id:
        problems.add("input.subcontractorId", "The lead provider cannot subcontract to itself.")
    else:
        await _support_org(
            session,
            actor,
            fields.subcontractor_id,
            services,
            problems,
            field="input.subcontractorId",
            today=today,
        )
    start = fields.start_date or max(today, contract.start_date)
    end = fields.end_date or contract.end_date
    if start < contract.start_date:
        problems.add(
            "input.startDate", "A subcontract cannot start before its lead contract.", ErrorCode.OUT_OF_RANGE
        )
    if end > contract.end_date:
        problems.add(
            "input.endDate", "A subcontract cannot run past its lead contract.", ErrorCode.OUT_OF_RANGE
        )
    if end < start:
        problems.add(
            "input.endDate", "The end date must not be before the start date.", ErrorCode.OUT_OF_RANGE
        )
    problems.raise_if_any()
    existing = await _covering_subcontract(
        session, contract.id, fields.subcontractor_id, services, OPEN_SUBCONTRACT, on=None
    )
    if existing is not None and _overlaps(start, end, existing.start_date, existing.end_date):
        raise Conflict(
            f"A {existing.status.value.lower()} subcontract to this provider already covers these services.",
            field="input.subcontractorId",
            code=ErrorCode.DUPLICATE,
        )
    return await _add_subcontract(
        session, contract, fields.subcontractor_id, services, start, end, actor, now
    )


async def _add_subcontract(
    session: AsyncSession,
    contract: LeadContract,
    subcontractor_id: int,
    services: list[str],
    start: date,
    end: date,
    actor: Actor,
    now: datetime,
) -> Subcontract:
    subcontract = Subcontract(
        lead_contract_id=contract.id,  # type: ignore[arg-type]
        council_id=contract.council_id,
        subcontractor_id=subcontractor_id,
        services=services,
        start_date=start,
        end_date=end,
        status=SubcontractStatus.PROPOSED,
        proposed_by_id=actor.user_id,
        proposed_at=now,
    )
    session.add(subcontract)
    await session.flush()
    return subcontract


async def respond_to_subcontract(
    session: AsyncSession,
    *,
    actor: Actor,
    subcontract_id: int,
    accept: bool,
    reason: str | None,
    now: datetime,
) -> Subcontract:
    """The lead provider or the subcontractor answers a proposal for their own organisation.

    Both must accept before the subcontract is ACTIVE; then every referral waiting for it goes to the
    chosen provider. One refusal declines it, and the referrals waiting for it are told so.
    """
    subcontract = await session.get(Subcontract, subcontract_id, with_for_update=True)
    contract = await session.get(LeadContract, subcontract.lead_contract_id) if subcontract else None
    if subcontract is None or contract is None:
        raise NotFound("No subcontract with this ID.", field="input.id")
    lead = await session.get(Provider, contract.provider_id)
    subcontractor = await session.get(Provider, subcontract.subcontractor_id)
    if not subcontract_visible(actor, subcontract, lead, subcontractor):
        raise NotFound("No subcontract with this ID.", field="input.id")
    is_lead = lead is not None and actor.role is Role.PROVIDER and lead.owner_id == actor.user_id
    is_sub = (
        subcontractor is not None and actor.role is Role.PROVIDER and subcontractor.owner_id == actor.user_id
    )
    if not (is_lead or is_sub):
        raise PermissionDenied(
            "Only the lead provider and the subcontractor answer a subcontract proposal.", field="input.id"
        )
    if subcontract.status is not SubcontractStatus.PROPOSED:
        raise Conflict(
            f"This subcontract is {subcontract.status.value.lower()}, not proposed.", field="input.id"
        )
    if (is_lead and subcontract.lead_accepted_at) or (is_sub and subcontract.subcontractor_accepted_at):
        raise Conflict("You have already accepted; it waits for the other organisation.", field="input.id")
    cleaned = " ".join((reason or "").split())
    if len(cleaned) > rules.REASON_MAX:
        raise InvalidInput(
            f"At most {rules.REASON_MAX} characters.", field="input.reason", code=ErrorCode.TOO_LONG
        )
    waiting = await session.execute(
        select(SupportReferral)
        .where(
            SupportReferral.subcontract_id == subcontract.id,
            SupportReferral.status == ReferralStatus.WAITING_FOR_SUBCONTRACT,
        )
        .with_for_update()
    )
    if not accept:
        subcontract.status = SubcontractStatus.DECLINED
        subcontract.decline_reason = cleaned or None
        subcontract.decided_at = now
        for referral in waiting.scalars():
            referral.status = ReferralStatus.SUBCONTRACT_DECLINED
            referral.decided_at = now
        await session.flush()
        return subcontract
    if is_lead:
        subcontract.lead_accepted_at = now
    if is_sub:
        subcontract.subcontractor_accepted_at = now
    if subcontract.lead_accepted_at and subcontract.subcontractor_accepted_at:
        subcontract.status = SubcontractStatus.ACTIVE
        subcontract.decided_at = now
        for referral in waiting.scalars():
            referral.status = ReferralStatus.SENT
            referral.sent_at = now
    await session.flush()
    return subcontract


async def end_subcontract(
    session: AsyncSession, *, actor: Actor, subcontract_id: int, now: datetime, today: date
) -> Subcontract:
    """Council staff end an ACTIVE subcontract today; new choices of that provider then need a new one."""
    subcontract = await session.get(Subcontract, subcontract_id, with_for_update=True)
    if subcontract is None:
        raise NotFound("No subcontract with this ID.", field="input.id")
    if not actor.is_staff_of(subcontract.council_id):
        if (
            subcontract.status is SubcontractStatus.PROPOSED
            or subcontract.status is SubcontractStatus.DECLINED
        ):
            raise NotFound("No subcontract with this ID.", field="input.id")
        raise PermissionDenied("Only the council's brokers and admins end subcontracts.", field="input.id")
    if subcontract.status is not SubcontractStatus.ACTIVE:
        raise Conflict(
            f"This subcontract is {subcontract.status.value.lower()}, not active.", field="input.id"
        )
    subcontract.status = SubcontractStatus.ENDED
    subcontract.ended_at = now
    subcontract.end_date = max(min(subcontract.end_date, today), subcontract.start_date)
    await session.flush()
    return subcontract


# --- which contract covers whom ---------------------------------------------------------------


async def lead_contracts_in_force(
    session: AsyncSession, *, council_id: int, services: Sequence[str], on: date
) -> dict[str, LeadContract]:
    """The council's lead contract for each of `services` on day `on` (services with none are left out)."""
    rows = await session.execute(
        select(LeadContract)
        .where(
            LeadContract.council_id == council_id,
            LeadContract.start_date <= on,
            LeadContract.end_date >= on,
        )
        .order_by(LeadContract.id)
    )
    contracts = list(rows.scalars())
    return {code: c for code in services for c in contracts if code in c.services}


async def covering_contract(
    session: AsyncSession, *, holder_id: int, provider_id: int, services: Sequence[str], on: date
) -> Coverage | None:
    """Which contract covers holder H's DP support from provider P for services S on day D.

    The lead contract of H's council covering every one of S, when P is its lead; else that contract
    with the ACTIVE subcontract to P covering S on D. None when no contract (or subcontract) does.
    Agreements for DP support point at the contract this returns.
    """
    holder = await session.get(DPHolder, holder_id)
    if holder is None or not services:
        return None
    leads = await lead_contracts_in_force(session, council_id=holder.council_id, services=services, on=on)
    contracts = {c.id for c in leads.values()}
    if len(leads) != len(set(services)) or len(contracts) != 1:
        return None
    contract = next(iter(leads.values()))
    if contract.provider_id == provider_id:
        return Coverage(lead_contract=contract, subcontract=None)
    subcontract = await _covering_subcontract(
        session,
        contract.id,
        provider_id,
        services,
        [SubcontractStatus.ACTIVE],
        on=on,  # type: ignore[arg-type]
    )
    return Coverage(lead_contract=contract, subcontract=subcontract) if subcontract else None


# --- a person's choice ------------------------------------------------------------------------


async def choose_support_provider(
    session: AsyncSession,
    *,
    actor: Actor,
    holder_id: int,
    provider_id: int,
    services: Sequence[str],
    now: datetime,
    today: date,
) -> Choice:
    """The person (or their representative, or a broker with them) chooses who gives them DP support.

    Three routes: the council's lead provider gets the referral directly; another organisation gets it
    under an ACTIVE subcontract from the lead that covers the services; otherwise a subcontract is
    proposed to the lead and the chosen organisation and the referral waits until both accept.
    """
    holder = await holders.get_dp_holder(session, actor=actor, holder_id=holder_id)
    if holder is None:
        raise NotFound("No DP holder with this ID.", field="input.holderId")
    if not actor.is_staff_of(holder.council_id) and not await holders.acts_for(session, actor, holder):
        raise PermissionDenied(
            "The person, their representative or their council's brokers choose.", field="input.holderId"
        )
    problems = Problems()
    services = _support_services(services, problems)
    provider = await _support_org(
        session, actor, provider_id, services, problems, field="input.providerId", today=today
    )
    if provider is not None and provider.kind is ProviderKind.SUPPORT_ORG:
        checks = await session.execute(select(Accreditation).where(Accreditation.provider_id == provider_id))
        if provider.status is not ProviderStatus.PUBLISHED:
            problems.add(
                "input.providerId", f"{provider.name} is not taking referrals.", ErrorCode.INVALID_STATE
            )
        elif not is_accredited(provider.kind, checks.scalars(), today):
            problems.add(
                "input.providerId", f"{provider.name} is not accredited today.", ErrorCode.INVALID_STATE
            )
    known = [code for code in services if _is_support(code)]
    leads = await lead_contracts_in_force(session, council_id=holder.council_id, services=known, on=today)
    for index, code in enumerate(services):
        if code in known and code not in leads:
            problems.add(
                f"input.services.{index}",
                f"The council has no DP support contract for {_label(code)} in force.",
                ErrorCode.INVALID_STATE,
            )
    if len({c.id for c in leads.values()}) > 1:
        problems.add(
            "input.services",
            "These services come under different lead contracts; choose a provider for each separately.",
        )
    problems.raise_if_any()
    assert provider is not None and provider.id is not None
    contract = await session.get(LeadContract, next(iter(leads.values())).id, with_for_update=True)
    assert contract is not None and contract.id is not None
    open_referrals = await session.execute(
        select(SupportReferral).where(
            SupportReferral.holder_id == holder.id, SupportReferral.status.in_(OPEN_REFERRAL)
        )
    )
    for other in open_referrals.scalars():
        shared = [_label(code) for code in services if code in other.services]
        if shared:
            raise Conflict(
                f"A referral for {', '.join(shared)} is already open for this person.",
                field="input.services",
                code=ErrorCode.DUPLICATE,
            )
    referral = SupportReferral(
        council_id=holder.council_id,
        holder_id=holder.id,  # type: ignore[arg-type]
        provider_id=provider.id,
        lead_provider_id=contract.provider_id,
        services=services,
        route=ReferralRoute.DIRECT,
        status=ReferralStatus.SENT,
        lead_contract_id=contract.id,
        created_by_id=actor.user_id,
        created_at=now,
        sent_at=now,
    )
    subcontract: Subcontract | None = None
    proposed = False
    if provider.id != contract.provider_id:
        referral.route = ReferralRoute.SUBCONTRACT
        subcontract = await _covering_subcontract(
            session, contract.id, provider.id, services, [SubcontractStatus.ACTIVE], on=today
        )
        if subcontract is None:
            referral.status = ReferralStatus.WAITING_FOR_SUBCONTRACT
            referral.sent_at = None
            subcontract = await _covering_subcontract(
                session, contract.id, provider.id, services, [SubcontractStatus.PROPOSED], on=None
            )
            if subcontract is None or subcontract.end_date < today:
                start = max(today, contract.start_date)
                subcontract = await _add_subcontract(
                    session, contract, provider.id, services, start, contract.end_date, actor, now
                )
                proposed = True
        referral.subcontract_id = subcontract.id
    session.add(referral)
    await session.flush()
    return Choice(referral=referral, subcontract=subcontract, subcontract_proposed=proposed)


async def respond_to_referral(
    session: AsyncSession,
    *,
    actor: Actor,
    referral_id: int,
    accept: bool,
    reason: str | None,
    now: datetime,
) -> SupportReferral:
    """The chosen provider accepts or declines a referral sent to it."""
    referral = await session.get(SupportReferral, referral_id, with_for_update=True)
    if referral is None:
        raise NotFound("No referral with this ID.", field="input.id")
    visible = await session.execute(
        select(SupportReferral.id).where(SupportReferral.id == referral_id, referral_visible_clause(actor))
    )
    if visible.first() is None:
        raise NotFound("No referral with this ID.", field="input.id")
    provider = await session.get(Provider, referral.provider_id)
    if actor.role is not Role.PROVIDER or provider is None or provider.owner_id != actor.user_id:
        raise PermissionDenied("Only the chosen provider answers a referral.", field="input.id")
    if referral.status is not ReferralStatus.SENT:
        raise Conflict(
            f"This referral is {referral.status.value.lower().replace('_', ' ')}, not waiting for an answer.",
            field="input.id",
        )
    cleaned = " ".join((reason or "").split())
    if len(cleaned) > rules.REASON_MAX:
        raise InvalidInput(
            f"At most {rules.REASON_MAX} characters.", field="input.reason", code=ErrorCode.TOO_LONG
        )
    referral.status = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
    referral.decline_reason = None if accept else (cleaned or None)
    referral.decided_at = now
    await session.flush()
    return referral


def waited(referral: SupportReferral, now: datetime) -> timedelta:
    """How long the referral took to reach the chosen provider: nothing on the direct route and under
    an existing subcontract; the wait for the subcontract otherwise (to now, while it still waits)."""
    until = referral.sent_at or referral.decided_at or now
    return max(until - referral.created_at, timedelta(0))
