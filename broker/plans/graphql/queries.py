"""`supportPlan` and `supportPlans`: reading plans, each read recorded in the plan's read log."""

from __future__ import annotations

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import FilterInput
from broker.api.permissions import IsAuthenticated
from broker.api.relay import Connection, decode_id, paged
from broker.plans import service
from broker.plans.graphql.types import PlanStatusEnum, SupportPlanNode
from broker.plans.models import PlanReadPurpose


@strawberry.input(description="Narrow the plans; every filter given must hold.")
class SupportPlanFilterInput(FilterInput):
    status: PlanStatusEnum | None = None  # type: ignore[valid-type]
    holder: relay.GlobalID | None = strawberry.field(default=None, description="A DPHolder ID.")

    def to_domain(self) -> service.PlanFilter:
        return service.PlanFilter(
            status=self.status,
            holder_id=self.optional_key("holder", "DPHolder"),
        )


@strawberry.type
class PlanQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="One plan, if you may see it (its council's brokers, the holder, their representatives).",
    )
    async def support_plan(self, info: Info, id: relay.GlobalID) -> SupportPlanNode | None:
        ctx = info.context
        plan_id = decode_id(id, "SupportPlan", field="id")
        async with ctx.db.transaction() as session:
            plan = await service.read_support_plan(
                session, actor=ctx.actor, plan_id=plan_id, operation=PlanReadPurpose.VIEW, now=ctx.now
            )
        return SupportPlanNode.from_model(plan) if plan else None

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Plans you may see, newest first: your council's for staff, your own for holders.",
    )
    async def support_plans(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: SupportPlanFilterInput | None = None,
    ) -> Connection[SupportPlanNode]:
        ctx = info.context
        filters = filter.to_domain() if filter else service.PlanFilter()
        return await paged(
            info,
            first,
            after,
            lambda s, page: service.list_support_plans(
                s, actor=ctx.actor, filters=filters, limit=page.limit, offset=page.offset, now=ctx.now
            ),
            SupportPlanNode.from_model,
            writes=True,
        )
