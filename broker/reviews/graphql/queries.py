"""`reviews`: published reviews for anyone; the moderation queue and one's own for those they concern."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission

from broker.api.context import Info
from broker.api.inputs import FilterInput, decode_id
from broker.api.permissions import IsAuthenticated
from broker.api.relay import Connection, paged
from broker.reviews.access import has_moderation_queue
from broker.reviews.graphql.types import ReviewNode, ReviewStatusEnum
from broker.reviews.reading import ReviewFilter, list_reviews, moderation_queue
from broker.reviews.service import agreement_to_review

if TYPE_CHECKING:
    from broker.agreements.graphql.types import AgreementNode


class Moderates(BasePermission):
    """The council's staff (`access.has_moderation_queue`); anyone else is refused with FORBIDDEN."""

    message = "Only the council's staff moderate reviews."
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return has_moderation_queue(info.context.actor)


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

    @strawberry.field(
        permission_classes=[Moderates],
        description="The council's moderation queue: reviews waiting for a decision, oldest first. "
        "Council staff only (FORBIDDEN for anyone else, signed in or not).",
    )
    async def reviews_awaiting_moderation(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ReviewNode]:
        actor = info.context.signed_in
        return await paged(
            info,
            first,
            after,
            lambda session, page: moderation_queue(
                session, actor=actor, limit=page.limit, offset=page.offset
            ),
            ReviewNode.from_model,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The agreement, when you may review its provider: you are its DP holder or act for "
        "them. Null for anyone else (staff and the provider read it through `agreement`).",
    )
    async def agreement_to_review(
        self, info: Info, id: relay.GlobalID
    ) -> Annotated[AgreementNode, strawberry.lazy("broker.agreements.graphql.types")] | None:
        from broker.agreements.graphql.types import AgreementNode

        agreement_id = decode_id(id, "Agreement", field="id")
        async with info.context.db.session() as session:
            found = await agreement_to_review(
                session, actor=info.context.signed_in, agreement_id=agreement_id
            )
        return AgreementNode.from_model(found) if found else None
