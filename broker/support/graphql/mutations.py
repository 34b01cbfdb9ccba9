"""Mutations of DP support: each takes one input, makes one service call, returns a payload."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.accounts.models import Role
from broker.api.context import Info
from broker.api.errors import UserError
from broker.api.mutations import in_transaction
from broker.api.permissions import IsAuthenticated, IsCouncilStaff, has_role
from broker.api.relay import decode_id
from broker.support import service
from broker.support.graphql.types import (
    LeadContractNode,
    ReferralRouteEnum,
    SubcontractNode,
    SupportReferralNode,
)
from broker.support.models import LeadContract, Subcontract, SupportReferral

IsProvider = has_role(Role.PROVIDER)


@strawberry.input(description="The council's contract with its lead provider for DP support services.")
class CreateLeadContractInput:
    lead_provider_id: relay.GlobalID = strawberry.field(description="A SUPPORT_ORG listing.")
    services: list[str] = strawberry.field(description="DP support service codes the lead offers.")
    start_date: date
    end_date: date = strawberry.field(description="The last day the contract runs.")
    annual_value_pence: int
    council_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only platform admins choose; staff record their own council's."
    )


@strawberry.input(description="A subcontract from a lead contract to another support organisation.")
class ProposeSubcontractInput:
    lead_contract_id: relay.GlobalID
    subcontractor_id: relay.GlobalID = strawberry.field(
        description="A SUPPORT_ORG listing other than the lead."
    )
    services: list[str] = strawberry.field(description="Among the lead contract's services.")
    start_date: date | None = strawberry.field(
        default=None, description="Default: today, or the contract's start if later."
    )
    end_date: date | None = strawberry.field(default=None, description="Default: the contract's end.")


@strawberry.input
class AnswerMixin:
    id: relay.GlobalID
    accept: bool
    reason: str | None = strawberry.field(default=None, description="Why not, when declining.")


@strawberry.input(description="Your organisation's answer to a subcontract proposed to it.")
class RespondToSubcontractInput(AnswerMixin):
    pass


@strawberry.input(description="Your answer to a referral sent to you.")
class RespondToSupportReferralInput(AnswerMixin):
    pass


@strawberry.input
class EndSubcontractInput:
    id: relay.GlobalID


@strawberry.input(description="Who the person wants to support them with which DP support services.")
class ChooseSupportProviderInput:
    holder_id: relay.GlobalID
    provider_id: relay.GlobalID = strawberry.field(description="The lead provider or any other SUPPORT_ORG.")
    services: list[str] = strawberry.field(description="DP support service codes.")


@strawberry.type
class CreateLeadContractPayload:
    lead_contract: LeadContractNode | None
    user_errors: list[UserError]


@strawberry.type
class SubcontractPayloadMixin:
    subcontract: SubcontractNode | None
    user_errors: list[UserError]


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
class ChooseSupportProviderPayload:
    referral: SupportReferralNode | None
    route: ReferralRouteEnum | None  # type: ignore[valid-type]
    subcontract: SubcontractNode | None = strawberry.field(
        description="The subcontract the referral runs under or waits for; null on the direct route."
    )
    subcontract_proposed: bool = strawberry.field(
        description="No subcontract covered the choice, so one was proposed and the referral waits for it."
    )
    message: str | None = strawberry.field(description="What happens next, in words for the person.")
    user_errors: list[UserError]


@strawberry.type
class RespondToSupportReferralPayload:
    referral: SupportReferralNode | None
    user_errors: list[UserError]


def _contract(row: LeadContract | None) -> LeadContractNode | None:
    return LeadContractNode.from_model(row) if row is not None else None


def _subcontract(row: Subcontract | None) -> SubcontractNode | None:
    return SubcontractNode.from_model(row) if row is not None else None


def _referral(row: SupportReferral | None) -> SupportReferralNode | None:
    return SupportReferralNode.from_model(row) if row is not None else None


@strawberry.type
class SupportMutations:
    @strawberry.mutation(
        permission_classes=[IsCouncilStaff],
        description="Council staff record the lead contract for DP support services; no two contracts of a "
        "council may cover the same service on the same day.",
    )
    async def create_lead_contract(
        self, info: Info, input: CreateLeadContractInput
    ) -> CreateLeadContractPayload:
        ctx = info.context

        async def action(session):
            fields = service.ContractFields(
                lead_provider_id=decode_id(input.lead_provider_id, "Provider", field="input.leadProviderId"),
                services=input.services,
                start_date=input.start_date,
                end_date=input.end_date,
                annual_value_pence=input.annual_value_pence,
                council_id=(
                    decode_id(input.council_id, "Council", field="input.councilId")
                    if input.council_id
                    else None
                ),
            )
            return await service.create_lead_contract(session, actor=ctx.actor, fields=fields, now=ctx.now)

        contract, errors = await in_transaction(info, action)
        return CreateLeadContractPayload(lead_contract=_contract(contract), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsCouncilStaff],
        description="Council staff propose a subcontract; it is ACTIVE once the lead and the subcontractor "
        "both accept.",
    )
    async def propose_subcontract(
        self, info: Info, input: ProposeSubcontractInput
    ) -> ProposeSubcontractPayload:
        ctx = info.context

        async def action(session):
            fields = service.SubcontractFields(
                lead_contract_id=decode_id(
                    input.lead_contract_id, "LeadContract", field="input.leadContractId"
                ),
                subcontractor_id=decode_id(input.subcontractor_id, "Provider", field="input.subcontractorId"),
                services=input.services,
                start_date=input.start_date,
                end_date=input.end_date,
            )
            return await service.propose_subcontract(
                session, actor=ctx.actor, fields=fields, now=ctx.now, today=ctx.today
            )

        subcontract, errors = await in_transaction(info, action)
        return ProposeSubcontractPayload(subcontract=_subcontract(subcontract), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsProvider],
        description="The lead provider or the subcontractor accepts or declines a proposed subcontract.",
    )
    async def respond_to_subcontract(
        self, info: Info, input: RespondToSubcontractInput
    ) -> RespondToSubcontractPayload:
        ctx = info.context

        async def action(session):
            return await service.respond_to_subcontract(
                session,
                actor=ctx.actor,
                subcontract_id=decode_id(input.id, "Subcontract", field="input.id"),
                accept=input.accept,
                reason=input.reason,
                now=ctx.now,
            )

        subcontract, errors = await in_transaction(info, action)
        return RespondToSubcontractPayload(subcontract=_subcontract(subcontract), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsCouncilStaff], description="Council staff end an ACTIVE subcontract today."
    )
    async def end_subcontract(self, info: Info, input: EndSubcontractInput) -> EndSubcontractPayload:
        ctx = info.context

        async def action(session):
            return await service.end_subcontract(
                session,
                actor=ctx.actor,
                subcontract_id=decode_id(input.id, "Subcontract", field="input.id"),
                now=ctx.now,
                today=ctx.today,
            )

        subcontract, errors = await in_transaction(info, action)
        return EndSubcontractPayload(subcontract=_subcontract(subcontract), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="The person (or their representative, or a broker with them) chooses their DP support "
        "provider: the lead directly, another organisation under an ACTIVE subcontract, or else a "
        "subcontract "
        "is proposed and the referral waits for it.",
    )
    async def choose_support_provider(
        self, info: Info, input: ChooseSupportProviderInput
    ) -> ChooseSupportProviderPayload:
        ctx = info.context

        async def action(session):
            return await service.choose_support_provider(
                session,
                actor=ctx.actor,
                holder_id=decode_id(input.holder_id, "DPHolder", field="input.holderId"),
                provider_id=decode_id(input.provider_id, "Provider", field="input.providerId"),
                services=input.services,
                now=ctx.now,
                today=ctx.today,
            )

        choice, errors = await in_transaction(info, action)
        if choice is None:
            return ChooseSupportProviderPayload(
                referral=None,
                route=None,
                subcontract=None,
                subcontract_proposed=False,
                message=None,
                user_errors=errors,
            )
        return ChooseSupportProviderPayload(
            referral=_referral(choice.referral),
            route=choice.referral.route,
            subcontract=_subcontract(choice.subcontract),
            subcontract_proposed=choice.subcontract_proposed,
            message=choice.message,
            user_errors=[],
        )

    @strawberry.mutation(
        permission_classes=[IsProvider],
        description="The chosen provider accepts or declines a referral sent to it.",
    )
    async def respond_to_support_referral(
        self, info: Info, input: RespondToSupportReferralInput
    ) -> RespondToSupportReferralPayload:
        ctx = info.context

        async def action(session):
            return await service.respond_to_referral(
                session,
                actor=ctx.actor,
                referral_id=decode_id(input.id, "SupportReferral", field="input.id"),
                accept=input.accept,
                reason=input.reason,
                now=ctx.now,
            )

        referral, errors = await in_transaction(info, action)
        return RespondToSupportReferralPayload(referral=_referral(referral), user_errors=errors)
