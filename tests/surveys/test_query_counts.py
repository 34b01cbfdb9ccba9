"""Listing surveys costs a fixed number of statements, however many surveys there are: their
questions come through one dataloader."""

from __future__ import annotations

from broker.db import utcnow
from broker.surveys.models import QuestionKind, Survey, SurveyQuestion
from tests.statements import counting_statements
from tests.surveys.world import world

SURVEYS = "{ surveys { id title questions { position text kind } } }"


async def _surveys(db, w, how_many: int, start: int) -> None:
    async with db.transaction() as session:
        for n in range(start, start + how_many):
            survey = Survey(
                council_id=w.council.id,
                title=f"Survey {n}",
                invite_after_days=30,
                created_by_id=w.broker.id,
                created_at=utcnow(),
                closed_at=utcnow(),
            )
            session.add(survey)
            await session.flush()
            for position in (2, 1):
                session.add(
                    SurveyQuestion(
                        survey_id=survey.id,
                        position=position,
                        text=f"Question {position}",
                        kind=QuestionKind.SCALE,
                    )
                )


async def test_surveys_cost_the_same_statements_for_1_or_50_surveys(api, db):
    w = await world(db)
    await _surveys(db, w, 1, 0)
    with counting_statements(db) as one:
        small = await api.data(SURVEYS, as_user=w.broker)
    await _surveys(db, w, 49, 1)
    with counting_statements(db) as fifty:
        large = await api.data(SURVEYS, as_user=w.broker)

    assert len(small["surveys"]) == 1
    assert len(large["surveys"]) == 50
    assert {tuple(q["position"] for q in s["questions"]) for s in large["surveys"]} == {(1, 2)}
    assert len(one) == len(fifty)
