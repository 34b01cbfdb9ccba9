"""Lead contracts and their subcontracts: made by the council, proposed by the lead, accepted by both
organisations, ended by either."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import events
from broker.accounts.actor import Actor
from broker.accounts.models import Council, Role
from broker.api.clock import LONDON
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.providers.models import Provider
from broker.support import rules
from broker.support.access import subcontract_visible
from broker.support.coverage import covering_subcontract
from broker.support.models import (
    LeadContract,
    ReferralStatus,
    Subcontract,
    SubcontractStatus,
    SupportReferral,
)
from broker.support.terms import (
    OPEN_SUBCONTRACT,
    check_dates,
    is_support_service,
    periods_overlap,
    service_label,
    support_org,
    support_services,
)


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
            raise InvalidInput("Choose the council.", field="council_id", code=ErrorCode.REQUIRED)
    elif council_id is not None and council_id != actor.council_id:
        raise PermissionDenied("You can only record your own council's contracts.", field="council_id")
    else:
        council_id = actor.council_id
    if not actor.is_staff_of(council_id):
        raise PermissionDenied("Only the council's brokers and admins manage contracts.", field="input")
    # Locking the council serialises contract changes, so two overlapping contracts cannot both pass.
    if council_id is None or await session.get(Council, council_id, with_for_update=True) is None:
        raise NotFound("No council with this ID.", field="council_id")
    problems = Problems()
    services = support_services(fields.services, problems)
    await support_org(
        session,
        actor,
        fields.lead_provider_id,
        services,
        problems,
        field="lead_provider_id",
        today=now.astimezone(LONDON).date(),
    )
    check_dates(fields.start_date, fields.end_date, problems)
    if not 0 < fields.annual_value_pence <= rules.MAX_ANNUAL_VALUE_PENCE:
        problems.add(
            "annual_value_pence",
            f"The annual value is more than £0 and at most £{rules.MAX_ANNUAL_VALUE_PENCE // 100:,}; "
            "amounts are in pence.",
            ErrorCode.OUT_OF_RANGE,
        )
    existing = await session.execute(select(LeadContract).where(col(LeadContract.council_id) == council_id))
    for other in existing.scalars():
        if not periods_overlap(fields.start_date, fields.end_date, other.start_date, other.end_date):
            continue
        for index, code in enumerate(services):
            if code in other.services:
                problems.add(
                    f"services.{index}",
                    f"The council already has a lead contract for {service_label(code)} from "
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


async def managed_contract(
    session: AsyncSession, actor: Actor, contract_id: int, *, field: str
) -> LeadContract:
    contract = await session.get(LeadContract, contract_id, with_for_update=True)
    if contract is None:
        raise NotFound("No lead contract with this ID.", field=field)
    if not actor.is_staff_of(contract.council_id):
        raise PermissionDenied("Only the council's brokers and admins manage its contracts.", field=field)
    return contract


async def propose_subcontract(
    session: AsyncSession, *, actor: Actor, fields: SubcontractFields, now: datetime, today: date
) -> Subcontract:
    """Council staff propose that the lead subcontract some of its contracted services to another
    organisation. Subcontracting "is only viable should organisations be willing and able to act as a
    sub-contractor", so it stays PROPOSED until the lead and the subcontractor both accept."""
    contract = await managed_contract(session, actor, fields.lead_contract_id, field="lead_contract_id")
    if contract.end_date < today:
        raise Conflict("This lead contract has ended.", field="lead_contract_id")
    problems = Problems()
    services = support_services(fields.services, problems)
    for index, code in enumerate(services):
        if is_support_service(code) and code not in contract.services:
            problems.add(
                f"services.{index}",
                f"The lead contract does not cover {service_label(code)}, so it cannot be subcontracted.",
            )
    if fields.subcontractor_id == contract.provider_id:
        problems.add("subcontractor_id", "The lead provider cannot subcontract to itself.")
    else:
        await support_org(
            session,
            actor,
            fields.subcontractor_id,
            services,
            problems,
            field="subcontractor_id",
            today=today,
        )
    start = fields.start_date or max(today, contract.start_date)
    end = fields.end_date or contract.end_date
    if start < contract.start_date:
        problems.add(
            "start_date", "A subcontract cannot start before its lead contract.", ErrorCode.OUT_OF_RANGE
        )
    if end > contract.end_date:
        problems.add("end_date", "A subcontract cannot run past its lead contract.", ErrorCode.OUT_OF_RANGE)
    if end < start:
        problems.add("end_date", "The end date must not be before the start date.", ErrorCode.OUT_OF_RANGE)
    problems.raise_if_any()
    assert contract.id is not None
    existing = await covering_subcontract(
        session, contract.id, fields.subcontractor_id, services, OPEN_SUBCONTRACT, on=None
    )
    if existing is not None and periods_overlap(start, end, existing.start_date, existing.end_date):
        raise Conflict(
            f"A {existing.status.value.lower()} subcontract to this provider already covers these services.",
            field="subcontractor_id",
            code=ErrorCode.DUPLICATE,
        )
    return await add_subcontract(session, contract, fields.subcontractor_id, services, start, end, actor, now)


