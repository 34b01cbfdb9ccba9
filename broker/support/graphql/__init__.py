"""GraphQL for DP support: lead contracts, subcontracts, referrals, `supportProviders` and counts."""

from broker.support.graphql.mutations import SupportMutations
from broker.support.graphql.queries import SupportQueries

__all__ = ["SupportMutations", "SupportQueries"]
