"""Who sees which DP support contracts, subcontracts and referrals, and the lists they browse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF, Role
from broker.holders import service as holders
from broker.holders.models import DPHolder
from broker.providers.access import visible_clause as provider_visible_clause
from broker.providers.models import Provider, ProviderKind, ProviderService
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


# --- who sees and who acts --------------------------------------------------------------------


def _owned_providers(actor: Actor):
    return select(Provider.id).where(Provider.owner_id == actor.user_id)


def sees_council_business(actor: Actor | None, council_id: int) -> bool:
    """Council staff and commissioners see their council's contracts, proposals included."""
    if actor is None:
        return False
    if actor.is_platform_admin:
        return True
    allowed = (*COUNCIL_STAFF, Role.COMMISSIONER)
    return actor.role in allowed and actor.council_id == council_id


def subcontract_visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """Subcontracts in force or ended are a public record of who provides what under the council's
    contract; proposals and refusals are for the council and the two organisations only."""
    settled = Subcontract.status.in_([SubcontractStatus.ACTIVE, SubcontractStatus.ENDED])
    if actor is None:
        return settled
    if actor.is_platform_admin:
        return true()
    if actor.role in (*COUNCIL_STAFF, Role.COMMISSIONER):
        return or_(settled, Subcontract.council_id == actor.council_id)
    if actor.role is Role.PROVIDER:
        owned = _owned_providers(actor)
        led = select(LeadContract.id).where(LeadContract.provider_id.in_(owned))
        return or_(settled, Subcontract.subcontractor_id.in_(owned), Subcontract.lead_contract_id.in_(led))
    return settled


def subcontract_visible(
    actor: Actor | None, subcontract: Subcontract, lead: Provider | None, subcontractor: Provider | None
) -> bool:
    """Python twin of `subcontract_visible_clause`, for relations resolved through loaders."""
    if subcontract.status in (SubcontractStatus.ACTIVE, SubcontractStatus.ENDED):
        return True
    if sees_council_business(actor, subcontract.council_id):
        return True
    if actor is None or actor.role is not Role.PROVIDER:
        return False
    return any(p is not None and p.owner_id == actor.user_id for p in (lead, subcontractor))


def referral_visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """Referrals name a person: their council's staff, the person and their representatives, and the
    chosen provider see them. Commissioners see only counts."""
    if actor is None:
        return false()
    if actor.is_platform_admin:
        return true()
    if actor.role in COUNCIL_STAFF:
        return SupportReferral.council_id == actor.council_id
    if actor.role in (Role.DP_HOLDER, Role.REPRESENTATIVE):
        return SupportReferral.holder_id.in_(select(DPHolder.id).where(holders.visible_clause(actor)))
    if actor.role is Role.PROVIDER:
        return SupportReferral.provider_id.in_(_owned_providers(actor))
    return false()


# --- reading ----------------------------------------------------------------------------------


async def _page(session: AsyncSession, query, order: Sequence[object], limit: int, offset: int):
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(*order).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def list_lead_contracts(
    session: AsyncSession, *, filters: ContractFilter, limit: int, offset: int
) -> tuple[list[LeadContract], int]:
    """Lead contracts are a public record (Local Government Transparency Code 2015), newest first."""
    query = select(LeadContract)
    if filters.council_id is not None:
        query = query.where(LeadContract.council_id == filters.council_id)
    if filters.provider_id is not None:
        query = query.where(LeadContract.provider_id == filters.provider_id)
    if filters.in_force_on is not None:
        on = filters.in_force_on
        query = query.where(LeadContract.start_date <= on, LeadContract.end_date >= on)
    return await _page(
        session, query, [LeadContract.start_date.desc(), LeadContract.id.desc()], limit, offset
    )


async def list_subcontracts(
    session: AsyncSession, *, actor: Actor | None, filters: SubcontractFilter, limit: int, offset: int
) -> tuple[list[Subcontract], int]:
    query = select(Subcontract).where(subcontract_visible_clause(actor))
    if filters.council_id is not None:
        query = query.where(Subcontract.council_id == filters.council_id)
    if filters.status is not None:
        query = query.where(Subcontract.status == filters.status)
    if filters.subcontractor_id is not None:
        query = query.where(Subcontract.subcontractor_id == filters.subcontractor_id)
    if filters.lead_contract_id is not None:
        query = query.where(Subcontract.lead_contract_id == filters.lead_contract_id)
    return await _page(session, query, [Subcontract.proposed_at.desc(), Subcontract.id.desc()], limit, offset)


async def visible_subcontracts(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, Subcontract]:
    rows = await session.execute(
        select(Subcontract).where(Subcontract.id.in_(ids), subcontract_visible_clause(actor))
    )
    return {s.id: s for s in rows.scalars() if s.id is not None}


async def list_referrals(
    session: AsyncSession, *, actor: Actor | None, filters: ReferralFilter, limit: int, offset: int
) -> tuple[list[SupportReferral], int]:
    query = select(SupportReferral).where(referral_visible_clause(actor))
    if filters.holder_id is not None:
        query = query.where(SupportReferral.holder_id == filters.holder_id)
    if filters.provider_id is not None:
        query = query.where(SupportReferral.provider_id == filters.provider_id)
    if filters.status is not None:
        query = query.where(SupportReferral.status == filters.status)
    order = [SupportReferral.created_at.desc(), SupportReferral.id.desc()]
    return await _page(session, query, order, limit, offset)


async def visible_referrals(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, SupportReferral]:
    rows = await session.execute(
        select(SupportReferral).where(SupportReferral.id.in_(ids), referral_visible_clause(actor))
    )
    return {r.id: r for r in rows.scalars() if r.id is not None}


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
    leads = select(LeadContract.provider_id).where(
        LeadContract.start_date <= today, LeadContract.end_date >= today
    )
    subs = select(Subcontract.subcontractor_id).where(
        Subcontract.status == SubcontractStatus.ACTIVE,
        Subcontract.start_date <= today,
        Subcontract.end_date >= today,
    )
    if filters.council_id is not None:
        leads = leads.where(LeadContract.council_id == filters.council_id)
        subs = subs.where(Subcontract.council_id == filters.council_id)
    query = select(Provider).where(
        Provider.kind == ProviderKind.SUPPORT_ORG, provider_visible_clause(actor, today)
    )
    if filters.service_code is not None:
        query = query.where(
            select(ProviderService.provider_id)
            .where(
                ProviderService.provider_id == Provider.id,
                ProviderService.service_code == filters.service_code,
            )
            .exists()
        )
    if filters.lead is not None:
        query = query.where(Provider.id.in_(leads) if filters.lead else Provider.id.not_in(leads))
    if filters.subcontractor is not None:
        query = query.where(Provider.id.in_(subs) if filters.subcontractor else Provider.id.not_in(subs))
    if filters.council_id is not None and filters.lead is None and filters.subcontractor is None:
        query = query.where(
            or_(Provider.council_id == filters.council_id, Provider.id.in_(leads), Provider.id.in_(subs))
        )
    return await _page(session, query, [Provider.name, Provider.id], limit, offset)
