"""`submitReview`, `moderateReview` and `replyToReview`: each takes one input, makes one service call."""

from __future__ import annotations

import strawberry
from strawberry import relay

from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated
from broker.reviews import service
from broker.reviews.graphql.types import ReviewNode
from broker.reviews.service import ReviewDraft

RATING = "1 (very poor) to 5 (excellent)."


@strawberry.input(description="A review of the provider of one of your agreements.")
class SubmitReviewInput(DecodesIds):
    agreement_id: relay.GlobalID = strawberry.field(
        description="Active four weeks or more, or ended; one review per agreement in six months."
    )
    overall: int = strawberry.field(description=RATING)
    care_and_support: int = strawberry.field(description=RATING)
    dignity: int = strawberry.field(description=RATING)
    staff: int = strawberry.field(description=RATING)
    management: int = strawberry.field(description=RATING)
    value: int = strawberry.field(description=RATING)
    comment: str = strawberry.field(default="", description="Plain text, up to 2,000 characters.")

    def to_command(self) -> dict[str, ReviewDraft]:
        return {
            "command": ReviewDraft(
                agreement_id=self.key("agreement_id", "Agreement"),
                overall=self.overall,
                care_and_support=self.care_and_support,
                dignity=self.dignity,
                staff=self.staff,
                management=self.management,
                value=self.value,
                comment=self.comment,
            )
        }


@strawberry.input(description="The council's decision on a review waiting for moderation.")
class ModerateReviewInput(DecodesIds):
    review_id: relay.GlobalID
    publish: bool = strawberry.field(description="True publishes it; false rejects it.")
    reason: str | None = strawberry.field(
        default=None, description="Why it is rejected (needed to reject; its author reads it), up to 500."
    )

    def to_command(self) -> dict[str, object]:
        return {"review_id": self.key("review_id", "Review"), "publish": self.publish, "reason": self.reason}


@strawberry.input(description="The provider's one public answer to a published review.")
class ReplyToReviewInput(DecodesIds):
    review_id: relay.GlobalID
    reply: str = strawberry.field(description="Plain text, up to 2,000 characters; it cannot be changed.")

    def to_command(self) -> dict[str, object]:
        return {"review_id": self.key("review_id", "Review"), "reply": self.reply}


@strawberry.type
class SubmitReviewPayload(MutationPayload):
    review: ReviewNode | None = None


@strawberry.type
class ModerateReviewPayload(MutationPayload):
    review: ReviewNode | None = None


@strawberry.type
class ReplyToReviewPayload(MutationPayload):
    review: ReviewNode | None = None


@strawberry.type
class ReviewMutations:
    submit_review = use_case(
        SubmitReviewInput,
        service.submit_review,
        SubmitReviewPayload,
        IsAuthenticated,
        "The DP holder or a representative reviews the provider of their agreement, once it has been "
        "active four weeks or has ended, at most once per agreement in six months. It waits for the "
        "council to moderate it.",
    )
    moderate_review = use_case(
        ModerateReviewInput,
        service.moderate_review,
        ModerateReviewPayload,
        IsAuthenticated,
        "The council's brokers and admins publish a waiting review, or reject it with a reason.",
    )
    reply_to_review = use_case(
        ReplyToReviewInput,
        service.reply_to_review,
        ReplyToReviewPayload,
        IsAuthenticated,
        "The provider answers a published review of theirs, once, in public.",
    )
