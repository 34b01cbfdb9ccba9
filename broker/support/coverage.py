"""Which contract covers whom: the council's lead contracts in force and, for a DP support service,
the lead contract or subcontract an agreement runs under."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.holders.models import DPHolder
from broker.support.models import (
    LeadContract,
    ReferralRoute,
    Subcontract,
    SubcontractStatus,
)
from broker.support.terms import in_force


@dataclass(frozen=True)
class Coverage:
    """The contract a provider's DP support for a person runs under: the lead's, or a subcontract of it."""

    lead_contract: LeadContract
    subcontract: Subcontract | None

    @property
    def route(self) -> ReferralRoute:
        return ReferralRoute.DIRECT if self.subcontract is None else ReferralRoute.SUBCONTRACT


async def covering_subcontract(
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
            col(Subcontract.lead_contract_id) == contract_id,
            col(Subcontract.subcontractor_id) == subcontractor_id,
            col(Subcontract.status).in_(statuses),
        )
        .order_by(col(Subcontract.id))
    )
    for subcontract in rows.scalars():
        if on is not None and not in_force(subcontract.start_date, subcontract.end_date, on):
            continue
        if set(services) <= set(subcontract.services):
            return subcontract
    return None


async def lead_contracts_in_force(
    session: AsyncSession, *, council_id: int, services: Sequence[str], on: date
) -> dict[str, LeadContract]:
    """The council's lead contract for each of `services` on day `on` (services with none are left out)."""
    rows = await session.execute(
        select(LeadContract)
        .where(
            col(LeadContract.council_id) == council_id,
            col(LeadContract.start_date) <= on,
            col(LeadContract.end_date) >= on,
        )
        .order_by(col(LeadContract.id))
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
    assert contract.id is not None
    subcontract = await covering_subcontract(
        session,
        contract.id,
        provider_id,
        services,
        [SubcontractStatus.ACTIVE],
        on=on,
    )
    return Coverage(lead_contract=contract, subcontract=subcontract) if subcontract else None
