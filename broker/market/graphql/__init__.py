"""GraphQL of the market capability: take-up, market gaps, rates."""

import strawberry

from broker.market.graphql.gaps import GapQueries
from broker.market.graphql.rates import RateMutations, RateQueries
from broker.market.graphql.takeup import TakeUpMutations, TakeUpQueries


@strawberry.type
class MarketQueries(TakeUpQueries, GapQueries, RateQueries):
    pass


@strawberry.type
class MarketMutations(TakeUpMutations, RateMutations):
    pass


__all__ = ["MarketMutations", "MarketQueries"]
