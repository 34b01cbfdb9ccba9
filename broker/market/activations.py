"""When each plan first became ACTIVE: the start of a person's wait for care."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from broker.market.models import PlanActivation
from broker.plans.models import PlanStatus, SupportPlan


async def record_plan_status(session: AsyncSession, plan: SupportPlan, now: datetime) -> None:
    """Called when a plan's status is saved: the first time it is ACTIVE is kept."""
    if plan.status is not PlanStatus.ACTIVE or plan.id is None:
        return
    if await session.get(PlanActivation, plan.id) is None:
        session.add(PlanActivation(plan_id=plan.id, activated_at=now))
