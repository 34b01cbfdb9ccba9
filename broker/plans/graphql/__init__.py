"""GraphQL for support plans: types, queries (`supportPlan`, `supportPlans`) and mutations."""

from broker.plans.graphql.mutations import PlanMutations
from broker.plans.graphql.queries import PlanQueries
from broker.plans.graphql.types import SupportPlanNode

__all__ = ["PlanMutations", "PlanQueries", "SupportPlanNode"]
