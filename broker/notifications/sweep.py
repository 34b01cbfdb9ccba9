"""What nobody does but time: requests about to expire unanswered, accreditation checks 30 days from
expiry and checks that have lapsed. Run once a day (and safe to run more often): each finding is told
once per person, by its dedupe key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.models import CareRequest, RequestStatus
from broker.notifications import links, recipients
from broker.notifications.models import NotificationKind
from broker.notifications.service import notify
from broker.providers.models import Accreditation, CheckStatus, Provider

# A provider is reminded a day before a request lapses unanswered; the sender hears it too.
REQUEST_WARNING = timedelta(hours=24)
CHECK_WARNING_DAYS = 30
# A check that lapsed longer ago than this was told about already (or predates notifications).
LAPSED_LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class SweepReport:
    requests_expiring: int = 0
    checks_expiring: int = 0
    checks_lapsed: int = 0


async def requests_expiring(session: AsyncSession, now: datetime) -> int:
    rows = await session.execute(
        select(CareRequest).where(
            col(CareRequest.status) == RequestStatus.PENDING,
            col(CareRequest.expires_at) > now,
            col(CareRequest.expires_at) <= now + REQUEST_WARNING,
        )
    )
    told = 0
    for request in rows.scalars():
        assert request.id is not None
        people = [
            *await recipients.provider_side(session, request.provider_id),
            *await recipients.holder_side(session, request.holder_id),
            request.sent_by_id,
        ]
        told += await notify(
            session,
            NotificationKind.REQUEST_EXPIRING,
            people,
            link=links.care_request(request.id),
            now=now,
            dedupe_key=f"request-expiring:{request.id}",
        )
    return told


async def _checks(session: AsyncSession, since: date, until: date) -> list[tuple[Accreditation, Provider]]:
    rows = await session.execute(
        select(Accreditation, Provider)
        .join(Provider, col(Provider.id) == col(Accreditation.provider_id))
        .where(
            col(Accreditation.status) == CheckStatus.PASSED,
            col(Accreditation.expires_on).is_not(None),
            col(Accreditation.expires_on) >= since,
            col(Accreditation.expires_on) <= until,
        )
    )
    return [(check, provider) for check, provider in rows.all()]


async def _tell_about_check(
    session: AsyncSession, kind: NotificationKind, check: Accreditation, provider: Provider, now: datetime
) -> int:
    assert provider.id is not None
    return await notify(
        session,
        kind,
        [
            *await recipients.provider_side(session, provider.id),
            *await recipients.council_staff(session, provider.council_id),
        ],
        link=links.provider(provider.id),
        now=now,
        dedupe_key=f"{kind.value.lower()}:{check.id}:{check.expires_on}",
    )


async def checks_expiring(session: AsyncSession, today: date, now: datetime) -> int:
    """Checks that expire within 30 days: told once for each expiry date (a renewed check that will
    expire again is a new finding)."""
    told = 0
    for check, provider in await _checks(session, today, today + timedelta(days=CHECK_WARNING_DAYS)):
        told += await _tell_about_check(session, NotificationKind.CHECK_EXPIRING, check, provider, now)
    return told


async def checks_lapsed(session: AsyncSession, today: date, now: datetime) -> int:
    """Checks whose expiry date has passed (the listing leaves search until one is recorded again)."""
    told = 0
    since = today - timedelta(days=LAPSED_LOOKBACK_DAYS)
    for check, provider in await _checks(session, since, today - timedelta(days=1)):
        told += await _tell_about_check(session, NotificationKind.CHECK_LAPSED, check, provider, now)
    return told


async def sweep(session: AsyncSession, *, now: datetime, today: date) -> SweepReport:
    return SweepReport(
        requests_expiring=await requests_expiring(session, now),
        checks_expiring=await checks_expiring(session, today, now),
        checks_lapsed=await checks_lapsed(session, today, now),
    )
