"""GraphQL of the market capability: take-up, market gaps, rates, time to care, workforce."""

import strawberry

from broker.market.graphql.gaps import GapQueries
from broker.market.graphql.rates import RateMutations, RateQueries
from broker.market.graphql.takeup import TakeUpMutations, TakeUpQueries
from broker.market.graphql.timecare import TimeToCareQueries
from broker.market.graphql.workforce import WorkforceQueries


@strawberry.type
class MarketQueries(TakeUpQueries, GapQueries, RateQueries, TimeToCareQueries, WorkforceQueries):
    pass


@strawberry.type
class MarketMutations(TakeUpMutations, RateMutations):
    pass


__all__ = ["MarketMutations", "MarketQueries"]
