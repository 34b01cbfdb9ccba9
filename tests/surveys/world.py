"""A council with a DP support lead provider, people whose referrals were accepted, and the GraphQL
operations the survey tests send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from strawberry.relay import to_base64

from broker.accounts.models import Council, Role, User
from broker.db import Database
from broker.support.models import SupportReferral
from tests.factories import (
    make_council,
    make_holder,
    make_lead_contract,
    make_referral,
    make_support_org,
    make_user,
    reload,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

CREATE = """mutation($input: CreateSurveyInput!) { createSurvey(input: $input) {
  survey { id title inviteAfterDays open questions { id position text kind } }
  userErrors { field message code }
} }"""
CLOSE = """mutation($input: CloseSurveyInput!) { closeSurvey(input: $input) {
  survey { open } userErrors { field code }
} }"""
ANSWER = """mutation($input: AnswerSurveyInput!) { answerSurvey(input: $input) {
  answered userErrors { field message code }
} }"""
INVITATIONS = """{ surveyInvitations { survey { id title questions { id kind } } referral { id } } }"""
RESULTS = """query($survey: ID!, $provider: ID) { surveyResults(surveyId: $survey, providerId: $provider) {
  respondents suppressed
  questions { question { text kind } answered counts meanRating texts suppressed }
} }"""

QUESTIONS = [
    {"text": "How satisfied are you with the support you get?", "kind": "SCALE"},
    {"text": "Would you recommend it to a friend?", "kind": "YES_NO"},
    {"text": "What could be better?", "kind": "FREE_TEXT"},
]


@dataclass
class Person:
    user: User
    holder: Any
    referral: SupportReferral

    @property
    def referral_id(self) -> str:
        return to_base64("SupportReferral", self.referral.id)


@dataclass
class World:
    council: Council
    broker: User
    york_broker: User
    commissioner: User
    provider_user: User
    representative: User
    lead: Any
    contract: Any
    people: list[Person] = field(default_factory=list)

    def survey_input(self, **changes: Any) -> dict[str, Any]:
        return {
            "input": {"title": "DP support 2026", "inviteAfterDays": 30, "questions": QUESTIONS, **changes}
        }


async def accepted_days_ago(db: Database, referral: SupportReferral, days: int) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(SupportReferral)
            .where(SupportReferral.id == referral.id)  # type: ignore[arg-type]
            .values(status="ACCEPTED", decided_at=NOW - timedelta(days=days))
        )


async def add_person(db: Database, w: World, *, accepted_days: int = 40, representatives=()) -> Person:
    holder = await make_holder(db, w.council, representatives=representatives)
    referral = await make_referral(db, holder, w.contract, w.lead, status="ACCEPTED")
    await accepted_days_ago(db, referral, accepted_days)
    person = Person(await reload(db, User, holder.user_id), holder, referral)  # type: ignore[arg-type]
    w.people.append(person)
    return person


async def world(db: Database, *, people: int = 1) -> World:
    council, york = await make_council(db, "Leeds"), await make_council(db, "York")
    provider_user = await make_user(db, Role.PROVIDER, council)
    lead = await make_support_org(db, council, owner=provider_user, name="Leeds DP Support")
    w = World(
        council=council,
        broker=await make_user(db, Role.BROKER, council),
        york_broker=await make_user(db, Role.BROKER, york),
        commissioner=await make_user(db, Role.COMMISSIONER, council),
        provider_user=provider_user,
        representative=await make_user(db, Role.REPRESENTATIVE, council),
        lead=lead,
        contract=await make_lead_contract(db, council, lead),
    )
    await add_person(db, w, representatives=(w.representative,))
    for _ in range(people - 1):
        await add_person(db, w)
    return w


async def defined_survey(api, w: World, **changes: Any) -> dict[str, Any]:
    result = (await api.data(CREATE, w.survey_input(**changes), as_user=w.broker))["createSurvey"]
    assert result["userErrors"] == []
    return result["survey"]


def answers(survey: dict[str, Any], rating: int | None = 4, yes: bool | None = True, text: str | None = None):
    scale, yes_no, free = (q["id"] for q in survey["questions"])
    given = []
    if rating is not None:
        given.append({"questionId": scale, "rating": rating})
    if yes is not None:
        given.append({"questionId": yes_no, "yes": yes})
    if text is not None:
        given.append({"questionId": free, "text": text})
    return given
