"""Mutations on requests and agreements: each takes one input, makes one service call, returns a payload."""

from __future__ import annotations

from datetime import date, timedelta

import strawberry
from strawberry import relay

from broker.agreements import service
from broker.agreements.cards import MAX_BLOCKED_CATEGORIES, set_blocked_categories
from broker.agreements.graphql.types import (
    AgreementNode,
    AgreementWarning,
    BlockedMerchantCategoryType,
    CareRequestNode,
)
from broker.api.context import Info
from broker.api.errors import UserError
from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, in_transaction, mutate
from broker.api.permissions import IsAuthenticated, IsCouncilStaff
from broker.api.relay import decode_id
from broker.providers.graphql.mutations import SlotInput
from broker.schedule import SlotFields


@strawberry.input(description="Ask a provider to take on needs of a plan.")
class SendRequestInput:
    plan_id: relay.GlobalID
    provider_id: relay.GlobalID
    need_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Needs of the plan; leave empty for all of them."
    )
    message: str = ""


@strawberry.input(description="The provider's answer.")
class RespondToRequestInput:
    request_id: relay.GlobalID
    accept: bool
    reason: str = ""


@strawberry.input(description="An agreement: from an accepted request, or (brokers) directly.")
class CreateAgreementInput:
    request_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The accepted request; plan, provider and needs come from it."
    )
    plan_id: relay.GlobalID | None = None
    provider_id: relay.GlobalID | None = None
    need_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Needs of the plan the agreement meets (default: the request's)."
    )
    hours_per_week: float | None = strawberry.field(
        default=None, description="Default: the chosen needs' hours."
    )
    hourly_rate_pence: int | None = strawberry.field(default=None, description="Default: the listing's rate.")
    slots: list[SlotInput] = strawberry.field(default_factory=list, description="When the provider works.")
    start_date: date | None = None
    end_date: date | None = strawberry.field(
        default=None, description="The last day; leave out if open-ended."
    )


@strawberry.input
class AgreementIdInput:
    agreement_id: relay.GlobalID


@strawberry.input(description="End an ACTIVE agreement; its capacity is released.")
class EndAgreementInput(DecodesIds):
    agreement_id: relay.GlobalID
    end_date: date = strawberry.field(description="The last day of care.")
    reason: str

    def to_command(self) -> dict[str, object]:
        return {
            "agreement_id": self.key("agreement_id", "Agreement"),
            "end_date": self.end_date,
            "reason": self.reason,
        }


@strawberry.input(description="Cancel a PROPOSED agreement that never started.")
class CancelAgreementInput:
    agreement_id: relay.GlobalID
    reason: str = ""


@strawberry.input
class MerchantCategoryInput:
    code: str = strawberry.field(description="Four-digit merchant category code, e.g. 7299.")
    description: str = ""


@strawberry.input(
    description="The whole list of categories the council's pre-paid cards decline: "
    f"at most {MAX_BLOCKED_CATEGORIES}, each once."
)
class SetBlockedMerchantCategoriesInput:
    council_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Platform admins choose; staff set their own council's."
    )
    categories: list[MerchantCategoryInput]


@strawberry.type
class SendRequestPayload:
    care_request: CareRequestNode | None
    user_errors: list[UserError]


@strawberry.type
class RespondToRequestPayload:
    care_request: CareRequestNode | None
    user_errors: list[UserError]


@strawberry.type
class AgreementPayloadMixin:
    agreement: AgreementNode | None
    warnings: list[AgreementWarning] = strawberry.field(
        description="Saved, but look again (e.g. the person's pre-paid card will decline this provider)."
    )
    user_errors: list[UserError]


@strawberry.type
class CreateAgreementPayload(AgreementPayloadMixin):
    pass


@strawberry.type
class ActivateAgreementPayload(AgreementPayloadMixin):
    pass


@strawberry.type
class EndAgreementPayload(MutationPayload):
    agreement: AgreementNode | None = None


@strawberry.type
class CancelAgreementPayload:
    agreement: AgreementNode | None
    user_errors: list[UserError]


@strawberry.type
class SetBlockedMerchantCategoriesPayload:
    categories: list[BlockedMerchantCategoryType] | None
    user_errors: list[UserError]


def _ids(values: list[relay.GlobalID], type_name: str, field: str) -> list[int]:
    return [decode_id(v, type_name, field=f"{field}.{i}") for i, v in enumerate(values)]


def _saved(result: service.SavedAgreement | None) -> tuple[AgreementNode | None, list[AgreementWarning]]:
    if result is None:
        return None, []
    return AgreementNode.from_model(result.agreement), [
        AgreementWarning.from_card(w) for w in result.warnings
    ]


