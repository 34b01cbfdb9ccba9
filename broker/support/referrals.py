"""A person's choice of DP support provider and its route: straight to the lead, or through a
subcontract once one covers it; the chosen provider answers the referral."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import events
from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.holders import service as holders
from broker.providers.accreditation import is_accredited
from broker.providers.models import Accreditation, Provider, ProviderKind, ProviderStatus
from broker.support import rules
from broker.support.access import referral_visible_clause
from broker.support.contracts import add_subcontract
from broker.support.coverage import covering_subcontract, lead_contracts_in_force
from broker.support.models import (
    LeadContract,
    ReferralRoute,
    ReferralStatus,
    Subcontract,
    SubcontractStatus,
    SupportReferral,
)
from broker.support.terms import (
    OPEN_REFERRAL,
    is_support_service,
    service_label,
    support_org,
    support_services,
)


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
        raise NotFound("No DP holder with this ID.", field="holder_id")
    if not actor.is_staff_of(holder.council_id) and not await holders.acts_for(session, actor, holder):
        raise PermissionDenied(
            "The person, their representative or their council's brokers choose.", field="holder_id"
        )
    problems = Problems()
    services = support_services(services, problems)
    provider = await support_org(
        session, actor, provider_id, services, problems, field="provider_id", today=today
    )
    if provider is not None and provider.kind is ProviderKind.SUPPORT_ORG:
        checks = await session.execute(
            select(Accreditation).where(col(Accreditation.provider_id) == provider_id)
        )
        if provider.status is not ProviderStatus.PUBLISHED:
            problems.add("provider_id", f"{provider.name} is not taking referrals.", ErrorCode.INVALID_STATE)
        elif not is_accredited(provider.kind, checks.scalars(), today):
            problems.add("provider_id", f"{provider.name} is not accredited today.", ErrorCode.INVALID_STATE)
    known = [code for code in services if is_support_service(code)]
    leads = await lead_contracts_in_force(session, council_id=holder.council_id, services=known, on=today)
    for index, code in enumerate(services):
        if code in known and code not in leads:
            problems.add(
                f"services.{index}",
                f"The council has no DP support contract for {service_label(code)} in force.",
                ErrorCode.INVALID_STATE,
            )
    if len({c.id for c in leads.values()}) > 1:
        problems.add(
            "services",
            "These services come under different lead contracts; choose a provider for each separately.",
        )
    problems.raise_if_any()
    assert provider is not None and provider.id is not None
    contract = await session.get(LeadContract, next(iter(leads.values())).id, with_for_update=True)
    assert contract is not None and contract.id is not None
    open_referrals = await session.execute(
        select(SupportReferral).where(
            col(SupportReferral.holder_id) == holder.id, col(SupportReferral.status).in_(OPEN_REFERRAL)
        )
    )
    for other in open_referrals.scalars():
        shared = [service_label(code) for code in services if code in other.services]
        if shared:
            raise Conflict(
                f"A referral for {', '.join(shared)} is already open for this person.",
                field="services",
                code=ErrorCode.DUPLICATE,
            )
    assert holder.id is not None
    referral = SupportReferral(
        council_id=holder.council_id,
        holder_id=holder.id,
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
        subcontract = await covering_subcontract(
            session, contract.id, provider.id, services, [SubcontractStatus.ACTIVE], on=today
        )
        if subcontract is None:
            referral.status = ReferralStatus.WAITING_FOR_SUBCONTRACT
            referral.sent_at = None
            subcontract = await covering_subcontract(
                session, contract.id, provider.id, services, [SubcontractStatus.PROPOSED], on=None
            )
            if subcontract is None or subcontract.end_date < today:
                start = max(today, contract.start_date)
                subcontract = await add_subcontract(
                    session, contract, provider.id, services, start, contract.end_date, actor, now
                )
                proposed = True
        referral.subcontract_id = subcontract.id
    session.add(referral)
    await session.flush()
    if referral.status is ReferralStatus.SENT:
        await events.publish(events.Event.REFERRAL_ROUTED, session, referral, now)
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
        raise NotFound("No referral with this ID.", field="id")
    visible = await session.execute(
        select(col(SupportReferral.id)).where(
            col(SupportReferral.id) == referral_id, referral_visible_clause(actor)
        )
    )
    if visible.first() is None:
        raise NotFound("No referral with this ID.", field="id")
    provider = await session.get(Provider, referral.provider_id)
    if actor.role is not Role.PROVIDER or provider is None or provider.owner_id != actor.user_id:
        raise PermissionDenied("Only the chosen provider answers a referral.", field="id")
    if referral.status is not ReferralStatus.SENT:
        raise Conflict(
            f"This referral is {referral.status.value.lower().replace('_', ' ')}, not waiting for an answer.",
            field="id",
        )
    cleaned = " ".join((reason or "").split())
    if len(cleaned) > rules.REASON_MAX:
        raise InvalidInput(f"At most {rules.REASON_MAX} characters.", field="reason", code=ErrorCode.TOO_LONG)
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
