"""GraphQL types of reviews and of a listing's review score."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from broker.api.accounts import UserNode
from broker.api.context import Info
from broker.api.nodes import RowNode
from broker.reviews import rules
from broker.reviews.access import sees_reviewer
from broker.reviews.models import Review, ReviewStatus
from broker.reviews.reading import visible_reviews
from broker.reviews.scores import ReviewScore

if TYPE_CHECKING:
    from broker.providers.graphql.types import ProviderNode

ReviewStatusEnum = strawberry.enum(
    ReviewStatus,
    name="ReviewStatus",
    description="PENDING (waiting for the council to moderate it), PUBLISHED or REJECTED.",
)


@strawberry.type(
    name="Review",
    description="A review of a provider by a person it cares for (or their representative), under one "
    "agreement. Ratings are 1 (very poor) to 5 (excellent). Published reviews are public; who wrote one "
    "is shown only to its author and the council's staff.",
)
class ReviewNode(RowNode):
    id: relay.NodeID[int]
    overall: int
    care_and_support: int
    dignity: int = strawberry.field(description="Treated with dignity and respect.")
    staff: int
    management: int
    value: int = strawberry.field(description="Value for money.")
    comment: str
    status: ReviewStatusEnum  # type: ignore[valid-type]
    submitted_at: datetime
    moderated_at: datetime | None
    rejection_reason: str = strawberry.field(description="Why the council did not publish it.")
    reply: str | None = strawberry.field(description="The provider's one public answer.")
    replied_at: datetime | None
    model: strawberry.Private[Review]

    visible = visible_reviews

    @strawberry.field(description="The provider reviewed.")
    async def provider(
        self, info: Info
    ) -> Annotated[ProviderNode, strawberry.lazy("broker.providers.graphql.types")] | None:
        from broker.providers.graphql.types import ProviderNode

        provider = await info.context.loaders.provider_by_id.load(self.model.provider_id)
        return ProviderNode.from_model(provider) if provider else None

    @strawberry.field(description="Who wrote it: null unless you are its author or the council's staff.")
    async def written_by(self, info: Info) -> UserNode | None:
        if not sees_reviewer(info.context.actor, self.model):
            return None
        user = await info.context.loaders.user_by_id.load(self.model.author_id)
        return UserNode.from_model(user) if user else None


@strawberry.type(
    name="ReviewScore",
    description="A listing's score out of 10: over its published reviews of the last 24 months, twice the "
    "mean of every rating (six per review), rounded half up to one decimal. Shown only from "
    f"{rules.MIN_REVIEWS_FOR_SCORE} such reviews.",
)
class ReviewScoreType:
    reviews: int = strawberry.field(description="Published reviews of the last 24 months.")
    score: float | None = strawberry.field(
        description=f"Out of 10; null with fewer than {rules.MIN_REVIEWS_FOR_SCORE} reviews."
    )

    @classmethod
    def from_score(cls, score: ReviewScore) -> ReviewScoreType:
        return cls(reviews=score.reviews, score=score.score)
