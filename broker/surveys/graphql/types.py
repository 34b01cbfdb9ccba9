"""GraphQL types of surveys, their questions, invitations and aggregated results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from strawberry import relay

from broker.accounts.actor import Actor
from broker.api.context import Info
from broker.api.nodes import RowNode
from broker.support.graphql.types import SupportReferralNode
from broker.surveys.access import may_define, sees_survey
from broker.surveys.invitations import Invitation
from broker.surveys.models import QuestionKind, Survey, SurveyQuestion
from broker.surveys.results import QuestionResult, SurveyResults

QuestionKindEnum = strawberry.enum(
    QuestionKind,
    name="SurveyQuestionKind",
    description="SCALE: 1 (very dissatisfied) to 5 (very satisfied); YES_NO; FREE_TEXT.",
)


async def visible_surveys(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, Survey]:
    """Surveys by ID, as `broker.surveys.access.sees_survey` allows."""
    rows = (await session.execute(select(Survey).where(col(Survey.id).in_(ids)))).scalars()
    return {s.id: s for s in rows if s.id is not None and sees_survey(actor, s.council_id)}


@strawberry.type(name="SurveyQuestion")
class SurveyQuestionType:
    id: int = strawberry.field(description="Its number within the survey, for `answerSurvey`.")
    position: int
    text: str
    kind: QuestionKindEnum  # type: ignore[valid-type]

    @classmethod
    def from_model(cls, question: SurveyQuestion) -> SurveyQuestionType:
        assert question.id is not None
        return cls(id=question.id, position=question.position, text=question.text, kind=question.kind)


@strawberry.type(name="Survey", description="A council's satisfaction survey of its DP support services.")
class SurveyNode(RowNode):
    id: relay.NodeID[int]
    title: str
    invite_after_days: int = strawberry.field(
        description="People are invited this many days after their support referral is accepted."
    )
    created_at: datetime
    closed_at: datetime | None
    model: strawberry.Private[Survey]

    visible = visible_surveys

    @strawberry.field
    def open(self) -> bool:
        return self.closed_at is None

    @strawberry.field
    async def questions(self, info: Info) -> list[SurveyQuestionType]:
        questions = await info.context.loaders.questions_by_survey_id.load(self.id)
        return [SurveyQuestionType.from_model(q) for q in questions]

    @strawberry.field(description="Whether you may close it (the council's staff).")
    def closable(self, info: Info) -> bool:
        actor = info.context.actor
        return actor is not None and may_define(actor, self.model.council_id) and self.closed_at is None


@strawberry.type(name="SurveyInvitation", description="A survey you are asked to answer about one referral.")
class SurveyInvitationType:
    survey: SurveyNode
    referral: SupportReferralNode

    @classmethod
    def from_invitation(cls, invitation: Invitation) -> SurveyInvitationType:
        return cls(
            survey=SurveyNode.from_model(invitation.survey),
            referral=SupportReferralNode.from_model(invitation.referral),
        )


@strawberry.type(
    name="SurveyQuestionResult",
    description="Answers to one question. Counts of 1 to 4 people are withheld (null), as in the market "
    "reports, and so is a mean of a withheld count.",
)
class QuestionResultType:
    question: SurveyQuestionType
    answered: int | None
    counts: list[int | None] = strawberry.field(
        description="SCALE: people who chose 1, 2, 3, 4, 5; YES_NO: yes, no; FREE_TEXT: empty."
    )
    mean_rating: float | None
    texts: list[str] = strawberry.field(
        description="FREE_TEXT answers, sorted: for the council's staff only, from five answers."
    )
    suppressed: bool

    @classmethod
    def from_result(cls, result: QuestionResult) -> QuestionResultType:
        return cls(
            question=SurveyQuestionType.from_model(result.question),
            answered=result.answered,
            counts=result.counts,
            mean_rating=result.mean_rating,
            texts=result.texts,
            suppressed=result.suppressed,
        )


@strawberry.type(name="SurveyResults", description="A survey's answers, aggregated.")
class SurveyResultsType:
    survey: SurveyNode
    respondents: int | None = strawberry.field(description="Null when 1 to 4 people answered.")
    questions: list[QuestionResultType]
    suppressed: bool = strawberry.field(description="Some count was withheld.")

    @classmethod
    def from_results(cls, results: SurveyResults) -> SurveyResultsType:
        return cls(
            survey=SurveyNode.from_model(results.survey),
            respondents=results.respondents,
            questions=[QuestionResultType.from_result(q) for q in results.questions],
            suppressed=results.suppressed,
        )
