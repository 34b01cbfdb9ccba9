"""A survey's answers aggregated for commissioners: counts per question, with small counts withheld.

The suppression is the market reports' (`broker.market.privacy`): a count of 1 to 4 people is withheld,
and so is what is derived from it (a mean of a withheld count). When fewer than five people answered
at all, nothing but that fact is shown. Free-text answers are read by the council's staff only, and
only when at least five people answered; commissioners see how many wrote something.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.errors import NotFound
from broker.market.privacy import is_small, shown
from broker.surveys.access import sees_results
from broker.surveys.models import QuestionKind, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int | None
    # SCALE: people per rating 1..5; YES_NO: [yes, no]; each None when withheld.
    counts: list[int | None] = field(default_factory=list)
    mean_rating: float | None = None
    texts: list[str] = field(default_factory=list)
    suppressed: bool = False


@dataclass
class SurveyResults:
    survey: Survey
    respondents: int | None
    questions: list[QuestionResult]
    suppressed: bool


async def survey_results(
    session: AsyncSession, *, actor: Actor | None, survey_id: int, provider_id: int | None = None
) -> SurveyResults:
    """The survey's results, for all its respondents or those of one support provider."""
    survey = await session.get(Survey, survey_id)
    if survey is None or not sees_results(actor, survey.council_id):
        raise NotFound("No survey of your council with this ID.", field="survey_id")
    responses = select(col(SurveyResponse.id)).where(col(SurveyResponse.survey_id) == survey_id)
    if provider_id is not None:
        responses = responses.where(col(SurveyResponse.provider_id) == provider_id)
    respondents = (await session.execute(select(func.count()).select_from(responses.subquery()))).scalar_one()
    questions = list(
        (
            await session.execute(
                select(SurveyQuestion)
                .where(col(SurveyQuestion.survey_id) == survey_id)
                .order_by(col(SurveyQuestion.position))
            )
        ).scalars()
    )
    if is_small(respondents):
        withheld = [QuestionResult(q, None, suppressed=True) for q in questions]
        return SurveyResults(survey, None, withheld, suppressed=True)
    answers: dict[int, list[SurveyAnswer]] = {q.id: [] for q in questions if q.id is not None}
    for answer in (
        await session.execute(select(SurveyAnswer).where(col(SurveyAnswer.response_id).in_(responses)))
    ).scalars():
        answers[answer.question_id].append(answer)
    staff = actor is not None and actor.is_staff_of(survey.council_id)
    results = [_question(q, answers.get(q.id or 0, []), reads_text=staff) for q in questions]
    return SurveyResults(survey, respondents, results, suppressed=any(r.suppressed for r in results))


def _question(question: SurveyQuestion, answers: list[SurveyAnswer], *, reads_text: bool) -> QuestionResult:
    given = [a for a in answers if a.rating is not None or a.yes is not None or a.text]
    result = QuestionResult(question, shown(len(given)), suppressed=is_small(len(given)))
    if question.kind is QuestionKind.SCALE:
        ratings = Counter(a.rating for a in given)
        result.counts = [shown(ratings[r]) for r in range(1, 6)]
        if not result.suppressed and given:
            result.mean_rating = round(sum(a.rating or 0 for a in given) / len(given), 2)
    elif question.kind is QuestionKind.YES_NO:
        result.counts = [
            shown(sum(1 for a in given if a.yes)),
            shown(sum(1 for a in given if a.yes is False)),
        ]
    elif reads_text and not result.suppressed:
        result.texts = sorted(a.text for a in given if a.text)
    result.suppressed = result.suppressed or any(c is None for c in result.counts)
    return result
