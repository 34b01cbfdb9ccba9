"""The terms DP support contracts are made on: which services count as DP support, dates in force,
and which organisations may provide them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.errors import ErrorCode, Problems
from broker.providers.models import Provider, ProviderKind, ProviderService
from broker.providers.service import get_provider
from broker.support import rules
from broker.support.models import (
    ReferralStatus,
    SubcontractStatus,
)
from broker.taxonomy.services import all_services, check_service

OPEN_SUBCONTRACT = (SubcontractStatus.PROPOSED, SubcontractStatus.ACTIVE)


OPEN_REFERRAL = (ReferralStatus.WAITING_FOR_SUBCONTRACT, ReferralStatus.SENT)


def in_force(start: date, end: date, day: date) -> bool:
    return start <= day <= end


def service_label(code: str) -> str:
    entry = all_services().get(code)
    return entry.label if entry else code


def is_support_service(code: str) -> bool:
    entry = all_services().get(code)
    return entry is not None and entry.group == rules.DP_SUPPORT_GROUP


def support_services(codes: Sequence[str], problems: Problems, *, field: str = "services") -> list[str]:
    """Known codes of the DP support group, each once, at least one."""
    services = list(dict.fromkeys(codes))
    if not services:
        problems.add(field, "Choose at least one DP support service.", ErrorCode.REQUIRED)
    for index, code in enumerate(services):
        found = check_service(problems, f"{field}.{index}", code)
        if found is not None and found.group != rules.DP_SUPPORT_GROUP:
            problems.add(f"{field}.{index}", f"{found.label} is not a DP support service.")
    return services


async def offered_services(session: AsyncSession, provider_id: int) -> set[str]:
    rows = await session.execute(
        select(col(ProviderService.service_code)).where(col(ProviderService.provider_id) == provider_id)
    )
    return set(rows.scalars())


async def support_org(
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
    offered = await offered_services(session, provider_id)
    for index, code in enumerate(services):
        if is_support_service(code) and code not in offered:
            problems.add(f"services.{index}", f"{provider.name} does not offer {service_label(code)}.")
    return provider


def check_dates(start: date, end: date, problems: Problems) -> None:
    if end < start:
        problems.add("end_date", "The end date must not be before the start date.", ErrorCode.OUT_OF_RANGE)
    elif end.year - start.year > rules.MAX_CONTRACT_YEARS:
        problems.add(
            "end_date",
            f"A contract runs for at most {rules.MAX_CONTRACT_YEARS} years.",
            ErrorCode.OUT_OF_RANGE,
        )


def periods_overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end
