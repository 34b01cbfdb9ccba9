"""`agreements`, `agreement`, `careRequests` and `blockedMerchantCategories`."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from broker.agreements import service
from broker.agreements.cards import blocked_categories
from broker.agreements.graphql.types import (
    AgreementNode,
    AgreementStatusEnum,
    BlockedMerchantCategoryType,
    CareRequestNode,
    RequestStatusEnum,
)
from broker.api.context import Info
from broker.api.inputs import FilterInput
from broker.api.permissions import IsAuthenticated, IsCouncilStaff
from broker.api.relay import Connection, connection, decode_id, page_from, paged
from broker.errors import PermissionDenied


@strawberry.input(description="Narrow the agreements; every filter given must hold.")
class AgreementFilterInput(FilterInput):
    status: AgreementStatusEnum | None = None  # type: ignore[valid-type]
    holder_id: relay.GlobalID | None = None
    provider_id: relay.GlobalID | None = None

    def to_domain(self) -> service.AgreementFilter:
        return service.AgreementFilter(
            status=self.status,
            holder_id=self.optional_key("holder_id", "DPHolder"),
            provider_id=self.optional_key("provider_id", "Provider"),
        )


async def care_requests_page(
    info: Info, status: object, first: int | None, after: str | None, plan_id: int | None = None
) -> Connection[CareRequestNode]:
    page = page_from(first, after)
    ctx = info.context
    async with ctx.db.session() as session:
        rows, total = await service.list_requests(
            session,
            actor=ctx.actor,  # type: ignore[arg-type]
            status=status,  # type: ignore[arg-type]
            now=ctx.now,
            limit=page.limit,
            offset=page.offset,
            plan_id=plan_id,
        )
    return connection([CareRequestNode.from_model(r, ctx.now) for r in rows], page=page, total=total)


@strawberry.type
class AgreementQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Agreements you are party to (holder, representative, provider) or, for brokers, "
        "your council's; newest first.",
    )
    async def agreements(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: AgreementFilterInput | None = None,
    ) -> Connection[AgreementNode]:
        filters = filter.to_domain() if filter else service.AgreementFilter()
        return await paged(
            info,
            first,
            after,
            lambda session, page: service.list_agreements(
                session, actor=info.context.signed_in, filters=filters, limit=page.limit, offset=page.offset
            ),
            AgreementNode.from_model,
        )

    @strawberry.field(permission_classes=[IsAuthenticated], description="One agreement, if you may see it.")
    async def agreement(self, info: Info, id: relay.GlobalID) -> AgreementNode | None:
        agreement_id = decode_id(id, "Agreement", field="id")
        async with info.context.db.session() as session:
            found = await service.get_agreement(session, actor=info.context.actor, agreement_id=agreement_id)
        return AgreementNode.from_model(found) if found else None

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Requests to your listing (providers), for your plans (holders), or in your council "
        "(brokers); newest first. `viewer { careRequests }` answers the same.",
    )
    async def care_requests(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: RequestStatusEnum | None = None,  # type: ignore[valid-type]
        plan_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only the requests sent for this support plan."),
        ] = None,
    ) -> Connection[CareRequestNode]:
        plan = decode_id(plan_id, "SupportPlan", field="planId") if plan_id else None
        return await care_requests_page(info, status, first, after, plan)

    @strawberry.field(
        permission_classes=[IsCouncilStaff],
        description="The merchant categories your council's pre-paid cards decline.",
    )
    async def blocked_merchant_categories(
        self, info: Info, council_id: relay.GlobalID | None = None
    ) -> list[BlockedMerchantCategoryType]:
        actor = info.context.actor
        assert actor is not None
        council = decode_id(council_id, "Council", field="councilId") if council_id else actor.council_id
        if council is None or not actor.is_staff_of(council):
            raise PermissionDenied("Only the council's staff read this list.", field="councilId")
        async with info.context.db.session() as session:
            rows = await blocked_categories(session, council)
        return [BlockedMerchantCategoryType.from_model(r) for r in rows]
