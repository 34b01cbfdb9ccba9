"""Referral counts for commissioners and brokers: by month, provider, service and route, with waits.

Commissioners see aggregates only, with counts under 5 suppressed (DESIGN.md, Security).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.api.clock import LONDON
from broker.errors import ErrorCode, InvalidInput, PermissionDenied, Problems
from broker.support import rules
from broker.support.access import sees_council_business
from broker.support.models import ReferralRoute, ReferralStatus, SupportReferral
from broker.support.service import waited


@dataclass
class ReferralTally:
    """Referrals of one month (and provider, service and route, for a row). None = suppressed."""

    month: str
    referrals: int | None = 0
    chose_other_than_lead: int | None = 0
    still_waiting: int | None = 0
    average_wait_days: float | None = None
    longest_wait_days: float | None = None
    suppressed: bool = False
    provider_id: int | None = None
    service_code: str | None = None
    route: ReferralRoute | None = None
    _waits: list[float] = field(default_factory=list, repr=False)

    def add(self, referral: SupportReferral, wait_days: float) -> None:
        self.referrals = (self.referrals or 0) + 1
        if referral.provider_id != referral.lead_provider_id:
            self.chose_other_than_lead = (self.chose_other_than_lead or 0) + 1
        if referral.status is ReferralStatus.WAITING_FOR_SUBCONTRACT:
            self.still_waiting = (self.still_waiting or 0) + 1
        self._waits.append(wait_days)

    def finish(self, *, suppress: bool) -> ReferralTally:
        if self._waits:
            self.average_wait_days = round(sum(self._waits) / len(self._waits), 1)
            self.longest_wait_days = round(max(self._waits), 1)
        if not suppress:
            return self
        if 0 < (self.referrals or 0) < rules.SMALL_COUNT:
            self.referrals = self.chose_other_than_lead = self.still_waiting = None
            self.average_wait_days = self.longest_wait_days = None
            self.suppressed = True
            return self
        for name in ("chose_other_than_lead", "still_waiting"):
            value = getattr(self, name)
            if value is not None and 0 < value < rules.SMALL_COUNT:
                setattr(self, name, None)
                self.suppressed = True
        return self


@dataclass(frozen=True)
class ReferralReport:
    council_id: int
    start: date
    end: date
    suppressed_below: int | None
    months: list[ReferralTally]
    rows: list[ReferralTally]


def _month_starts(start: date, end: date) -> list[date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


async def referral_counts(
    session: AsyncSession,
    *,
    actor: Actor,
    council_id: int | None,
    start: date | None,
    end: date | None,
    now: datetime,
    today: date,
) -> ReferralReport:
    """Referrals a month by provider, service and route: how many chose a provider other than the lead
    and how long they waited. Commissioners see counts under 5 suppressed (DESIGN: Security)."""
    if council_id is None:
        council_id = actor.council_id
    if council_id is None:
        raise InvalidInput("Choose the council.", field="council", code=ErrorCode.REQUIRED)
    if not sees_council_business(actor, council_id):
        raise PermissionDenied("You can only see your own council's referrals.", field="council")
    end = end or today
    start = start or (end.replace(day=1) - timedelta(days=335)).replace(day=1)
    problems = Problems()
    if start > end:
        problems.add("since", "`since` must not be after `until`.", ErrorCode.OUT_OF_RANGE)
    elif len(_month_starts(start, end)) > rules.MAX_REPORT_MONTHS:
        problems.add("since", f"At most {rules.MAX_REPORT_MONTHS} months at a time.", ErrorCode.OUT_OF_RANGE)
    problems.raise_if_any()
    first = datetime.combine(start, datetime.min.time(), LONDON)
    last = datetime.combine(end + timedelta(days=1), datetime.min.time(), LONDON)
    rows = await session.execute(
        select(SupportReferral)
        .where(
            col(SupportReferral.council_id) == council_id,
            col(SupportReferral.created_at) >= first,
            col(SupportReferral.created_at) < last,
        )
        .order_by(col(SupportReferral.created_at), col(SupportReferral.id))
    )
    months = {f"{m:%Y-%m}": ReferralTally(month=f"{m:%Y-%m}") for m in _month_starts(start, end)}
    cells: dict[tuple[str, int, str, ReferralRoute], ReferralTally] = {}
    for referral in rows.scalars():
        month = f"{referral.created_at.astimezone(LONDON):%Y-%m}"
        days = waited(referral, now).total_seconds() / 86_400
        months[month].add(referral, days)
        for code in referral.services:
            key = (month, referral.provider_id, code, referral.route)
            cell = cells.setdefault(
                key,
                ReferralTally(
                    month=month, provider_id=referral.provider_id, service_code=code, route=referral.route
                ),
            )
            cell.add(referral, days)
    suppress = actor.role is Role.COMMISSIONER
    ordered = sorted(cells.items(), key=lambda item: (item[0][0], item[0][1], item[0][2], item[0][3].value))
    return ReferralReport(
        council_id=council_id,
        start=start,
        end=end,
        suppressed_below=rules.SMALL_COUNT if suppress else None,
        months=[m.finish(suppress=suppress) for m in months.values()],
        rows=[cell.finish(suppress=suppress) for _, cell in ordered],
    )
