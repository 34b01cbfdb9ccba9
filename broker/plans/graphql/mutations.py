"""`createSupportPlan` and `updateSupportPlan`: one input, one service call, a payload with warnings."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated, IsCouncilStaff
from broker.api.relay import decode_id
from broker.plans import service
from broker.plans.graphql.types import (
    PlanStatusEnum,
    PlanWarning,
    PreferenceKindEnum,
    StrengthEnum,
    SupportPlanNode,
    warnings_for,
)
from broker.plans.models import PlanStatus
from broker.providers.graphql.mutations import SlotInput
from broker.schedule import SlotFields


@strawberry.input(description="One need; its hours must fit its slots.")
class NeedInput:
    id: relay.GlobalID | None = strawberry.field(
        default=None, description="An existing need of this plan, to keep it; leave out for a new one."
    )
    service_code: str = strawberry.field(description="A code from the service taxonomy.")
    hours_per_week: float
    budgeted_rate_pence: int = strawberry.field(description="The hourly rate the budget allows, in pence.")
    slots: list[SlotInput] = strawberry.field(description="When the hours are delivered, each week.")

    def to_fields(self, index: int) -> service.NeedFields:
        return service.NeedFields(
            id=decode_id(self.id, "PlanNeed", field=f"needs.{index}.id") if self.id else None,
            service_code=self.service_code,
            hours_per_week=self.hours_per_week,
            budgeted_rate_pence=self.budgeted_rate_pence,
            slots=[SlotFields(day=s.day, start=s.start, end=s.end) for s in self.slots],
        )


@strawberry.input(description="A wish about who provides support, REQUIRED or PREFERRED.")
class PreferenceInput:
    kind: PreferenceKindEnum  # type: ignore[valid-type]
    value: str = strawberry.field(
        description="GENDER: FEMALE, MALE or NON_BINARY; LANGUAGE: ISO 639 code; SKILL: free text; "
        "PROVIDER_KIND: PA or AGENCY (leave out for either)."
    )
    strength: StrengthEnum  # type: ignore[valid-type]

    def to_fields(self) -> service.PreferenceFields:
        return service.PreferenceFields(kind=self.kind, value=self.value, strength=self.strength)


@strawberry.input
class PlanFieldsMixin(DecodesIds):
    outcomes: str | None = strawberry.field(default=None, description="What the person wants to achieve.")
    postcode: str | None = strawberry.field(
        default=None, description="Where support is delivered; defaults to the holder's home."
    )
    start_date: date | None = None
    needs: list[NeedInput] | None = strawberry.field(default=None, description="Replaces all needs.")
    preferences: list[PreferenceInput] | None = strawberry.field(
        default=None, description="Replaces all preferences."
    )

    def to_fields(self, status: PlanStatus | None = None) -> service.PlanFields:
        return service.PlanFields(
            outcomes=self.outcomes,
            postcode=self.postcode,
            start_date=self.start_date,
            status=status,
            needs=[n.to_fields(i) for i, n in enumerate(self.needs)] if self.needs is not None else None,
            preferences=[p.to_fields() for p in self.preferences] if self.preferences is not None else None,
        )


@strawberry.input(description="A new plan for a DP holder of your council; it starts as a DRAFT.")
class CreateSupportPlanInput(PlanFieldsMixin):
    holder_id: relay.GlobalID

    def to_command(self) -> service.CreateSupportPlan:
        return service.CreateSupportPlan(holder_id=self.key("holder_id", "DPHolder"), fields=self.to_fields())


@strawberry.input(description="Changes to a plan; fields left out stay as they are.")
class UpdateSupportPlanInput(PlanFieldsMixin):
    id: relay.GlobalID
    status: PlanStatusEnum | None = None  # type: ignore[valid-type]

    def to_command(self) -> service.UpdateSupportPlan:
        return service.UpdateSupportPlan(
            plan_id=self.key("id", "SupportPlan"), fields=self.to_fields(self.status)
        )


@strawberry.type
class CreateSupportPlanPayload(MutationPayload):
    support_plan: SupportPlanNode | None = None
    warnings: list[PlanWarning] = strawberry.field(
        default_factory=list,
        description="Saved, but flagged: e.g. OVER_BUDGET when the needs cost more than the budget.",
    )

    @classmethod
    def present(cls, saved: service.SavedPlan) -> CreateSupportPlanPayload:
        return cls(support_plan=SupportPlanNode.from_model(saved.plan), warnings=warnings_for(saved.budget))


@strawberry.type
class UpdateSupportPlanPayload(MutationPayload):
    support_plan: SupportPlanNode | None = None
    warnings: list[PlanWarning] = strawberry.field(default_factory=list)

    @classmethod
    def present(cls, saved: service.SavedPlan) -> UpdateSupportPlanPayload:
        return cls(support_plan=SupportPlanNode.from_model(saved.plan), warnings=warnings_for(saved.budget))


@strawberry.type
class PlanMutations:
    create_support_plan = use_case(
        CreateSupportPlanInput,
        service.create_support_plan,
        CreateSupportPlanPayload,
        IsCouncilStaff,
        "A broker writes a care and support plan with a DP holder of their council.",
    )
    update_support_plan = use_case(
        UpdateSupportPlanInput,
        service.update_support_plan,
        UpdateSupportPlanPayload,
        IsAuthenticated,
        "The council's brokers change a plan; needs and preferences sent replace the old ones.",
    )
