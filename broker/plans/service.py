"""Use cases for care and support plans, gathered for the callers that import them from here.

Who may do what lives in `broker.plans.access`; reading (every read audit-logged) in
`broker.plans.reading`; what a plan says and its checks in `broker.plans.needs`; the budget check in
`broker.plans.budget`; create and update in `broker.plans.saving`.
"""

from __future__ import annotations

from broker.plans.access import may_see, may_write, visible_clause
from broker.plans.budget import BudgetCheck, budget_check, check_budget
from broker.plans.models import PlanReadPurpose
from broker.plans.needs import NeedFields, PlanFields, PreferenceFields
from broker.plans.reading import (
    PlanDetails,
    PlanFilter,
    list_support_plans,
    plan_details,
    plan_reads,
    plans_by_holder,
    read_support_plan,
    read_support_plans,
    reads_by_plan,
    record_reads,
    require_plan,
)
from broker.plans.saving import (
    CreateSupportPlan,
    SavedPlan,
    UpdateSupportPlan,
    create_support_plan,
    update_support_plan,
)

__all__ = [
    "BudgetCheck",
    "CreateSupportPlan",
    "NeedFields",
    "PlanDetails",
    "PlanFields",
    "PlanFilter",
    "PlanReadPurpose",
    "PreferenceFields",
    "SavedPlan",
    "UpdateSupportPlan",
    "budget_check",
    "check_budget",
    "create_support_plan",
    "list_support_plans",
    "may_see",
    "may_write",
    "plan_details",
    "plan_reads",
    "plans_by_holder",
    "read_support_plan",
    "read_support_plans",
    "reads_by_plan",
    "record_reads",
    "require_plan",
    "update_support_plan",
    "visible_clause",
]
