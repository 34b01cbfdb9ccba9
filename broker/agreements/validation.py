"""What a request or an agreement may be made of: an open plan, a published and accredited listing,
and needs of that plan the listing offers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.errors import ErrorCode, NotFound, Problems
from broker.plans.models import PlanNeed, PlanStatus
from broker.providers.accreditation import is_accredited
from broker.providers.models import (
    Accreditation,
    Provider,
    ProviderService,
    ProviderStatus,
)
from broker.support.rules import DP_SUPPORT_GROUP
from broker.taxonomy.services import all_services

OPEN_PLAN = (PlanStatus.ACTIVE, PlanStatus.MATCHED)


def is_dp_support(code: str) -> bool:
    entry = all_services().get(code)
    return entry is not None and entry.group == DP_SUPPORT_GROUP


async def published_provider(session: AsyncSession, provider_id: int, field: str) -> Provider:
    provider = await session.get(Provider, provider_id)
    if provider is None or provider.status is not ProviderStatus.PUBLISHED:
        raise NotFound("No published listing with this ID.", field=field)
    return provider


async def accredited_today(session: AsyncSession, provider: Provider, today: date) -> bool:
    checks = await session.execute(select(Accreditation).where(col(Accreditation.provider_id) == provider.id))
    return is_accredited(provider.kind, checks.scalars().all(), today)


async def plan_needs(session: AsyncSession, plan_id: int) -> dict[int, PlanNeed]:
    rows = await session.execute(
        select(PlanNeed).where(col(PlanNeed.plan_id) == plan_id).order_by(col(PlanNeed.position))
    )
    return {n.id: n for n in rows.scalars() if n.id is not None}


async def offered_services(session: AsyncSession, provider_id: int) -> set[str]:
    rows = await session.execute(
        select(col(ProviderService.service_code)).where(col(ProviderService.provider_id) == provider_id)
    )
    return set(rows.scalars())


def chosen_needs(
    wanted: Sequence[int], needs: dict[int, PlanNeed], offered: set[str], field: str, problems: Problems
) -> list[PlanNeed]:
    chosen: list[PlanNeed] = []
    for index, need_id in enumerate(dict.fromkeys(wanted)):
        need = needs.get(need_id)
        if need is None:
            problems.add(f"{field}.{index}", "No need with this ID in this plan.", ErrorCode.NOT_FOUND)
        elif need.service_code not in offered:
            problems.add(
                f"{field}.{index}", "The provider does not offer this need's service.", ErrorCode.INVALID
            )
        else:
            chosen.append(need)
    if not wanted:
        problems.add(field, "Choose at least one of the plan's needs.", ErrorCode.REQUIRED)
    return chosen
