"""Hostile surveys and answers: out-of-range settings and ratings, HTML, NUL, answers of the wrong kind
or to another survey's questions. Each is a clear refusal that writes nothing."""

from __future__ import annotations

import json

import pytest

from broker.surveys.models import Survey, SurveyResponse
from tests.factories import count
from tests.surveys.world import ANSWER, CREATE, QUESTIONS, answers, defined_survey, world


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"inviteAfterDays": -1}, "input.inviteAfterDays", "OUT_OF_RANGE"),
        ({"inviteAfterDays": 2_000_000_000}, "input.inviteAfterDays", "OUT_OF_RANGE"),
        ({"questions": []}, "input.questions", "REQUIRED"),
        ({"questions": QUESTIONS * 7}, "input.questions", "TOO_LONG"),
        ({"title": "  "}, "input.title", "REQUIRED"),
        ({"title": "<b>Survey</b>"}, "input.title", "INVALID"),
        ({"questions": [{"text": "x" * 301, "kind": "SCALE"}]}, "input.questions.0.text", "TOO_LONG"),
    ],
)
async def test_a_bad_survey_is_refused(api, db, changes, field, code):
    w = await world(db)

    result = (await api.data(CREATE, w.survey_input(**changes), as_user=w.broker))["createSurvey"]

    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(field, code)]
    assert await count(db, Survey) == 0


async def _answer(api, w, survey, given):
    person = w.people[0]
    variables = {"input": {"surveyId": survey["id"], "referralId": person.referral_id, "answers": given}}
    return (await api.data(ANSWER, variables, as_user=person.user))["answerSurvey"]


@pytest.mark.parametrize("rating", [0, 6, -5, 2_147_483_647])
async def test_a_rating_off_the_scale_is_refused(api, db, rating):
    w = await world(db)
    survey = await defined_survey(api, w)

    result = await _answer(api, w, survey, answers(survey, rating=rating))

    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        ("input.answers.0.rating", "OUT_OF_RANGE")
    ]
    assert await count(db, SurveyResponse) == 0


async def test_answers_of_the_wrong_kind_or_to_unknown_questions_are_refused(api, db):
    w = await world(db)
    survey = await defined_survey(api, w)
    scale = survey["questions"][0]["id"]

    wrong_kind = await _answer(api, w, survey, [{"questionId": scale, "yes": True}])
    unknown = await _answer(api, w, survey, [{"questionId": 999_999, "rating": 3}])
    twice = await _answer(
        api, w, survey, [{"questionId": scale, "rating": 3}, {"questionId": scale, "rating": 4}]
    )

    assert [e["field"] for e in wrong_kind["userErrors"]] == ["input.answers.0"]
    assert [e["field"] for e in unknown["userErrors"]] == ["input.answers.0.questionId"]
    assert [e["field"] for e in twice["userErrors"]] == ["input.answers.1.questionId"]
    assert await count(db, SurveyResponse) == 0


async def test_html_and_overlong_free_text_are_refused(api, db):
    w = await world(db)
    survey = await defined_survey(api, w)

    html = await _answer(api, w, survey, answers(survey, text="<script>x</script>"))
    long = await _answer(api, w, survey, answers(survey, text="a" * 2_001))

    assert [(e["field"], e["code"]) for e in html["userErrors"]] == [("input.answers.2.text", "INVALID")]
    assert [(e["field"], e["code"]) for e in long["userErrors"]] == [("input.answers.2.text", "TOO_LONG")]
    assert await count(db, SurveyResponse) == 0


@pytest.mark.parametrize("poison", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
async def test_nul_and_lone_surrogates_are_refused_before_anything_runs(api, db, poison):
    w = await world(db)
    survey = await defined_survey(api, w)
    person = w.people[0]
    variables = {
        "input": {
            "surveyId": survey["id"],
            "referralId": person.referral_id,
            "answers": answers(survey, text=f"Fine{poison}"),
        }
    }

    response = await api.http.post(
        "/graphql",
        content=json.dumps({"query": ANSWER, "variables": variables}).encode(),
        headers={
            "Authorization": f"Bearer {api.token_for(person.user)}",
            "content-type": "application/json",
            "Accept": "application/graphql-response+json",
        },
    )

    assert response.status_code == 400
    assert [e["extensions"]["field"] for e in response.json()["errors"]] == ["input.answers.2.text"]
    assert await count(db, SurveyResponse) == 0


@pytest.mark.parametrize("bad_id", ["nonsense", "UHJvdmlkZXI6MQ==", "U3VydmV5Oi0x"])
async def test_malformed_survey_ids_are_refused(api, db, bad_id):
    w = await world(db)
    survey = await defined_survey(api, w)

    body = await api.execute(
        ANSWER,
        {"input": {"surveyId": bad_id, "referralId": w.people[0].referral_id, "answers": answers(survey)}},
        as_user=w.people[0].user,
    )

    assert "errors" in body or body["data"]["answerSurvey"]["userErrors"]
    assert await count(db, SurveyResponse) == 0
