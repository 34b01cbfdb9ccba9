"""GraphQL for reviews: types, `reviews`, `submitReview`, `moderateReview` and `replyToReview`."""

from broker.reviews.graphql.mutations import ReviewMutations
from broker.reviews.graphql.queries import ReviewQueries
from broker.reviews.graphql.types import ReviewNode, ReviewScoreType

__all__ = ["ReviewMutations", "ReviewNode", "ReviewQueries", "ReviewScoreType"]
