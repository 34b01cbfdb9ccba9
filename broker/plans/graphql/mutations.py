"""`createSupportPlan` and `updateSupportPlan`: one input, one service call, a payload with warnings."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.errors import UserError
from broker.api.mutations import in_transaction
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
from broker.providers.graphql.mutations import SlotInput
from broker.providers.service import SlotFields


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
            id=decode_id(self.id, "PlanNeed", field=f"input.needs.{index}.id") if self.id else None,
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
class PlanFieldsMixin:
    outcomes: str | None = strawberry.field(default=None, description="What the person wants to achieve.")
    postcode: str | None = strawberry.field(
        default=None, description="Where support is delivered; defaults to the holder's home."
    )
    start_date: date | None = None
    needs: list[NeedInput] | None = strawberry.field(default=None, description="Replaces all needs.")
    preferences: list[PreferenceInput] | None = strawberry.field(
        default=None, description="Replaces all preferences."
    )

    def to_fields(self, status: object = None) -> service.PlanFields:
        return service.PlanFields(
            outcomes=self.outcomes,
            postcode=self.postcode,
            start_date=self.start_date,
            status=status,  # type: ignore[arg-type]
            needs=[n.to_fields(i) for i, n in enumerate(self.needs)] if self.needs is not None else None,
            preferences=[p.to_fields() for p in self.preferences] if self.preferences is not None else None,
        )


@strawberry.input(description="A new plan for a DP holder of your council; it starts as a DRAFT.")
class CreateSupportPlanInput(PlanFieldsMixin):
    holder_id: relay.GlobalID


@strawberry.input(description="Changes to a plan; fields left out stay as they are.")
class UpdateSupportPlanInput(PlanFieldsMixin):
    id: relay.GlobalID
    status: PlanStatusEnum | None = None  # type: ignore[valid-type]


@strawberry.type
class CreateSupportPlanPayload:
    support_plan: SupportPlanNode | None
    warnings: list[PlanWarning] = strawberry.field(
        description="Saved, but flagged: e.g. OVER_BUDGET when the needs cost more than the budget."
    )
    user_errors: list[UserError]


@strawberry.type
class UpdateSupportPlanPayload:
    support_plan: SupportPlanNode | None
    warnings: list[PlanWarning]
    user_errors: list[UserError]


@strawberry.type
class PlanMutations:
    @strawberry.mutation(
        permission_classes=[IsCouncilStaff],
        description="A broker writes a care and support plan with a DP holder of their council.",
    )
    async def create_support_plan(
        self, info: Info, input: CreateSupportPlanInput
    ) -> CreateSupportPlanPayload:
        ctx = info.context

        async def action(session):
            return await service.create_support_plan(
                session,
                actor=ctx.actor,
                holder_id=decode_id(input.holder_id, "DPHolder", field="input.holderId"),
                fields=input.to_fields(),
                now=ctx.now,
            )

        saved, errors = await in_transaction(info, action)
        if saved is None:
            return CreateSupportPlanPayload(support_plan=None, warnings=[], user_errors=errors)
        return CreateSupportPlanPayload(
            support_plan=SupportPlanNode.from_model(saved.plan),
            warnings=warnings_for(saved.budget),
            user_errors=[],
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="The council's brokers change a plan; needs and preferences sent replace the old ones.",
    )
    async def update_support_plan(
        self, info: Info, input: UpdateSupportPlanInput
    ) -> UpdateSupportPlanPayload:
        ctx = info.context

        async def action(session):
            return await service.update_support_plan(
                session,
                actor=ctx.actor,
                plan_id=decode_id(input.id, "SupportPlan", field="input.id"),
                fields=input.to_fields(input.status),
                now=ctx.now,
            )

        saved, errors = await in_transaction(info, action)
        if saved is None:
            return UpdateSupportPlanPayload(support_plan=None, warnings=[], user_errors=errors)
        return UpdateSupportPlanPayload(
            support_plan=SupportPlanNode.from_model(saved.plan),
            warnings=warnings_for(saved.budget),
            user_errors=[],
        )
