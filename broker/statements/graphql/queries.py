"""`statementLines`: the reconciled lines of DP account statements the caller may see."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import FilterInput
from broker.api.permissions import IsAuthenticated
from broker.api.relay import Connection, paged
from broker.statements.graphql.types import StatementLineNode, StatementLineStatusEnum
from broker.statements.reading import LineFilter, list_lines


@strawberry.input(description="Narrow the statement lines; every filter given must hold.")
class StatementLineFilterInput(FilterInput):
    holder_id: relay.GlobalID | None = None
    statement_id: relay.GlobalID | None = None
    status: StatementLineStatusEnum | None = None  # type: ignore[valid-type]
    resolved: bool | None = strawberry.field(default=None, description="Decided by a broker, or not yet.")
    posted_from: date | None = strawberry.field(default=None, description="First day, inclusive.")
    posted_to: date | None = strawberry.field(default=None, description="Last day, inclusive.")

    def to_domain(self) -> LineFilter:
        return LineFilter(
            holder_id=self.optional_key("holder_id", "DPHolder"),
            statement_id=self.optional_key("statement_id", "AccountStatement"),
            status=self.status,
            resolved=self.resolved,
            posted_from=self.posted_from,
            posted_to=self.posted_to,
        )


@strawberry.type
class StatementQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Lines of imported DP account statements: a holder's own (holders and representatives), "
        "the council's (brokers, admins); never a provider's. Latest first.",
    )
    async def statement_lines(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: StatementLineFilterInput | None = None,
    ) -> Connection[StatementLineNode]:
        filters = filter.to_domain() if filter else LineFilter()
        return await paged(
            info,
            first,
            after,
            lambda session, page: list_lines(
                session, actor=info.context.actor, filters=filters, limit=page.limit, offset=page.offset
            ),
            StatementLineNode.from_model,
        )
