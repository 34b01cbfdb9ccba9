"""GraphQL for provider listings: types, queries (`provider`, `providers`) and mutations."""

from broker.providers.graphql.mutations import ProviderMutations
from broker.providers.graphql.queries import ProviderQueries

__all__ = ["ProviderMutations", "ProviderQueries"]
