"""GraphQL for satisfaction surveys: `surveyResults`, invitations, and defining and answering surveys."""

from broker.surveys.graphql.mutations import SurveyMutations
from broker.surveys.graphql.queries import SurveyQueries
from broker.surveys.graphql.types import SurveyNode

__all__ = ["SurveyMutations", "SurveyNode", "SurveyQueries"]
