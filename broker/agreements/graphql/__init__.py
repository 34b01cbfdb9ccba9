"""GraphQL for requests and agreements: types, queries (`agreements`, `careRequests`) and mutations."""

from broker.agreements.graphql.mutations import AgreementMutations
from broker.agreements.graphql.queries import AgreementQueries
from broker.agreements.graphql.types import AgreementNode, CareRequestNode

__all__ = ["AgreementMutations", "AgreementNode", "AgreementQueries", "CareRequestNode"]
