"""GraphQL of the market capability: take-up, market gaps, rates, time to care."""

import strawberry

from broker.market.graphql.gaps import GapQueries
from broker.market.graphql.rates import RateMutations, RateQueries
from broker.market.graphql.takeup import TakeUpMutations, TakeUpQueries
from broker.market.graphql.timecare import TimeToCareQueries


@strawberry.type
class MarketQueries(TakeUpQueries, GapQueries, RateQueries, TimeToCareQueries):
    pass


@strawberry.type
class MarketMutations(TakeUpMutations, RateMutations):
    pass


__all__ = ["MarketMutations", "MarketQueries"]
