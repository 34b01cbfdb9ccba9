"""Recording the checks a council makes of a provider (DBS, insurance, training, CQC): the records
that `accreditation.py` derives `accredited` from, by date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.errors import (
    ErrorCode,
    NotFound,
    PermissionDenied,
    Problems,
)
from broker.providers import rules
from broker.providers.editing import is_visible, mark_changed
from broker.providers.models import (
    Accreditation,
    CheckStatus,
    CheckType,
    CqcRating,
    Provider,
)


@dataclass(frozen=True)
class CheckFields:
    check_type: CheckType
    status: CheckStatus
    reference: str
    checked_on: date
    expires_on: date | None = None
    dbs_update_service: bool | None = None
    cqc_rating: CqcRating | None = None


async def record_accreditation(
    session: AsyncSession,
    *,
    actor: Actor,
    provider_id: int,
    check: CheckFields,
    today: date,
    now: datetime,
) -> Accreditation:
    """Council staff record the result of a check; it replaces the previous result of that check."""
    provider = await session.get(Provider, provider_id)
    if provider is None or not await is_visible(session, actor, provider_id, today):
        raise NotFound("No listing with this ID.", field="provider_id")
    if not actor.is_staff_of(provider.council_id):
        raise PermissionDenied("Only the listing's council records its checks.", field="provider_id")
    problems = Problems()
    reference = check.reference.strip()
    if len(reference) > rules.REFERENCE_MAX:
        problems.add("reference", f"At most {rules.REFERENCE_MAX} characters.", ErrorCode.TOO_LONG)
    if check.checked_on > today:
        problems.add("checked_on", "A check cannot be dated in the future.", ErrorCode.OUT_OF_RANGE)
    if check.checked_on.year < 1990:
        problems.add("checked_on", "That date is too long ago.", ErrorCode.OUT_OF_RANGE)
    if check.expires_on is not None and check.expires_on <= check.checked_on:
        problems.add("expires_on", "Expiry must be after the check date.", ErrorCode.OUT_OF_RANGE)
    if check.status is CheckStatus.PASSED and not reference:
        problems.add("reference", "A passed check needs its reference.", ErrorCode.REQUIRED)
    if check.cqc_rating is not None and check.check_type is not CheckType.CQC_REGISTRATION:
        problems.add("cqc_rating", "A CQC rating belongs to a CQC registration check.")
    if check.dbs_update_service is not None and check.check_type is not CheckType.DBS_ENHANCED:
        problems.add("dbs_update_service", "The update service applies to DBS checks only.")
    problems.raise_if_any()
    existing = (
        await session.execute(
            select(Accreditation).where(
                col(Accreditation.provider_id) == provider_id,
                col(Accreditation.check_type) == check.check_type,
            )
        )
    ).scalar_one_or_none()
    record = existing or Accreditation(
        provider_id=provider_id, check_type=check.check_type, status=check.status, checked_on=check.checked_on
    )
    record.status = check.status
    record.reference = reference
    record.checked_on = check.checked_on
    record.expires_on = check.expires_on
    record.dbs_update_service = check.dbs_update_service
    record.cqc_rating = check.cqc_rating
    record.recorded_by_id = actor.user_id
    record.recorded_at = now
    session.add(record)
    await mark_changed(session, provider, now)
    return record
