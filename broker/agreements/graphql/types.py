"""GraphQL types of requests and agreements; who may see the holder is decided per viewer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from broker.agreements import service
from broker.agreements.cards import CardRoute, CardWarning, card_warning, category_to_check
from broker.agreements.models import (
    Agreement,
    AgreementNeed,
    AgreementStatus,
    AgreementTransition,
    BlockedMerchantCategory,
    CareRequest,
    RequestStatus,
)
from broker.api import links
from broker.api.accounts import UserNode
from broker.api.context import Info
from broker.api.money import pence_fields
from broker.api.nodes import RowNode
from broker.api.relay import Connection
from broker.holders.graphql import DPHolderNode
from broker.holders.models import DPHolder
from broker.holders.service import may_read
from broker.plans.graphql.types import PlanNeedType, ScheduleSlotType
from broker.providers.graphql.types import ProviderNode, ServiceType, service_type
from broker.taxonomy.services import all_services

if TYPE_CHECKING:
    from broker.payments.graphql.types import PaymentNode

RequestStatusEnum = strawberry.enum(
    RequestStatus,
    name="RequestStatus",
    description="PENDING until the provider answers; EXPIRED when nobody answered in time.",
)
AgreementStatusEnum = strawberry.enum(
    AgreementStatus,
    name="AgreementStatus",
    description="PROPOSED → ACTIVE (capacity reserved) → ENDED; a PROPOSED agreement may be CANCELLED.",
)
CardRouteEnum = strawberry.enum(
    CardRoute, name="CardRoute", description="How to pay a provider the pre-paid card declines."
)


class AgreementWarningCode(StrEnum):
    CARD_MAY_BE_DECLINED = "CARD_MAY_BE_DECLINED"


AgreementWarningCodeEnum = strawberry.enum(AgreementWarningCode, name="AgreementWarningCode")


@strawberry.type(
    name="AgreementWarning", description="Saved, but look again: the agreement was kept, and this is why."
)
class AgreementWarning:
    code: AgreementWarningCodeEnum  # type: ignore[valid-type]
    message: str
    merchant_category_code: str | None
    routes: list[CardRouteEnum] = strawberry.field(  # type: ignore[valid-type]
        description="The ways round it: a council exception for this provider, or paying by bank transfer."
    )

    @classmethod
    def from_card(cls, warning: CardWarning) -> AgreementWarning:
        return cls(
            code=AgreementWarningCode.CARD_MAY_BE_DECLINED,
            message=warning.message,
            merchant_category_code=warning.merchant_category_code,
            routes=list(warning.routes),
        )


@strawberry.type(
    name="BlockedMerchantCategory", description="A category the council's pre-paid cards decline."
)
class BlockedMerchantCategoryType:
    code: str
    description: str

    @classmethod
    def from_model(cls, row: BlockedMerchantCategory) -> BlockedMerchantCategoryType:
        return cls(code=row.code, description=row.description)


async def _holder_node(info: Info, holder_id: int) -> DPHolderNode | None:
    """The holder, for those who may see their profile (not providers: they get what the agreement says)."""
    holder: DPHolder | None = await info.context.loaders.dp_holder_by_id.load(holder_id)
    actor = info.context.actor
    if holder is None or actor is None:
        return None
    links = await info.context.loaders.representatives_by_holder_id.load(holder_id)
    return (
        DPHolderNode.from_model(holder) if may_read(actor, holder, (link.user_id for link in links)) else None
    )


async def _provider_node(info: Info, provider_id: int) -> ProviderNode:
    provider = await info.context.loaders.provider_by_id.load(provider_id)
    assert provider is not None
    return ProviderNode.from_model(provider)


@strawberry.type(name="CareRequest", description="A request to a provider to take on needs of a plan.")
class CareRequestNode(RowNode):
    id: relay.NodeID[int]
    status: RequestStatusEnum  # type: ignore[valid-type]
    message: str
    reason: str = strawberry.field(description="The provider's reason, when they gave one.")
    sent_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    model: strawberry.Private[CareRequest]

    @classmethod
    def from_model(cls, request: CareRequest, now: datetime | None = None) -> CareRequestNode:  # type: ignore[override]
        """Without `now`, the stored status: a request written by this very request cannot have
        expired yet."""
        status = service.effective_status(request, now) if now else request.status
        return super().from_model(request, status=status)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's is overloaded on `required`
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CareRequestNode | None]:
        from sqlalchemy import select

        ids = [int(i) for i in node_ids]
        async with info.context.db.session() as session:
            rows = await session.execute(
                select(CareRequest).where(
                    CareRequest.id.in_(ids),  # type: ignore[union-attr]
                    service.request_visible_clause(info.context.actor),
                )
            )
            found = {r.id: r for r in rows.scalars()}
        return [cls.from_model(found[i], info.context.now) if i in found else None for i in ids]

    @strawberry.field
    async def provider(self, info: Info) -> ProviderNode:
        return await _provider_node(info, self.model.provider_id)

    @strawberry.field(description="The person; null for providers, who see the needs asked for.")
    async def holder(self, info: Info) -> DPHolderNode | None:
        return await _holder_node(info, self.model.holder_id)

    @strawberry.field(description="The plan the request is for.")
    def plan_id(self) -> relay.GlobalID:
        return relay.GlobalID("SupportPlan", str(self.model.plan_id))

    @strawberry.field(
        description="Who answered: the provider's own sign-in, or council staff answering on its behalf. "
        "Null while unanswered, or if you may not see that user."
    )
    async def responded_by(self, info: Info) -> UserNode | None:
        user_id = self.model.responded_by_id
        if user_id is None:
            return None
        return UserNode.for_viewer(info, await info.context.loaders.user_by_id.load(user_id))

    @strawberry.field(
        description="True when council staff answered for a listing without its own sign-in, on the "
        "provider's behalf; false for the provider's own answer and while unanswered. A provider with "
        "its own sign-in always answers for itself."
    )
    def responded_on_behalf(self) -> bool:
        return self.model.responded_on_behalf

    @strawberry.field(description="The needs the provider is asked to meet: service, hours and times.")
    async def needs(self, info: Info) -> list[PlanNeedType]:
        needs = await info.context.loaders.plan_need_by_id.load_many(list(self.model.need_ids))
        return [PlanNeedType.from_model(n) for n in needs if n is not None]


@strawberry.type(name="AgreementNeed", description="A plan need the agreement meets, as it was when agreed.")
class AgreementNeedType:
    hours_per_week: float
    budgeted_rate_pence: strawberry.Private[int]
    budgeted_rate, budgeted_rate_pence_int = pence_fields(
        "budgeted_rate", "The hourly rate the budget allowed."
    )
    need_id: relay.GlobalID | None = strawberry.field(description="The plan's need, while it still exists.")
    model: strawberry.Private[AgreementNeed]

    @strawberry.field
    def service(self) -> ServiceType | None:
        code = self.model.service_code
        return service_type(code) if code in all_services() else None


@strawberry.type(name="AgreementTransition", description="One change of an agreement's status.")
class AgreementTransitionType:
    from_status: AgreementStatusEnum | None  # type: ignore[valid-type]
    to_status: AgreementStatusEnum  # type: ignore[valid-type]
    at: datetime
    reason: str
    by_id: strawberry.Private[int]

    @strawberry.field(description="Who made the change (null if you may not see that user).")
    async def by(self, info: Info) -> UserNode | None:
        return UserNode.for_viewer(info, await info.context.loaders.user_by_id.load(self.by_id))


@strawberry.type(
    name="Agreement", description="What a holder and a provider agreed: needs, hours, rate, times, dates."
)
class AgreementNode(RowNode):
    id: relay.NodeID[int]
    status: AgreementStatusEnum  # type: ignore[valid-type]
    hours_per_week: float
    hourly_rate_pence: strawberry.Private[int]
    hourly_rate, hourly_rate_pence_int = pence_fields("hourly_rate", "The agreed rate an hour.")
    start_date: date
    end_date: date | None = strawberry.field(description="The last day of care; null while open-ended.")
    end_reason: str
    created_at: datetime
    model: strawberry.Private[Agreement]

    visible = service.visible_agreements

    @classmethod
    async def referred_to(cls, info: Info, agreement_id: int | None) -> AgreementNode | None:
        """The agreement a row the caller already sees refers to (a payment, a timesheet, a statement
        line), read through the request's loader so a page of rows costs one statement."""
        if agreement_id is None:
            return None
        agreement = await info.context.loaders.agreement_by_id.load(agreement_id)
        return cls.from_model(agreement) if agreement else None

    weekly_cost, weekly_cost_pence_int = pence_fields(
        "weekly_cost",
        "Hours a week x hourly rate.",
        source=lambda root: round(root.model.hours_per_week * root.model.hourly_rate_pence),
    )

    @strawberry.field
    async def provider(self, info: Info) -> ProviderNode:
        return await _provider_node(info, self.model.provider_id)

    @strawberry.field(description="The person; null for providers.")
    async def holder(self, info: Info) -> DPHolderNode | None:
        return await _holder_node(info, self.model.holder_id)

    @strawberry.field
    def plan_id(self) -> relay.GlobalID:
        return relay.GlobalID("SupportPlan", str(self.model.plan_id))

    @strawberry.field(description="The request it was made from; null when a broker made it directly.")
    def request_id(self) -> relay.GlobalID | None:
        rid = self.model.request_id
        return relay.GlobalID("CareRequest", str(rid)) if rid is not None else None

    @strawberry.field(description="The DP support lead contract it runs under (support services only).")
    def lead_contract_id(self) -> relay.GlobalID | None:
        cid = self.model.lead_contract_id
        return relay.GlobalID("LeadContract", str(cid)) if cid is not None else None

    @strawberry.field(description="The lead's subcontract to this provider it runs under, if any.")
    def subcontract_id(self) -> relay.GlobalID | None:
        sid = self.model.subcontract_id
        return relay.GlobalID("Subcontract", str(sid)) if sid is not None else None

    @strawberry.field
    async def needs(self, info: Info) -> list[AgreementNeedType]:
        rows = await info.context.loaders.needs_by_agreement_id.load(self.id)
        return [
            AgreementNeedType(
                hours_per_week=n.hours_per_week,
                budgeted_rate_pence=n.budgeted_rate_pence,
                need_id=relay.GlobalID("PlanNeed", str(n.need_id)) if n.need_id is not None else None,
                model=n,
            )
            for n in rows
        ]

    @strawberry.field(description="When the provider works, Europe/London local time.")
    async def slots(self, info: Info) -> list[ScheduleSlotType]:
        rows = await info.context.loaders.slots_by_agreement_id.load(self.id)
        return [ScheduleSlotType.from_window(s.day, s.start_minute, s.end_minute) for s in rows]

    @strawberry.field(description="Every status change, oldest first, with who and when.")
    async def history(self, info: Info) -> list[AgreementTransitionType]:
        rows: list[AgreementTransition] = await info.context.loaders.transitions_by_agreement_id.load(self.id)
        return [
            AgreementTransitionType(
                from_status=t.from_status, to_status=t.to_status, at=t.at, reason=t.reason, by_id=t.by_id
            )
            for t in rows
        ]

    @strawberry.field(
        description="Warnings that apply today, e.g. the person's pre-paid card declining this provider."
    )
    async def warnings(self, info: Info) -> list[AgreementWarning]:
        loaders = info.context.loaders
        holder = await loaders.dp_holder_by_id.load(self.model.holder_id)
        provider = await loaders.provider_by_id.load(self.model.provider_id)
        assert holder is not None and provider is not None
        code = category_to_check(holder, provider)
        if code is None:
            return []
        blocked = await loaders.blocked_category_by_council_code.load((holder.council_id, code))
        warning = card_warning(provider, blocked)
        return [AgreementWarning.from_card(warning)] if warning else []

    payments: Connection[Annotated[PaymentNode, strawberry.lazy("broker.payments.graphql.types")]] = (
        strawberry.field(
            resolver=links.agreement_payments,
            description="Payments made under this agreement, latest period first.",
        )
    )
