"""A plan's weekly cost against the holder's personal budget: the arithmetic and the check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.holders.models import DPHolder
from broker.plans.models import PlanNeed, SupportPlan


class Costed(Protocol):
    """A need as saved or as entered: so many hours a week at a budgeted hourly rate."""

    @property
    def hours_per_week(self) -> float: ...

    @property
    def budgeted_rate_pence(self) -> int: ...


@dataclass(frozen=True)
class BudgetCheck:
    """The needs' weekly cost against the personal budget.

    A direct payment must be sufficient to meet the person's eligible needs (Care Act 2014 s.31;
    Medway briefing 4/2016): a plan that costs more is flagged for the budget to be reviewed.
    """

    weekly_cost_pence: int
    weekly_budget_pence: int

    @property
    def over_budget(self) -> bool:
        return self.weekly_cost_pence > self.weekly_budget_pence

    @property
    def shortfall_pence(self) -> int:
        return max(0, self.weekly_cost_pence - self.weekly_budget_pence)

    @property
    def message(self) -> str | None:
        if not self.over_budget:
            return None
        return (
            f"The needs cost £{self.weekly_cost_pence / 100:,.2f} a week, "
            f"£{self.shortfall_pence / 100:,.2f} more than the £{self.weekly_budget_pence / 100:,.2f} "
            "personal budget: the payment must be enough to meet eligible needs, so review the budget."
        )


def weekly_cost_pence(needs: Iterable[Costed]) -> int:
    """Hours a week x budgeted rate, summed over the needs, to the nearest penny."""
    return round(sum(n.hours_per_week * n.budgeted_rate_pence for n in needs))


def check_budget(needs: Iterable[Costed], holder: DPHolder) -> BudgetCheck:
    return BudgetCheck(
        weekly_cost_pence=weekly_cost_pence(needs), weekly_budget_pence=holder.weekly_budget_pence
    )


async def budget_check(session: AsyncSession, plan: SupportPlan) -> BudgetCheck:
    holder = await session.get(DPHolder, plan.holder_id)
    assert holder is not None
    needs = (await session.execute(select(PlanNeed).where(col(PlanNeed.plan_id) == plan.id))).scalars().all()
    return check_budget(needs, holder)
