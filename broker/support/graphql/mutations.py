"""Mutations of DP support: each takes one input, makes one service call, returns a payload."""

from __future__ import annotations

from datetime import date
from typing import Any, Self

import strawberry
from strawberry import relay

from broker.accounts.models import Role
from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated, IsCouncilStaff, has_role
from broker.support import service
from broker.support.graphql.types import (
    LeadContractNode,
    ReferralRouteEnum,
    SubcontractNode,
    SupportReferralNode,
)

IsProvider = has_role(Role.PROVIDER)


@strawberry.input(description="The council's contract with its lead provider for DP support services.")
class CreateLeadContractInput(DecodesIds):
    lead_provider_id: relay.GlobalID = strawberry.field(description="A SUPPORT_ORG listing.")
    services: list[str] = strawberry.field(description="DP support service codes the lead offers.")
    start_date: date
    end_date: date = strawberry.field(description="The last day the contract runs.")
    annual_value_pence: int
    council_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only platform admins choose; staff record their own council's."
    )

    def to_command(self) -> dict[str, Any]:
        return {
            "fields": service.ContractFields(
                lead_provider_id=self.key("lead_provider_id", "Provider"),
                services=self.services,
                start_date=self.start_date,
                end_date=self.end_date,
                annual_value_pence=self.annual_value_pence,
                council_id=self.optional_key("council_id", "Council"),
            )
        }


@strawberry.input(description="A subcontract from a lead contract to another support organisation.")
class ProposeSubcontractInput(DecodesIds):
    lead_contract_id: relay.GlobalID
    subcontractor_id: relay.GlobalID = strawberry.field(
        description="A SUPPORT_ORG listing other than the lead."
    )
    services: list[str] = strawberry.field(description="Among the lead contract's services.")
    start_date: date | None = strawberry.field(
        default=None, description="Default: today, or the contract's start if later."
    )
    end_date: date | None = strawberry.field(default=None, description="Default: the contract's end.")

    def to_command(self) -> dict[str, Any]:
        return {
            "fields": service.SubcontractFields(
                lead_contract_id=self.key("lead_contract_id", "LeadContract"),
                subcontractor_id=self.key("subcontractor_id", "Provider"),
                services=self.services,
                start_date=self.start_date,
                end_date=self.end_date,
            )
        }


@strawberry.input
class AnswerMixin(DecodesIds):
    id: relay.GlobalID
    accept: bool
    reason: str | None = strawberry.field(default=None, description="Why not, when declining.")


@strawberry.input(description="Your organisation's answer to a subcontract proposed to it.")
class RespondToSubcontractInput(AnswerMixin):
    def to_command(self) -> dict[str, Any]:
        return {"subcontract_id": self.key("id", "Subcontract"), "accept": self.accept, "reason": self.reason}


@strawberry.input(description="Your answer to a referral sent to you.")
class RespondToSupportReferralInput(AnswerMixin):
    def to_command(self) -> dict[str, Any]:
        return {
            "referral_id": self.key("id", "SupportReferral"),
            "accept": self.accept,
            "reason": self.reason,
        }


@strawberry.input
class EndSubcontractInput(DecodesIds):
    id: relay.GlobalID

    def to_command(self) -> dict[str, Any]:
        return {"subcontract_id": self.key("id", "Subcontract")}


@strawberry.input(description="Who the person wants to support them with which DP support services.")
class ChooseSupportProviderInput(DecodesIds):
    holder_id: relay.GlobalID
    provider_id: relay.GlobalID = strawberry.field(description="The lead provider or any other SUPPORT_ORG.")
    services: list[str] = strawberry.field(description="DP support service codes.")

    def to_command(self) -> dict[str, Any]:
        return {
            "holder_id": self.key("holder_id", "DPHolder"),
            "provider_id": self.key("provider_id", "Provider"),
            "services": self.services,
        }


@strawberry.type
class CreateLeadContractPayload(MutationPayload):
    lead_contract: LeadContractNode | None = None


@strawberry.type
class SubcontractPayloadMixin(MutationPayload):
    subcontract: SubcontractNode | None = None


@strawberry.type
class ProposeSubcontractPayload(SubcontractPayloadMixin):
    pass


@strawberry.type
class RespondToSubcontractPayload(SubcontractPayloadMixin):
    pass


@strawberry.type
class EndSubcontractPayload(SubcontractPayloadMixin):
    pass


@strawberry.type
class ChooseSupportProviderPayload(MutationPayload):
    referral: SupportReferralNode | None = None
    route: ReferralRouteEnum | None = None  # type: ignore[valid-type]
    subcontract: SubcontractNode | None = strawberry.field(
        default=None,
        description="The subcontract the referral runs under or waits for; null on the direct route.",
    )
    subcontract_proposed: bool = strawberry.field(
        default=False,
        description="No subcontract covered the choice, so one was proposed and the referral waits for it.",
    )
    message: str | None = strawberry.field(
        default=None, description="What happens next, in words for the person."
    )

    @classmethod
    def present(cls, choice: service.Choice) -> Self:
        return cls(
            referral=SupportReferralNode.from_model(choice.referral),
            route=choice.referral.route,
            subcontract=SubcontractNode.from_model(choice.subcontract) if choice.subcontract else None,
            subcontract_proposed=choice.subcontract_proposed,
            message=choice.message,
        )


@strawberry.type
class RespondToSupportReferralPayload(MutationPayload):
    referral: SupportReferralNode | None = None


@strawberry.type
class SupportMutations:
    create_lead_contract = use_case(
        CreateLeadContractInput,
        service.create_lead_contract,
        CreateLeadContractPayload,
        IsCouncilStaff,
        "Council staff record the lead contract for DP support services; no two contracts of a council "
        "may cover the same service on the same day.",
    )
    propose_subcontract = use_case(
        ProposeSubcontractInput,
        service.propose_subcontract,
        ProposeSubcontractPayload,
        IsCouncilStaff,
        "Council staff propose a subcontract; it is ACTIVE once the lead and the subcontractor both accept.",
    )
    respond_to_subcontract = use_case(
        RespondToSubcontractInput,
        service.respond_to_subcontract,
        RespondToSubcontractPayload,
        IsProvider,
        "The lead provider or the subcontractor accepts or declines a proposed subcontract.",
    )
    end_subcontract = use_case(
        EndSubcontractInput,
        service.end_subcontract,
        EndSubcontractPayload,
        IsCouncilStaff,
        "Council staff end an ACTIVE subcontract today.",
    )
    choose_support_provider = use_case(
        ChooseSupportProviderInput,
        service.choose_support_provider,
        ChooseSupportProviderPayload,
        IsAuthenticated,
        "The person (or their representative, or a broker with them) chooses their DP support provider: "
        "the lead directly, another organisation under an ACTIVE subcontract, or else a subcontract is "
        "proposed and the referral waits for it.",
    )
    respond_to_support_referral = use_case(
        RespondToSupportReferralInput,
        service.respond_to_referral,
        RespondToSupportReferralPayload,
        IsProvider,
        "The chosen provider accepts or declines a referral sent to it.",
    )