async def add_subcontract(
    session: AsyncSession,
    contract: LeadContract,
    subcontractor_id: int,
    services: list[str],
    start: date,
    end: date,
    actor: Actor,
    now: datetime,
) -> Subcontract:
    assert contract.id is not None
    subcontract = Subcontract(
        lead_contract_id=contract.id,
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
    await events.publish(events.Event.SUBCONTRACT_PROPOSED, session, subcontract, now)
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
        raise NotFound("No subcontract with this ID.", field="id")
    lead = await session.get(Provider, contract.provider_id)
    subcontractor = await session.get(Provider, subcontract.subcontractor_id)
    if not subcontract_visible(actor, subcontract, lead, subcontractor):
        raise NotFound("No subcontract with this ID.", field="id")
    is_lead = lead is not None and actor.role is Role.PROVIDER and lead.owner_id == actor.user_id
    is_sub = (
        subcontractor is not None and actor.role is Role.PROVIDER and subcontractor.owner_id == actor.user_id
    )
    if not (is_lead or is_sub):
        raise PermissionDenied(
            "Only the lead provider and the subcontractor answer a subcontract proposal.", field="id"
        )
    if subcontract.status is not SubcontractStatus.PROPOSED:
        raise Conflict(f"This subcontract is {subcontract.status.value.lower()}, not proposed.", field="id")
    if (is_lead and subcontract.lead_accepted_at) or (is_sub and subcontract.subcontractor_accepted_at):
        raise Conflict("You have already accepted; it waits for the other organisation.", field="id")
    cleaned = " ".join((reason or "").split())
    if len(cleaned) > rules.REASON_MAX:
        raise InvalidInput(f"At most {rules.REASON_MAX} characters.", field="reason", code=ErrorCode.TOO_LONG)
    waiting = await session.execute(
        select(SupportReferral)
        .where(
            col(SupportReferral.subcontract_id) == subcontract.id,
            col(SupportReferral.status) == ReferralStatus.WAITING_FOR_SUBCONTRACT,
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
        routed = list(waiting.scalars())
        for referral in routed:
            referral.status = ReferralStatus.SENT
            referral.sent_at = now
        await session.flush()
        for referral in routed:
            await events.publish(events.Event.REFERRAL_ROUTED, session, referral, now)
    await session.flush()
    return subcontract


async def end_subcontract(
    session: AsyncSession, *, actor: Actor, subcontract_id: int, now: datetime, today: date
) -> Subcontract:
    """Council staff end an ACTIVE subcontract today; new choices of that provider then need a new one."""
    subcontract = await session.get(Subcontract, subcontract_id, with_for_update=True)
    if subcontract is None:
        raise NotFound("No subcontract with this ID.", field="id")
    if not actor.is_staff_of(subcontract.council_id):
        if (
            subcontract.status is SubcontractStatus.PROPOSED
            or subcontract.status is SubcontractStatus.DECLINED
        ):
            raise NotFound("No subcontract with this ID.", field="id")
        raise PermissionDenied("Only the council's brokers and admins end subcontracts.", field="id")
    if subcontract.status is not SubcontractStatus.ACTIVE:
        raise Conflict(f"This subcontract is {subcontract.status.value.lower()}, not active.", field="id")
    subcontract.status = SubcontractStatus.ENDED
    subcontract.ended_at = now
    subcontract.end_date = max(min(subcontract.end_date, today), subcontract.start_date)
    await session.flush()
    return subcontract
