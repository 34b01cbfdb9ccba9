"""GraphQL of the market capability: take-up and market gaps."""

import strawberry

from broker.market.graphql.gaps import GapQueries
from broker.market.graphql.takeup import TakeUpMutations, TakeUpQueries


@strawberry.type
class MarketQueries(TakeUpQueries, GapQueries):
    pass


@strawberry.type
class MarketMutations(TakeUpMutations):
    pass


__all__ = ["MarketMutations", "MarketQueries"]
