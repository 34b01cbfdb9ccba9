"""Mutations on requests and agreements: each takes one input, makes one service call, returns a payload."""

from __future__ import annotations

from datetime import date
from typing import Any, Self

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
from broker.agreements.models import BlockedMerchantCategory
from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated, IsCouncilStaff
from broker.providers.graphql.mutations import SlotInput


@strawberry.input(description="Ask a provider to take on needs of a plan.")
class SendRequestInput(DecodesIds):
    plan_id: relay.GlobalID
    provider_id: relay.GlobalID
    need_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Needs of the plan; leave empty for all of them."
    )
    message: str = ""

    def to_command(self) -> dict[str, Any]:
        return {
            "plan_id": self.key("plan_id", "SupportPlan"),
            "provider_id": self.key("provider_id", "Provider"),
            "need_ids": self.keys("need_ids", "PlanNeed"),
            "message": self.message,
        }


@strawberry.input(description="The provider's answer.")
class RespondToRequestInput(DecodesIds):
    request_id: relay.GlobalID
    accept: bool
    reason: str = ""

    def to_command(self) -> dict[str, Any]:
        return {
            "request_id": self.key("request_id", "CareRequest"),
            "accept": self.accept,
            "reason": self.reason,
        }


@strawberry.input(description="An agreement: from an accepted request, or (brokers) directly.")
class CreateAgreementInput(DecodesIds):
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

    def to_command(self) -> dict[str, Any]:
        return {
            "fields": service.AgreementFields(
                request_id=self.optional_key("request_id", "CareRequest"),
                plan_id=self.optional_key("plan_id", "SupportPlan"),
                provider_id=self.optional_key("provider_id", "Provider"),
                need_ids=self.optional_keys("need_ids", "PlanNeed"),
                hours_per_week=self.hours_per_week,
                hourly_rate_pence=self.hourly_rate_pence,
                slots=[s.to_fields() for s in self.slots],
                start_date=self.start_date,
                end_date=self.end_date,
            )
        }


@strawberry.input
class AgreementIdInput(DecodesIds):
    agreement_id: relay.GlobalID

    def to_command(self) -> dict[str, Any]:
        return {"agreement_id": self.key("agreement_id", "Agreement")}


@strawberry.input(description="End an ACTIVE agreement; its capacity is released.")
class EndAgreementInput(AgreementIdInput):
    end_date: date = strawberry.field(description="The last day of care.")
    reason: str

    def to_command(self) -> dict[str, Any]:
        return {**super().to_command(), "end_date": self.end_date, "reason": self.reason}


@strawberry.input(description="Cancel a PROPOSED agreement that never started.")
class CancelAgreementInput(AgreementIdInput):
    reason: str = ""

    def to_command(self) -> dict[str, Any]:
        return {**super().to_command(), "reason": self.reason}


@strawberry.input
class MerchantCategoryInput:
    code: str = strawberry.field(description="Four-digit merchant category code, e.g. 7299.")
    description: str = ""


@strawberry.input(
    description="The whole list of categories the council's pre-paid cards decline: "
    f"at most {MAX_BLOCKED_CATEGORIES}, each once."
)
class SetBlockedMerchantCategoriesInput(DecodesIds):
    council_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Platform admins choose; staff set their own council's."
    )
    categories: list[MerchantCategoryInput]

    def to_command(self) -> dict[str, Any]:
        return {
            "council_id": self.optional_key("council_id", "Council"),
            "codes": [(c.code, c.description) for c in self.categories],
        }


@strawberry.type
class SendRequestPayload(MutationPayload):
    care_request: CareRequestNode | None = None


@strawberry.type
class RespondToRequestPayload(MutationPayload):
    care_request: CareRequestNode | None = None


@strawberry.type
class AgreementPayloadMixin(MutationPayload):
    agreement: AgreementNode | None = None
    warnings: list[AgreementWarning] = strawberry.field(
        default_factory=list,
        description="Saved, but look again (e.g. the person's pre-paid card will decline this provider).",
    )

    @classmethod
    def present(cls, saved: service.SavedAgreement) -> Self:
        return cls(
            agreement=AgreementNode.from_model(saved.agreement),
            warnings=[AgreementWarning.from_card(w) for w in saved.warnings],
        )


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
class CancelAgreementPayload(MutationPayload):
    agreement: AgreementNode | None = None


@strawberry.type
class SetBlockedMerchantCategoriesPayload(MutationPayload):
    categories: list[BlockedMerchantCategoryType] | None = None

    @classmethod
    def present(cls, rows: list[BlockedMerchantCategory]) -> Self:
        return cls(categories=[BlockedMerchantCategoryType.from_model(r) for r in rows])


@strawberry.type
class AgreementMutations:
    send_request = use_case(
        SendRequestInput,
        service.send_request,
        SendRequestPayload,
        IsAuthenticated,
        "The holder, a representative or a broker asks a provider to take on needs of a plan.",
    )
    respond_to_request = use_case(
        RespondToRequestInput,
        service.respond_to_request,
        RespondToRequestPayload,
        IsAuthenticated,
        "The provider accepts or declines. A provider with its own sign-in answers for itself; for a "
        "listing without one its council's staff answer, recorded as on the provider's behalf.",
    )
    create_agreement = use_case(
        CreateAgreementInput,
        service.create_agreement,
        CreateAgreementPayload,
        IsAuthenticated,
        "A PROPOSED agreement from an accepted request, or made directly by a broker.",
    )
    activate_agreement = use_case(
        AgreementIdInput,
        service.activate_agreement,
        ActivateAgreementPayload,
        IsAuthenticated,
        "PROPOSED → ACTIVE: reserves the provider's hours (and a PA's times). Refused when someone "
        "else has taken them.",
    )
    end_agreement = use_case(
        EndAgreementInput,
        service.end_agreement,
        EndAgreementPayload,
        IsAuthenticated,
        "ACTIVE → ENDED on a date, with a reason.",
    )
    cancel_agreement = use_case(
        CancelAgreementInput,
        service.cancel_agreement,
        CancelAgreementPayload,
        IsAuthenticated,
        "PROPOSED → CANCELLED.",
    )
    set_blocked_merchant_categories = use_case(
        SetBlockedMerchantCategoriesInput,
        set_blocked_categories,
        SetBlockedMerchantCategoriesPayload,
        IsCouncilStaff,
        "Replace the list of merchant categories the council's pre-paid cards decline.",
    )
