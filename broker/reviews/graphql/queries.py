"""`reviews`: published reviews for anyone; the moderation queue and one's own for those they concern."""

from __future__ import annotations

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import FilterInput
from broker.api.relay import Connection, paged
from broker.reviews.graphql.types import ReviewNode, ReviewStatusEnum
from broker.reviews.reading import ReviewFilter, list_reviews


@strawberry.input(description="Narrow the reviews; every filter given must hold.")
class ReviewFilterInput(FilterInput):
    provider_id: relay.GlobalID | None = None
    agreement_id: relay.GlobalID | None = None
    status: ReviewStatusEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="PENDING gives the council's moderation queue (staff only)."
    )

    def to_domain(self) -> ReviewFilter:
        return ReviewFilter(
            provider_id=self.optional_key("provider_id", "Provider"),
            agreement_id=self.optional_key("agreement_id", "Agreement"),
            status=self.status,
        )


@strawberry.type
class ReviewQueries:
    @strawberry.field(
        description="Reviews, latest first: published ones for anyone (signed in or not); also those "
        "waiting or rejected, for the council's staff and the people who wrote them."
    )
    async def reviews(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ReviewFilterInput | None = None,
    ) -> Connection[ReviewNode]:
        filters = filter.to_domain() if filter else ReviewFilter()
        return await paged(
            info,
            first,
            after,
            lambda session, page: list_reviews(
                session, actor=info.context.actor, filters=filters, limit=page.limit, offset=page.offset
            ),
            ReviewNode.from_model,
        )
