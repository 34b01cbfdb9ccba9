"""The council defines a survey; people whose support referral was accepted long enough ago are
invited and answer once; commissioners read the answers aggregated, small counts withheld."""

from __future__ import annotations

from broker.surveys.models import SurveyAnswer, SurveyResponse
from tests.factories import count
from tests.surveys.world import (
    ANSWER,
    CLOSE,
    CREATE,
    INVITATIONS,
    QUESTIONS,
    RESULTS,
    accepted_days_ago,
    add_person,
    answers,
    defined_survey,
    world,
)


def _answer_input(survey, person, given):
    return {"input": {"surveyId": survey["id"], "referralId": person.referral_id, "answers": given}}


async def test_a_council_defines_a_short_survey(api, db):
    w = await world(db)

    result = (await api.data(CREATE, w.survey_input(), as_user=w.broker))["createSurvey"]

    assert result["userErrors"] == []
    survey = result["survey"]
    assert (survey["title"], survey["inviteAfterDays"], survey["open"]) == ("DP support 2026", 30, True)
    assert [(q["position"], q["text"], q["kind"]) for q in survey["questions"]] == [
        (i, q["text"], q["kind"]) for i, q in enumerate(QUESTIONS)
    ]


async def test_a_person_is_invited_after_the_set_time_and_answers_once(api, db):
    w = await world(db)
    person = w.people[0]
    survey = await defined_survey(api, w)

    invited = (await api.data(INVITATIONS, as_user=person.user))["surveyInvitations"]
    first = await api.data(
        ANSWER, _answer_input(survey, person, answers(survey, text="More visits")), as_user=person.user
    )
    after = (await api.data(INVITATIONS, as_user=person.user))["surveyInvitations"]
    again = await api.data(ANSWER, _answer_input(survey, person, answers(survey)), as_user=w.representative)

    assert [(i["survey"]["id"], i["referral"]["id"]) for i in invited] == [(survey["id"], person.referral_id)]
    assert first["answerSurvey"] == {"answered": True, "userErrors": []}
    assert after == []
    assert again["answerSurvey"]["userErrors"] == [
        {
            "field": "input.referralId",
            "message": "This survey has been answered for this referral.",
            "code": "DUPLICATE",
        }
    ]
    assert await count(db, SurveyResponse) == 1
    assert await count(db, SurveyAnswer) == 3


async def test_nobody_is_invited_before_the_set_time(api, db):
    w = await world(db)
    person = w.people[0]
    await accepted_days_ago(db, person.referral, 10)
    survey = await defined_survey(api, w)

    invited = (await api.data(INVITATIONS, as_user=person.user))["surveyInvitations"]
    early = await api.data(ANSWER, _answer_input(survey, person, answers(survey)), as_user=person.user)

    assert invited == []
    assert early["answerSurvey"]["userErrors"] == [
        {
            "field": "input.surveyId",
            "message": "You are not invited to this survey for this referral.",
            "code": "NOT_FOUND",
        }
    ]
    assert await count(db, SurveyResponse) == 0


async def test_a_closed_survey_invites_nobody(api, db):
    w = await world(db)
    survey = await defined_survey(api, w)

    closed = (await api.data(CLOSE, {"input": {"surveyId": survey["id"]}}, as_user=w.broker))["closeSurvey"]
    invited = (await api.data(INVITATIONS, as_user=w.people[0].user))["surveyInvitations"]

    assert closed == {"survey": {"open": False}, "userErrors": []}
    assert invited == []


async def test_fewer_than_five_respondents_show_nothing_but_that(api, db):
    w = await world(db, people=4)
    survey = await defined_survey(api, w)
    for person in w.people:
        await api.data(ANSWER, _answer_input(survey, person, answers(survey)), as_user=person.user)

    results = (await api.data(RESULTS, {"survey": survey["id"]}, as_user=w.commissioner))["surveyResults"]

    assert results["respondents"] is None
    assert results["suppressed"] is True
    assert {(q["answered"], tuple(q["counts"]), q["meanRating"]) for q in results["questions"]} == {
        (None, (), None)
    }


async def test_results_are_aggregated_with_small_counts_withheld(api, db):
    w = await world(db, people=7)
    survey = await defined_survey(api, w)
    given = [
        (5, True, "Quick answers"),
        (5, True, None),
        (5, True, None),
        (5, True, "More visits"),
        (5, True, None),
        (4, False, "Payroll was late"),
        (2, None, "Too slow"),
    ]
    for person, (rating, yes, text) in zip(w.people, given, strict=True):
        await api.data(
            ANSWER, _answer_input(survey, person, answers(survey, rating, yes, text)), as_user=person.user
        )

    for_commissioner = (await api.data(RESULTS, {"survey": survey["id"]}, as_user=w.commissioner))[
        "surveyResults"
    ]
    for_broker = (await api.data(RESULTS, {"survey": survey["id"]}, as_user=w.broker))["surveyResults"]

    scale, yes_no, free = for_commissioner["questions"]
    assert for_commissioner["respondents"] == 7
    # 1 and 4 people are withheld; 0 is shown; the mean is of all seven ratings (31 / 7).
    assert (scale["answered"], scale["counts"], scale["meanRating"]) == (7, [0, None, 0, None, 5], 4.43)
    assert (yes_no["answered"], yes_no["counts"]) == (6, [5, None])
    assert (free["answered"], free["texts"]) == (None, [])
    assert for_commissioner["suppressed"] is True
    assert for_broker["questions"][2]["texts"] == []  # four wrote something: withheld from staff too


async def test_results_for_one_support_provider(api, db):
    w = await world(db, people=5)
    survey = await defined_survey(api, w)
    for person in w.people:
        await api.data(
            ANSWER, _answer_input(survey, person, answers(survey, 3, True, "Fine")), as_user=person.user
        )
    from strawberry.relay import to_base64

    other = to_base64("Provider", w.lead.id + 1000)
    mine = await api.data(
        RESULTS, {"survey": survey["id"], "provider": to_base64("Provider", w.lead.id)}, as_user=w.broker
    )
    none = await api.data(RESULTS, {"survey": survey["id"], "provider": other}, as_user=w.broker)

    assert mine["surveyResults"]["respondents"] == 5
    assert mine["surveyResults"]["questions"][2]["texts"] == ["Fine"] * 5
    assert none["surveyResults"]["respondents"] == 0


async def test_a_representative_answers_for_the_person(api, db):
    w = await world(db)
    survey = await defined_survey(api, w)

    invited = (await api.data(INVITATIONS, as_user=w.representative))["surveyInvitations"]
    result = await api.data(
        ANSWER, _answer_input(survey, w.people[0], answers(survey)), as_user=w.representative
    )

    assert len(invited) == 1
    assert result["answerSurvey"] == {"answered": True, "userErrors": []}


async def test_people_in_another_person_s_referral_cannot_answer(api, db):
    w = await world(db)
    other = await add_person(db, w)
    survey = await defined_survey(api, w)

    result = await api.data(ANSWER, _answer_input(survey, w.people[0], answers(survey)), as_user=other.user)

    assert [e["code"] for e in result["answerSurvey"]["userErrors"]] == ["NOT_FOUND"]
    assert await count(db, SurveyResponse) == 0
