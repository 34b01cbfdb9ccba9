"""Defining a survey and answering it once.

The council's staff define a survey: a title, how many days after a support referral is accepted
people are invited, and up to twenty questions, each a 1-5 scale, yes/no or free text. A survey's
questions never change once defined (answers would stop meaning the same thing): a council that wants
other questions closes it and defines a new one. A person answers once per referral; every question
may be skipped, but a scale answer is 1 to 5 and free text is plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Council
from broker.errors import Conflict, ErrorCode, NotFound, PermissionDenied, Problems
from broker.holders.access import acts_for
from broker.holders.models import DPHolder
from broker.hygiene import markup_problem
from broker.support.models import SupportReferral
from broker.surveys import rules
from broker.surveys.access import may_define
from broker.surveys.invitations import is_due
from broker.surveys.models import QuestionKind, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse


@dataclass(frozen=True)
class QuestionDraft:
    text: str
    kind: QuestionKind


@dataclass(frozen=True)
class SurveyDraft:
    council_id: int | None
    title: str
    invite_after_days: int
    questions: list[QuestionDraft] = field(default_factory=list)


@dataclass(frozen=True)
class AnswerDraft:
    question_id: int
    rating: int | None = None
    yes: bool | None = None
    text: str | None = None


@dataclass(frozen=True)
class SurveyAnswers:
    survey_id: int
    referral_id: int
    answers: list[AnswerDraft] = field(default_factory=list)


def _plain(problems: Problems, path: str, text: str, limit: int, *, required: bool = False) -> str:
    text = text.strip()
    if len(text) > limit:
        problems.add(path, f"At most {limit:,} characters.", ErrorCode.TOO_LONG)
    elif (problem := markup_problem(text)) is not None:
        problems.add(path, problem)
    elif required and not text:
        problems.add(path, "Required.", ErrorCode.REQUIRED)
    return text


async def create_survey(
    session: AsyncSession, *, actor: Actor, command: SurveyDraft, now: datetime
) -> Survey:
    """Defines a survey for the actor's council (a platform admin names the council)."""
    council_id = command.council_id if command.council_id is not None else actor.council_id
    if council_id is None or await session.get(Council, council_id) is None:
        raise NotFound("No council with this ID.", field="council_id")
    if not may_define(actor, council_id):
        raise PermissionDenied(
            "Only the council's brokers and admins define its surveys.", field="council_id"
        )
    problems = Problems()
    title = _plain(problems, "title", command.title, rules.TITLE_MAX, required=True)
    if not 0 <= command.invite_after_days <= rules.MAX_INVITE_AFTER_DAYS:
        problems.add(
            "invite_after_days", f"From 0 to {rules.MAX_INVITE_AFTER_DAYS} days.", ErrorCode.OUT_OF_RANGE
        )
    if not command.questions:
        problems.add("questions", "Ask at least one question.", ErrorCode.REQUIRED)
    elif len(command.questions) > rules.MAX_QUESTIONS:
        problems.add("questions", f"At most {rules.MAX_QUESTIONS} questions.", ErrorCode.TOO_LONG)
    texts = [
        _plain(problems, f"questions.{i}.text", q.text, rules.QUESTION_MAX, required=True)
        for i, q in enumerate(command.questions[: rules.MAX_QUESTIONS])
    ]
    problems.raise_if_any()
    survey = Survey(
        council_id=council_id,
        title=title,
        invite_after_days=command.invite_after_days,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(survey)
    await session.flush()
    assert survey.id is not None
    session.add_all(
        SurveyQuestion(survey_id=survey.id, position=i, text=text, kind=q.kind)
        for i, (q, text) in enumerate(zip(command.questions, texts, strict=True))
    )
    await session.flush()
    return survey


async def close_survey(session: AsyncSession, *, actor: Actor, survey_id: int, now: datetime) -> Survey:
    """Stops inviting people; the answers given stay in the results."""
    survey = await session.get(Survey, survey_id, with_for_update=True)
    if survey is None or not may_define(actor, survey.council_id):
        raise NotFound("No survey of your council with this ID.", field="survey_id")
    if survey.closed_at is not None:
        raise Conflict("This survey is closed already.", field="survey_id")
    survey.closed_at = now
    session.add(survey)
    await session.flush()
    return survey


async def answer_survey(
    session: AsyncSession, *, actor: Actor, command: SurveyAnswers, now: datetime
) -> SurveyResponse:
    """One person's answers for one referral they were invited about; a second answer is refused."""
    survey = await session.get(Survey, command.survey_id)
    referral = await session.get(SupportReferral, command.referral_id, with_for_update=True)
    holder = await session.get(DPHolder, referral.holder_id) if referral is not None else None
    if referral is None or holder is None or not await acts_for(session, actor, holder):
        raise NotFound("No support referral of yours with this ID.", field="referral_id")
    if survey is None or not is_due(survey, referral, now):
        raise NotFound("You are not invited to this survey for this referral.", field="survey_id")
    questions = {
        q.id: q
        for q in (
            await session.execute(select(SurveyQuestion).where(col(SurveyQuestion.survey_id) == survey.id))
        ).scalars()
    }
    problems = Problems()
    rows: list[SurveyAnswer] = []
    seen: set[int] = set()
    for i, answer in enumerate(command.answers):
        path = f"answers.{i}"
        question = questions.get(answer.question_id)
        if question is None or answer.question_id in seen:
            problems.add(f"{path}.question_id", "Not a question of this survey, or answered twice.")
            continue
        seen.add(answer.question_id)
        row = SurveyAnswer(response_id=0, question_id=answer.question_id)
        given = [answer.rating is not None, answer.yes is not None, answer.text is not None]
        wanted = {QuestionKind.SCALE: 0, QuestionKind.YES_NO: 1, QuestionKind.FREE_TEXT: 2}[question.kind]
        if any(g for k, g in enumerate(given) if k != wanted):
            problems.add(path, f"This question takes a {question.kind.value} answer only.")
            continue
        if question.kind is QuestionKind.SCALE and answer.rating is not None:
            if not rules.LOWEST_RATING <= answer.rating <= rules.HIGHEST_RATING:
                problems.add(f"{path}.rating", "Give a whole number from 1 to 5.", ErrorCode.OUT_OF_RANGE)
            row.rating = answer.rating
        row.yes = answer.yes
        if answer.text is not None:
            row.text = _plain(problems, f"{path}.text", answer.text, rules.ANSWER_MAX) or None
        rows.append(row)
    problems.raise_if_any()
    assert survey.id is not None and referral.id is not None
    response = SurveyResponse(
        survey_id=survey.id,
        referral_id=referral.id,
        council_id=referral.council_id,
        holder_id=referral.holder_id,
        provider_id=referral.provider_id,
        answered_by_id=actor.user_id,
        answered_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(response)
            await session.flush()
    except IntegrityError:
        raise Conflict(
            "This survey has been answered for this referral.", field="referral_id", code=ErrorCode.DUPLICATE
        ) from None
    assert response.id is not None
    for row in rows:
        row.response_id = response.id
    session.add_all(rows)
    await session.flush()
    return response
