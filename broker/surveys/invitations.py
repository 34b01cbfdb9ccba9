"""Who is invited to answer a survey, worked out when asked rather than stored (see `models`).

A person is invited to each open survey of their council for each of their support referrals that
was accepted at least the survey's `invite_after_days` ago, until they answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.access import holder_ids
from broker.accounts.actor import Actor
from broker.support.models import ReferralStatus, SupportReferral
from broker.surveys.models import Survey, SurveyResponse


@dataclass(frozen=True)
class Invitation:
    survey: Survey
    referral: SupportReferral


def is_due(survey: Survey, referral: SupportReferral, now: datetime) -> bool:
    """The referral's service has run long enough for this survey to ask about it."""
    return (
        survey.closed_at is None
        and survey.council_id == referral.council_id
        and referral.status is ReferralStatus.ACCEPTED
        and referral.decided_at is not None
        and referral.decided_at + timedelta(days=survey.invite_after_days) <= now
    )


async def invitations_for(session: AsyncSession, *, actor: Actor | None, now: datetime) -> list[Invitation]:
    """The surveys the holder (or the person they represent) is invited to and has not answered."""
    if actor is None:
        return []
    rows = await session.execute(
        select(Survey, SupportReferral)
        .join(SupportReferral, col(SupportReferral.council_id) == col(Survey.council_id))
        .outerjoin(
            SurveyResponse,
            and_(
                col(SurveyResponse.survey_id) == col(Survey.id),
                col(SurveyResponse.referral_id) == col(SupportReferral.id),
            ),
        )
        .where(
            col(SupportReferral.holder_id).in_(holder_ids(actor)),
            col(SupportReferral.status) == ReferralStatus.ACCEPTED,
            col(Survey.closed_at).is_(None),
            col(SurveyResponse.id).is_(None),
        )
        .order_by(col(Survey.id), col(SupportReferral.id))
    )
    return [Invitation(survey, referral) for survey, referral in rows.all() if is_due(survey, referral, now)]
