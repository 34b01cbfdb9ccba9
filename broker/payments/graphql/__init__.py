"""GraphQL for payments: types, queries (`payments`, `budgetStatement`, `annualAudit`) and mutations."""

from broker.payments.graphql.mutations import PaymentMutations
from broker.payments.graphql.queries import PaymentQueries
from broker.payments.graphql.types import PaymentNode

__all__ = ["PaymentMutations", "PaymentNode", "PaymentQueries"]
