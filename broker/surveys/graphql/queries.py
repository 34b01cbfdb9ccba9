"""`surveyResults` for commissioners and council staff, `surveyInvitations` for people, `surveys`."""

from __future__ import annotations

import strawberry
from sqlalchemy import select
from sqlmodel import col
from strawberry import relay

from broker.api.context import Info
from broker.api.permissions import IsAuthenticated
from broker.api.relay import decode_id
from broker.errors import BrokerError
from broker.surveys.access import sees_results
from broker.surveys.graphql.types import SurveyInvitationType, SurveyNode, SurveyResultsType
from broker.surveys.invitations import invitations_for
from broker.surveys.models import Survey
from broker.surveys.results import survey_results


@strawberry.type
class SurveyQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="A survey's answers aggregated, for the council's staff and commissioners; optionally "
        "for one support provider's clients. Counts of 1 to 4 people are withheld. Null for a survey you may "
        "not read.",
    )
    async def survey_results(
        self, info: Info, survey_id: relay.GlobalID, provider_id: relay.GlobalID | None = None
    ) -> SurveyResultsType | None:
        try:
            survey = decode_id(survey_id, "Survey", field="surveyId")
            provider = None if provider_id is None else decode_id(provider_id, "Provider", field="providerId")
            async with info.context.db.session() as session:
                results = await survey_results(
                    session, actor=info.context.actor, survey_id=survey, provider_id=provider
                )
        except BrokerError:
            return None
        return SurveyResultsType.from_results(results)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The surveys you (or the person you represent) are asked to answer, one per support "
        "referral, until answered.",
    )
    async def survey_invitations(self, info: Info) -> list[SurveyInvitationType]:
        async with info.context.db.session() as session:
            found = await invitations_for(session, actor=info.context.actor, now=info.context.now)
        return [SurveyInvitationType.from_invitation(i) for i in found]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your council's surveys, newest first (council staff and commissioners).",
    )
    async def surveys(self, info: Info) -> list[SurveyNode]:
        actor = info.context.actor
        async with info.context.db.session() as session:
            query = select(Survey).order_by(col(Survey.id).desc()).limit(100)
            if actor is not None and not actor.is_platform_admin:
                query = query.where(col(Survey.council_id) == actor.council_id)
            rows = await session.execute(query)
            return [SurveyNode.from_model(s) for s in rows.scalars() if sees_results(actor, s.council_id)]
