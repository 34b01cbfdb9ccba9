"""GraphQL types of a support plan. Resolving a plan by any route records the read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

import strawberry
from strawberry import relay

from broker.api.accounts import CouncilNode, UserNode
from broker.api.context import Info
from broker.api.money import pence_fields
from broker.api.nodes import RowNode
from broker.holders.graphql import DPHolderNode
from broker.plans.access import may_see_reads
from broker.plans.budget import BudgetCheck, check_budget, weekly_cost_pence
from broker.plans.models import (
    NeedSlot,
    PlanNeed,
    PlanPreference,
    PlanRead,
    PlanReadPurpose,
    PlanStatus,
    PreferenceKind,
    Strength,
    SupportPlan,
)
from broker.plans.reading import read_support_plans
from broker.providers.graphql.types import ServiceType, WeekdayEnum, service_type
from broker.providers.models import Weekday
from broker.schedule import clock
from broker.taxonomy.services import all_services

PlanStatusEnum = strawberry.enum(
    PlanStatus,
    name="PlanStatus",
    description="DRAFT while being written; ACTIVE when agreed and being matched; MATCHED; CLOSED.",
)
PreferenceKindEnum = strawberry.enum(PreferenceKind, name="PreferenceKind")
StrengthEnum = strawberry.enum(
    Strength, name="PreferenceStrength", description="REQUIRED excludes providers; PREFERRED ranks them."
)
PlanReadPurposeEnum = strawberry.enum(
    PlanReadPurpose,
    name="PlanReadPurpose",
    description="Why a plan was read: shown one (VIEW) or in a list (LIST), matched (MATCH), a request "
    "(REQUEST) or agreement (AGREEMENT) written for it, allocated (ALLOCATION), written (CREATE) or "
    "changed (UPDATE).",
)


class PlanWarningCode(StrEnum):
    OVER_BUDGET = "OVER_BUDGET"


PlanWarningCodeEnum = strawberry.enum(PlanWarningCode, name="PlanWarningCode")


@strawberry.type(description="Saved, but needs attention: the plan was kept, and this is why to look again.")
class PlanWarning:
    code: PlanWarningCodeEnum  # type: ignore[valid-type]
    message: str


def warnings_for(budget: BudgetCheck) -> list[PlanWarning]:
    if budget.message is None:
        return []
    return [PlanWarning(code=PlanWarningCode.OVER_BUDGET, message=budget.message)]


@strawberry.type(name="ScheduleSlot", description="A weekly window for a need, Europe/London local time.")
class ScheduleSlotType:
    day: WeekdayEnum  # type: ignore[valid-type]
    start: str = strawberry.field(description="HH:MM")
    end: str = strawberry.field(description="HH:MM; 24:00 is midnight at the end of the day.")

    @classmethod
    def from_window(cls, day: int, start: int, end: int) -> ScheduleSlotType:
        return cls(day=Weekday(day), start=clock(start), end=clock(end))

    @classmethod
    def from_model(cls, slot: NeedSlot) -> ScheduleSlotType:
        return cls.from_window(slot.day, slot.start_minute, slot.end_minute)


@strawberry.type(
    name="PlanNeed", description="One eligible need: a service, hours a week, when, and its budget."
)
class PlanNeedType:
    id: relay.GlobalID = strawberry.field(
        description="Send it back in `updateSupportPlan` to keep this need."
    )
    hours_per_week: float
    budgeted_rate_pence: strawberry.Private[int]
    budgeted_rate, budgeted_rate_pence_int = pence_fields(
        "budgeted_rate", "The hourly rate the budget allows."
    )
    model: strawberry.Private[PlanNeed]

    @classmethod
    def from_model(cls, need: PlanNeed) -> PlanNeedType:
        return cls(
            id=relay.GlobalID("PlanNeed", str(need.id)),
            hours_per_week=need.hours_per_week,
            budgeted_rate_pence=need.budgeted_rate_pence,
            model=need,
        )

    @strawberry.field(description="The service, from the service taxonomy.")
    def service(self) -> ServiceType | None:
        return service_type(self.model.service_code) if self.model.service_code in all_services() else None

    weekly_cost, weekly_cost_pence_int = pence_fields(
        "weekly_cost",
        "Hours a week x budgeted rate.",
        source=lambda root: weekly_cost_pence([root.model]),
    )

    @strawberry.field(description="When the hours are delivered.")
    async def slots(self, info: Info) -> list[ScheduleSlotType]:
        assert self.model.id is not None
        slots = await info.context.loaders.slots_by_need_id.load(self.model.id)
        return [ScheduleSlotType.from_model(s) for s in slots]


@strawberry.type(name="PlanPreference", description="A wish about who provides support.")
class PlanPreferenceType:
    kind: PreferenceKindEnum  # type: ignore[valid-type]
    value: str = strawberry.field(
        description="GENDER: FEMALE, MALE or NON_BINARY; LANGUAGE: ISO 639 code; SKILL: free text; "
        "PROVIDER_KIND: PA or AGENCY."
    )
    strength: StrengthEnum  # type: ignore[valid-type]

    @classmethod
    def from_model(cls, preference: PlanPreference) -> PlanPreferenceType:
        return cls(kind=preference.kind, value=preference.value, strength=preference.strength)


@strawberry.type(name="PlanBudget", description="The needs' weekly cost against the personal budget.")
class PlanBudgetType:
    weekly_cost_pence: strawberry.Private[int]
    weekly_cost, weekly_cost_pence_int = pence_fields("weekly_cost", "What the needs cost a week.")
    weekly_budget_pence: strawberry.Private[int]
    weekly_budget, weekly_budget_pence_int = pence_fields("weekly_budget", "The personal budget a week.")
    over_budget: bool = strawberry.field(
        description="The needs cost more than the budget: the payment must be enough to meet eligible needs."
    )
    shortfall_pence: strawberry.Private[int]
    shortfall, shortfall_pence_int = pence_fields(
        "shortfall", "How much more the needs cost than the budget."
    )
    message: str | None

    @classmethod
    def from_check(cls, check: BudgetCheck) -> PlanBudgetType:
        return cls(
            weekly_cost_pence=check.weekly_cost_pence,
            weekly_budget_pence=check.weekly_budget_pence,
            over_budget=check.over_budget,
            shortfall_pence=check.shortfall_pence,
            message=check.message,
        )


@strawberry.type(name="PlanRead", description="One read of a plan: who, when, and for what.")
class PlanReadType:
    read_at: datetime
    purpose: PlanReadPurposeEnum = strawberry.field(description="Why the plan was read.")  # type: ignore[valid-type]
    operation: str = strawberry.field(
        deprecation_reason="Use `purpose`. Reads logged since issue 10 carry the purpose's name here; "
        "older ones the GraphQL operation they came through."
    )
    user_id: strawberry.Private[int]

    @strawberry.field
    async def user(self, info: Info) -> UserNode | None:
        user = await info.context.loaders.user_by_id.load(self.user_id)
        return UserNode.from_model(user) if user else None

    @classmethod
    def from_model(cls, read: PlanRead) -> PlanReadType:
        return cls(read_at=read.read_at, purpose=read.purpose, operation=read.operation, user_id=read.user_id)


@strawberry.type(
    name="SupportPlan", description="A care and support plan. Special-category data: reads are logged."
)
class SupportPlanNode(RowNode):
    id: relay.NodeID[int]
    status: PlanStatusEnum  # type: ignore[valid-type]
    outcomes: str = strawberry.field(description="What the person wants to achieve, in their words.")
    postcode: str = strawberry.field(description="Where support is delivered.")
    postcode_district: str
    start_date: date
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[SupportPlan]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's is overloaded on `required`
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SupportPlanNode | None]:
        ctx = info.context
        ids = [int(i) for i in node_ids]
        async with ctx.db.transaction() as session:
            found = await read_support_plans(
                session, actor=ctx.actor, ids=ids, operation=PlanReadPurpose.VIEW, now=ctx.now
            )
        return [cls.from_model(found[i]) if i in found else None for i in ids]

    @strawberry.field
    async def holder(self, info: Info) -> DPHolderNode:
        holder = await info.context.loaders.dp_holder_by_id.load(self.model.holder_id)
        assert holder is not None
        return DPHolderNode.from_model(holder)

    @strawberry.field
    async def council(self, info: Info) -> CouncilNode:
        council = await info.context.loaders.council_by_id.load(self.model.council_id)
        assert council is not None
        return CouncilNode.from_model(council)

    @strawberry.field(description="The needs, in the order they were entered.")
    async def needs(self, info: Info) -> list[PlanNeedType]:
        needs = await info.context.loaders.needs_by_plan_id.load(self.id)
        return [PlanNeedType.from_model(n) for n in needs]

    @strawberry.field
    async def preferences(self, info: Info) -> list[PlanPreferenceType]:
        rows = await info.context.loaders.preferences_by_plan_id.load(self.id)
        return [PlanPreferenceType.from_model(p) for p in rows]

    @strawberry.field(description="The needs' weekly cost against the holder's personal budget.")
    async def budget(self, info: Info) -> PlanBudgetType:
        needs = await info.context.loaders.needs_by_plan_id.load(self.id)
        holder = await info.context.loaders.dp_holder_by_id.load(self.model.holder_id)
        assert holder is not None
        return PlanBudgetType.from_check(check_budget(needs, holder))

    @strawberry.field(description="Who read this plan and when, newest first: council staff only, else null.")
    async def reads(self, info: Info, first: int = 20) -> list[PlanReadType] | None:
        if not may_see_reads(info.context.actor, self.model):
            return None
        rows = await info.context.loaders.plan_reads_by_plan_id.load((self.id, max(0, min(first, 100))))
        return [PlanReadType.from_model(r) for r in rows]
