"""`payments`, `budgetStatement` and `annualAudit`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import FilterInput
from broker.api.permissions import IsAuthenticated, IsCouncilStaff
from broker.api.relay import Connection, decode_id, paged
from broker.errors import InvalidInput
from broker.payments.audit import annual_audit
from broker.payments.budget import budget_statement
from broker.payments.graphql.types import (
    AnnualAuditType,
    BudgetStatementType,
    PaymentNode,
    PaymentStatusEnum,
)
from broker.payments.reading import PaymentFilter, list_payments


@strawberry.input(description="Narrow the payments; every filter given must hold.")
class PaymentFilterInput(FilterInput):
    agreement_id: relay.GlobalID | None = None
    holder_id: relay.GlobalID | None = None
    provider_id: relay.GlobalID | None = None
    status: PaymentStatusEnum | None = None  # type: ignore[valid-type]

    def to_domain(self) -> PaymentFilter:
        return PaymentFilter(
            agreement_id=self.optional_key("agreement_id", "Agreement"),
            holder_id=self.optional_key("holder_id", "DPHolder"),
            provider_id=self.optional_key("provider_id", "Provider"),
            status=self.status,
        )


@strawberry.type
class PaymentQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Payments you may see: your own (holders), to you (providers), your council's "
        "(brokers); latest period first.",
    )
    async def payments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: PaymentFilterInput | None = None,
    ) -> Connection[PaymentNode]:
        filters = filter.to_domain() if filter else PaymentFilter()
        return await paged(
            info,
            first,
            after,
            lambda session, page: list_payments(
                session, actor=info.context.actor, filters=filters, limit=page.limit, offset=page.offset
            ),
            PaymentNode.from_model,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="A DP holder's allocated, committed, spent and unspent money between two dates "
        "(inclusive), with a forecast to the end of the DP year. The holder, their representatives and "
        "their council's staff may read it.",
    )
    async def budget_statement(
        self,
        info: Info,
        holder_id: relay.GlobalID,
        from_: Annotated[date, strawberry.argument(name="from", description="First day, inclusive.")],
        to: Annotated[date, strawberry.argument(description="Last day, inclusive.")],
    ) -> BudgetStatementType | None:
        async with info.context.db.session() as session:
            statement = await budget_statement(
                session,
                actor=info.context.actor,
                holder_id=decode_id(holder_id, "DPHolder", field="holder_id"),
                period_from=from_,
                period_to=to,
            )
        return BudgetStatementType.from_statement(statement)

    @strawberry.field(
        permission_classes=[IsCouncilStaff],
        description="The annual DP audit of a council for the DP year starting 1 April `year`: payments "
        "outside agreements, above the agreed rate, over the plan's hours or after an agreement ended, "
        "and unspent money above the contingency, reclaimable. `broker audit` writes the same as CSV.",
    )
    async def annual_audit(
        self,
        info: Info,
        year: int,
        council_id: relay.GlobalID | None = None,
        contingency_weeks: float | None = None,
    ) -> AnnualAuditType:
        ctx = info.context
        actor = ctx.actor
        assert actor is not None
        council = decode_id(council_id, "Council", field="council_id") if council_id else actor.council_id
        if council is None:
            raise InvalidInput("Choose the council to audit.", field="council_id")
        weeks = ctx.settings.audit_contingency_weeks if contingency_weeks is None else contingency_weeks
        if not 0 <= weeks <= 52:
            raise InvalidInput("A contingency is 0 to 52 weeks of budget.", field="contingency_weeks")
        async with ctx.db.session() as session:
            report = await annual_audit(
                session, actor=actor, council_id=council, year=year, contingency_weeks=weeks
            )
        return AnnualAuditType.from_report(report)
