"""`createSurvey`, `closeSurvey` and `answerSurvey`: each takes one input, makes one service call."""

from __future__ import annotations

import strawberry
from strawberry import relay

from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated
from broker.surveys import service
from broker.surveys.graphql.types import QuestionKindEnum, SurveyNode
from broker.surveys.models import QuestionKind, SurveyResponse
from broker.surveys.service import AnswerDraft, QuestionDraft, SurveyAnswers, SurveyDraft


@strawberry.input
class SurveyQuestionInput:
    text: str = strawberry.field(description="Plain text, up to 300 characters.")
    kind: QuestionKindEnum  # type: ignore[valid-type]


@strawberry.input(description="A council's satisfaction survey of its DP support services.")
class CreateSurveyInput(DecodesIds):
    title: str
    invite_after_days: int = strawberry.field(
        description="Invite people this many days (0 to 366) after their support referral is accepted."
    )
    questions: list[SurveyQuestionInput] = strawberry.field(description="1 to 20, in order.")
    council_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Platform admins only; staff define surveys for their own council."
    )

    def to_command(self) -> dict[str, SurveyDraft]:
        return {
            "command": SurveyDraft(
                council_id=self.optional_key("council_id", "Council"),
                title=self.title,
                invite_after_days=self.invite_after_days,
                questions=[QuestionDraft(q.text, QuestionKind(q.kind)) for q in self.questions],
            )
        }


@strawberry.input
class CloseSurveyInput(DecodesIds):
    survey_id: relay.GlobalID

    def to_command(self) -> dict[str, int]:
        return {"survey_id": self.key("survey_id", "Survey")}


@strawberry.input(description="One answer: `rating` for SCALE, `yes` for YES_NO, `text` for FREE_TEXT.")
class SurveyAnswerInput:
    question_id: int
    rating: int | None = None
    yes: bool | None = None
    text: str | None = strawberry.field(default=None, description="Plain text, up to 2,000 characters.")


@strawberry.input(description="Your answers to a survey you are invited to; questions may be skipped.")
class AnswerSurveyInput(DecodesIds):
    survey_id: relay.GlobalID
    referral_id: relay.GlobalID
    answers: list[SurveyAnswerInput]

    def to_command(self) -> dict[str, SurveyAnswers]:
        return {
            "command": SurveyAnswers(
                survey_id=self.key("survey_id", "Survey"),
                referral_id=self.key("referral_id", "SupportReferral"),
                answers=[AnswerDraft(a.question_id, a.rating, a.yes, a.text) for a in self.answers],
            )
        }


@strawberry.type
class CreateSurveyPayload(MutationPayload):
    survey: SurveyNode | None = None


@strawberry.type
class CloseSurveyPayload(MutationPayload):
    survey: SurveyNode | None = None


@strawberry.type
class AnswerSurveyPayload(MutationPayload):
    answered: bool = strawberry.field(default=False, description="True once your answers are saved.")

    @classmethod
    def present(cls, response: SurveyResponse) -> AnswerSurveyPayload:
        return cls(answered=response.id is not None)


@strawberry.type
class SurveyMutations:
    create_survey = use_case(
        CreateSurveyInput,
        service.create_survey,
        CreateSurveyPayload,
        IsAuthenticated,
        "The council's brokers and admins define a short satisfaction survey of DP support services; "
        "people with an accepted support referral are invited after the days it says.",
    )
    close_survey = use_case(
        CloseSurveyInput,
        service.close_survey,
        CloseSurveyPayload,
        IsAuthenticated,
        "The council stops inviting people to a survey; its results stay.",
    )
    answer_survey = use_case(
        AnswerSurveyInput,
        service.answer_survey,
        AnswerSurveyPayload,
        IsAuthenticated,
        "A person (or their representative) answers a survey they are invited to, once per referral.",
    )