@strawberry.type
class AgreementMutations:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="The holder, a representative or a broker asks a provider to take on needs of a plan.",
    )
    async def send_request(self, info: Info, input: SendRequestInput) -> SendRequestPayload:
        ctx = info.context

        async def action(session):
            return await service.send_request(
                session,
                actor=ctx.actor,
                plan_id=decode_id(input.plan_id, "SupportPlan", field="input.planId"),
                provider_id=decode_id(input.provider_id, "Provider", field="input.providerId"),
                need_ids=_ids(input.need_ids, "PlanNeed", "input.needIds"),
                message=input.message,
                now=ctx.now,
                today=ctx.today,
                expires_after=timedelta(hours=ctx.settings.request_expiry_hours),
            )

        request, errors = await in_transaction(info, action)
        node = CareRequestNode.from_model(request, ctx.now) if request else None
        return SendRequestPayload(care_request=node, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="The provider accepts or declines. A provider with its own sign-in answers for itself; "
        "for a listing without one its council's staff answer, recorded as on the provider's behalf.",
    )
    async def respond_to_request(self, info: Info, input: RespondToRequestInput) -> RespondToRequestPayload:
        ctx = info.context

        async def action(session):
            return await service.respond_to_request(
                session,
                actor=ctx.actor,
                request_id=decode_id(input.request_id, "CareRequest", field="input.requestId"),
                accept=input.accept,
                reason=input.reason,
                now=ctx.now,
            )

        request, errors = await in_transaction(info, action)
        node = CareRequestNode.from_model(request, ctx.now) if request else None
        return RespondToRequestPayload(care_request=node, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="A PROPOSED agreement from an accepted request, or made directly by a broker.",
    )
    async def create_agreement(self, info: Info, input: CreateAgreementInput) -> CreateAgreementPayload:
        ctx = info.context

        async def action(session):
            fields = service.AgreementFields(
                request_id=decode_id(input.request_id, "CareRequest", field="input.requestId")
                if input.request_id
                else None,
                plan_id=decode_id(input.plan_id, "SupportPlan", field="input.planId")
                if input.plan_id
                else None,
                provider_id=decode_id(input.provider_id, "Provider", field="input.providerId")
                if input.provider_id
                else None,
                need_ids=_ids(input.need_ids, "PlanNeed", "input.needIds")
                if input.need_ids is not None
                else None,
                hours_per_week=input.hours_per_week,
                hourly_rate_pence=input.hourly_rate_pence,
                slots=[SlotFields(day=s.day, start=s.start, end=s.end) for s in input.slots],
                start_date=input.start_date,
                end_date=input.end_date,
            )
            return await service.create_agreement(
                session, actor=ctx.actor, fields=fields, now=ctx.now, today=ctx.today
            )

        result, errors = await in_transaction(info, action)
        agreement, warnings = _saved(result)
        return CreateAgreementPayload(agreement=agreement, warnings=warnings, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="PROPOSED → ACTIVE: reserves the provider's hours (and a PA's times). Refused when "
        "someone else has taken them.",
    )
    async def activate_agreement(self, info: Info, input: AgreementIdInput) -> ActivateAgreementPayload:
        ctx = info.context

        async def action(session):
            return await service.activate_agreement(
                session,
                actor=ctx.actor,
                agreement_id=decode_id(input.agreement_id, "Agreement", field="input.agreementId"),
                now=ctx.now,
                today=ctx.today,
            )

        result, errors = await in_transaction(info, action)
        agreement, warnings = _saved(result)
        return ActivateAgreementPayload(agreement=agreement, warnings=warnings, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="ACTIVE → ENDED on a date, with a reason."
    )
    async def end_agreement(self, info: Info, input: EndAgreementInput) -> EndAgreementPayload:
        ctx = info.context
        return await mutate(
            info,
            EndAgreementPayload,
            lambda s: service.end_agreement(s, actor=ctx.actor, now=ctx.now, **input.to_command()),
            lambda agreement: EndAgreementPayload(agreement=AgreementNode.from_model(agreement)),
        )

    @strawberry.mutation(permission_classes=[IsAuthenticated], description="PROPOSED → CANCELLED.")
    async def cancel_agreement(self, info: Info, input: CancelAgreementInput) -> CancelAgreementPayload:
        ctx = info.context

        async def action(session):
            return await service.cancel_agreement(
                session,
                actor=ctx.actor,
                agreement_id=decode_id(input.agreement_id, "Agreement", field="input.agreementId"),
                reason=input.reason,
                now=ctx.now,
            )

        agreement, errors = await in_transaction(info, action)
        return CancelAgreementPayload(
            agreement=AgreementNode.from_model(agreement) if agreement else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[IsCouncilStaff],
        description="Replace the list of merchant categories the council's pre-paid cards decline.",
    )
    async def set_blocked_merchant_categories(
        self, info: Info, input: SetBlockedMerchantCategoriesInput
    ) -> SetBlockedMerchantCategoriesPayload:
        ctx = info.context

        async def action(session):
            return await set_blocked_categories(
                session,
                actor=ctx.actor,
                council_id=decode_id(input.council_id, "Council", field="input.councilId")
                if input.council_id
                else None,
                codes=[(c.code, c.description) for c in input.categories],
            )

        rows, errors = await in_transaction(info, action)
        categories = [BlockedMerchantCategoryType.from_model(r) for r in rows] if rows is not None else None
        return SetBlockedMerchantCategoriesPayload(categories=categories, user_errors=errors)
