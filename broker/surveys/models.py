"""A council's survey and its questions, and each person's one response per support referral.

Nobody is sent a row to be "invited": a person is invited while the council has an open survey, their
referral was accepted at least the survey's `invite_after_days` ago and they have not answered it
(`broker.surveys.invitations`), so a change of the setting applies at once, to everyone alike.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from broker.columns import part_of, stored_enum
from broker.db import UTCDateTime


class QuestionKind(StrEnum):
    SCALE = "SCALE"  # 1 (very dissatisfied) to 5 (very satisfied)
    YES_NO = "YES_NO"
    FREE_TEXT = "FREE_TEXT"


class Survey(SQLModel, table=True):
    """A council's satisfaction survey of its DP support services; open until it is closed."""

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    title: str = Field(max_length=200)
    invite_after_days: int
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveyQuestion(SQLModel, table=True):
    __tablename__ = "survey_question"

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(sa_column=part_of("survey.id"))
    position: int
    text: str = Field(max_length=300)
    kind: QuestionKind = Field(sa_type=stored_enum(QuestionKind))


class SurveyResponse(SQLModel, table=True):
    """One person's answers for one support referral; the unique key is "they answer once"."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "referral_id", name="uq_survey_response_referral"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    referral_id: int = Field(foreign_key="support_referral.id")
    council_id: int = Field(foreign_key="council.id")
    holder_id: int = Field(foreign_key="dp_holder.id")
    provider_id: int = Field(foreign_key="provider.id", index=True)
    answered_by_id: int = Field(foreign_key="user_account.id")
    answered_at: datetime = Field(sa_type=UTCDateTime)


class SurveyAnswer(SQLModel, table=True):
    __tablename__ = "survey_answer"

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(sa_column=part_of("survey_response.id"))
    question_id: int = Field(foreign_key="survey_question.id", index=True)
    rating: int | None = None
    yes: bool | None = None
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
