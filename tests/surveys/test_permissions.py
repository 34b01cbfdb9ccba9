"""Who defines, closes, answers and reads surveys, through /graphql: who may, who may not, anonymous."""

from __future__ import annotations

import pytest
from strawberry.relay import to_base64

from broker.accounts.models import Role
from broker.surveys.models import Survey, SurveyResponse
from tests.factories import count, make_user
from tests.surveys.world import ANSWER, CLOSE, CREATE, RESULTS, answers, defined_survey, world


@pytest.mark.parametrize("who", ["commissioner", "provider_user", "representative", "holder"])
async def test_only_council_staff_define_surveys(api, db, who):
    w = await world(db)
    user = w.people[0].user if who == "holder" else getattr(w, who)

    result = (await api.data(CREATE, w.survey_input(), as_user=user))["createSurvey"]

    assert result["survey"] is None
    assert [e["code"] for e in result["userErrors"]] == ["PERMISSION_DENIED"]
    assert await count(db, Survey) == 0


async def test_a_broker_cannot_define_a_survey_for_another_council(api, db):
    w = await world(db)

    result = (
        await api.data(
            CREATE, w.survey_input(councilId=to_base64("Council", w.council.id)), as_user=w.york_broker
        )
    )["createSurvey"]

    assert [e["code"] for e in result["userErrors"]] == ["PERMISSION_DENIED"]


async def test_a_platform_admin_defines_a_survey_for_a_named_council(api, db):
    w = await world(db)
    admin = await make_user(db, Role.ADMIN, None)

    without = (await api.data(CREATE, w.survey_input(), as_user=admin))["createSurvey"]
    named = (
        await api.data(CREATE, w.survey_input(councilId=to_base64("Council", w.council.id)), as_user=admin)
    )["createSurvey"]

    assert [e["code"] for e in without["userErrors"]] == ["NOT_FOUND"]
    assert named["userErrors"] == []


async def test_another_councils_broker_cannot_close_a_survey(api, db):
    w = await world(db)
    survey = await defined_survey(api, w)

    result = (await api.data(CLOSE, {"input": {"surveyId": survey["id"]}}, as_user=w.york_broker))[
        "closeSurvey"
    ]

    assert [e["code"] for e in result["userErrors"]] == ["NOT_FOUND"]


@pytest.mark.parametrize("who", ["broker", "commissioner", "provider_user"])
async def test_staff_and_providers_cannot_answer_for_a_person(api, db, who):
    w = await world(db)
    survey = await defined_survey(api, w)
    variables = {
        "input": {"surveyId": survey["id"], "referralId": w.people[0].referral_id, "answers": answers(survey)}
    }

    result = (await api.data(ANSWER, variables, as_user=getattr(w, who)))["answerSurvey"]

    assert [e["code"] for e in result["userErrors"]] == ["NOT_FOUND"]
    assert await count(db, SurveyResponse) == 0


async def test_results_are_for_the_councils_staff_and_commissioners_only(api, db):
    w = await world(db, people=5)
    survey = await defined_survey(api, w)
    callers = {
        "broker": w.broker,
        "commissioner": w.commissioner,
        "york broker": w.york_broker,
        "provider": w.provider_user,
        "holder": w.people[0].user,
        "representative": w.representative,
    }

    seen = {
        name: (await api.data(RESULTS, {"survey": survey["id"]}, as_user=user))["surveyResults"] is not None
        for name, user in callers.items()
    }
    anonymous = await api.execute(RESULTS, {"survey": survey["id"]})

    assert seen == {
        "broker": True,
        "commissioner": True,
        "york broker": False,
        "provider": False,
        "holder": False,
        "representative": False,
    }
    assert anonymous["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


@pytest.mark.parametrize(
    "operation",
    [
        'mutation { createSurvey(input: {title: "x", inviteAfterDays: 1, questions: []}) '
        "{ userErrors { code } } }",
        "{ surveyInvitations { survey { id } } }",
        "{ surveys { id } }",
    ],
)
async def test_anonymous_callers_are_refused(api, db, operation):
    result = await api.execute(operation)

    assert result["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert await count(db, Survey) == 0


async def test_a_council_lists_only_its_own_surveys(api, db):
    w = await world(db)
    await defined_survey(api, w)
    query = "{ surveys { title } }"

    leeds = (await api.data(query, as_user=w.commissioner))["surveys"]
    york = (await api.data(query, as_user=w.york_broker))["surveys"]

    assert (leeds, york) == ([{"title": "DP support 2026"}], [])
