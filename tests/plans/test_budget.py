"""The arithmetic of a plan's budget check: hours x rate, rounded to the penny, against the budget."""

from __future__ import annotations

from broker.plans.budget import BudgetCheck, weekly_cost_pence
from broker.plans.needs import NeedFields


def _need(hours: float, rate: int) -> NeedFields:
    return NeedFields(service_code="PERSONAL_CARE", hours_per_week=hours, budgeted_rate_pence=rate, slots=())


def test_weekly_cost_is_hours_times_rate_rounded_to_the_penny():
    assert weekly_cost_pence([]) == 0
    assert weekly_cost_pence([_need(10.5, 1550)]) == 16_275
    assert weekly_cost_pence([_need(10.5, 1550), _need(3, 1500)]) == 20_775
    assert weekly_cost_pence([_need(1 / 3, 1000)]) == 333


def test_a_plan_within_budget_has_no_shortfall_and_no_message():
    check = BudgetCheck(weekly_cost_pence=30_000, weekly_budget_pence=30_000)

    assert (check.over_budget, check.shortfall_pence, check.message) == (False, 0, None)


def test_a_plan_over_budget_says_by_how_much():
    check = BudgetCheck(weekly_cost_pence=30_001, weekly_budget_pence=30_000)

    assert check.over_budget
    assert check.shortfall_pence == 1
    assert check.message == (
        "The needs cost £300.01 a week, £0.01 more than the £300.00 personal budget: the payment must "
        "be enough to meet eligible needs, so review the budget."
    )
