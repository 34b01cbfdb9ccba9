"""Who sees which DP support contracts, subcontracts and referrals, and the lists they browse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts.actor import Actor
from broker.providers.access import visible_clause as provider_visible_clause
from broker.providers.models import Provider, ProviderKind, ProviderService
from broker.support.access import (  # re-exported: callers ask these here
    referral_visible_clause,
    subcontract_visible_clause,
)
from broker.support.models import (
    LeadContract,
    ReferralStatus,
    Subcontract,
    SubcontractStatus,
    SupportReferral,
)


@dataclass
class ContractFilter:
    council_id: int | None = None
    provider_id: int | None = None
    in_force_on: date | None = None


@dataclass
class SubcontractFilter:
    council_id: int | None = None
    status: SubcontractStatus | None = None
    subcontractor_id: int | None = None
    lead_contract_id: int | None = None


@dataclass
class ReferralFilter:
    holder_id: int | None = None
    provider_id: int | None = None
    status: ReferralStatus | None = None


@dataclass
class SupportProviderFilter:
    service_code: str | None = None
    council_id: int | None = None
    lead: bool | None = None
    subcontractor: bool | None = None


# --- reading ----------------------------------------------------------------------------------


async def list_lead_contracts(
    session: AsyncSession, *, filters: ContractFilter, limit: int, offset: int
) -> tuple[list[LeadContract], int]:
    """Lead contracts are a public record (Local Government Transparency Code 2015), newest first."""
    query = select(LeadContract)
    if filters.council_id is not None:
        query = query.where(col(LeadContract.council_id) == filters.council_id)
    if filters.provider_id is not None:
        query = query.where(col(LeadContract.provider_id) == filters.provider_id)
    if filters.in_force_on is not None:
        on = filters.in_force_on
        query = query.where(col(LeadContract.start_date) <= on, col(LeadContract.end_date) >= on)
    order = [col(LeadContract.start_date).desc(), col(LeadContract.id).desc()]
    return await queries.page(session, query, order, limit, offset)


async def list_subcontracts(
    session: AsyncSession, *, actor: Actor | None, filters: SubcontractFilter, limit: int, offset: int
) -> tuple[list[Subcontract], int]:
    query = queries.where_given(
        select(Subcontract).where(subcontract_visible_clause(actor)),
        (Subcontract.council_id, filters.council_id),
        (Subcontract.status, filters.status),
        (Subcontract.subcontractor_id, filters.subcontractor_id),
        (Subcontract.lead_contract_id, filters.lead_contract_id),
    )
    order = [col(Subcontract.proposed_at).desc(), col(Subcontract.id).desc()]
    return await queries.page(session, query, order, limit, offset)


async def visible_subcontracts(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, Subcontract]:
    return await queries.by_id(session, Subcontract, subcontract_visible_clause(actor), ids)


async def list_referrals(
    session: AsyncSession, *, actor: Actor | None, filters: ReferralFilter, limit: int, offset: int
) -> tuple[list[SupportReferral], int]:
    query = queries.where_given(
        select(SupportReferral).where(referral_visible_clause(actor)),
        (SupportReferral.holder_id, filters.holder_id),
        (SupportReferral.provider_id, filters.provider_id),
        (SupportReferral.status, filters.status),
    )
    order = [col(SupportReferral.created_at).desc(), col(SupportReferral.id).desc()]
    return await queries.page(session, query, order, limit, offset)


async def visible_referrals(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, SupportReferral]:
    return await queries.by_id(session, SupportReferral, referral_visible_clause(actor), ids)


async def list_support_providers(
    session: AsyncSession,
    *,
    actor: Actor | None,
    filters: SupportProviderFilter,
    today: date,
    limit: int,
    offset: int,
) -> tuple[list[Provider], int]:
    """DP support organisations the actor may see, by name; `lead`/`subcontractor` mean holding a lead
    contract / an ACTIVE subcontract in force today (of `council_id`, when given)."""
    leads = select(col(LeadContract.provider_id)).where(
        col(LeadContract.start_date) <= today, col(LeadContract.end_date) >= today
    )
    subs = select(col(Subcontract.subcontractor_id)).where(
        col(Subcontract.status) == SubcontractStatus.ACTIVE,
        col(Subcontract.start_date) <= today,
        col(Subcontract.end_date) >= today,
    )
    if filters.council_id is not None:
        leads = leads.where(col(LeadContract.council_id) == filters.council_id)
        subs = subs.where(col(Subcontract.council_id) == filters.council_id)
    query = select(Provider).where(
        col(Provider.kind) == ProviderKind.SUPPORT_ORG, provider_visible_clause(actor, today)
    )
    if filters.service_code is not None:
        query = query.where(
            select(col(ProviderService.provider_id))
            .where(
                col(ProviderService.provider_id) == col(Provider.id),
                col(ProviderService.service_code) == filters.service_code,
            )
            .exists()
        )
    if filters.lead is not None:
        query = query.where(col(Provider.id).in_(leads) if filters.lead else col(Provider.id).not_in(leads))
    if filters.subcontractor is not None:
        query = query.where(
            col(Provider.id).in_(subs) if filters.subcontractor else col(Provider.id).not_in(subs)
        )
    if filters.council_id is not None and filters.lead is None and filters.subcontractor is None:
        query = query.where(
            or_(
                col(Provider.council_id) == filters.council_id,
                col(Provider.id).in_(leads),
                col(Provider.id).in_(subs),
            )
        )
    return await queries.page(session, query, [Provider.name, Provider.id], limit, offset)
