"""GraphQL for statements: types, `statementLines`, `importStatement` and `resolveStatementLine`."""

from broker.statements.graphql.mutations import StatementMutations
from broker.statements.graphql.queries import StatementQueries
from broker.statements.graphql.types import AccountStatementNode, StatementLineNode

__all__ = ["AccountStatementNode", "StatementLineNode", "StatementMutations", "StatementQueries"]
