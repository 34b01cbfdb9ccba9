"""The annual DP audit of a council: every payment of the DP year checked against the agreement and
plan it was made under, and the unspent money the council may reclaim.

As the DP monitoring team does it (Medway briefing 4/2016): spend must follow the care and support
plan, and money left unspent is reclaimed, above a contingency the council lets the person keep
(BROKER_AUDIT_CONTINGENCY_WEEKS of budget, four by default) for bills still to come.

A payment is flagged when it is
- OUTSIDE_AGREEMENT: its agreement never started (`Agreement.is_started`), or the period begins
  before the agreement does;
- AFTER_AGREEMENT_ENDED: the period runs past the agreement's end date;
- ABOVE_AGREED_RATE: the amount is more than the hours at the agreed hourly rate;
- OVER_PLAN_HOURS: more hours than the plan's needs (as agreed) allow for the period.

Imported DP account statements (broker/statements/) show the money as it really left the account,
including spend no payment records. Their lines, as reconciled and resolved, are flagged too
(`StatementFlag`): a line under no agreement is OUTSIDE_AGREEMENT unless a broker allowed it or
attached it to one; AFTER_AGREEMENT_ENDED, ABOVE_AGREED_RATE and BLOCKED_CATEGORY lines likewise; a
line a broker marked for recovery is MARKED_FOR_RECOVERY and its amount is added to what is
reclaimable. Where a statement whose balances add up closes within the DP year, the reclaimable
money is its closing balance (the money really left, the latest such statement) above the
contingency, instead of the budget less recorded spend. Statements build on payments, so this module
cannot import them: `broker.statements.audit` registers itself with `read_statements_with` when the
app or the command line is built, as `broker.events` listeners do.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Council
from broker.agreements.models import Agreement, AgreementNeed
from broker.errors import ErrorCode, InvalidInput, NotFound, PermissionDenied
from broker.holders.models import DPHolder
from broker.payments import rules
from broker.payments.access import may_audit
from broker.payments.budget import days, weekly_share
from broker.payments.models import Payment

BATCH = 500


class AuditFlagCode(StrEnum):
    OUTSIDE_AGREEMENT = "OUTSIDE_AGREEMENT"
    AFTER_AGREEMENT_ENDED = "AFTER_AGREEMENT_ENDED"
    ABOVE_AGREED_RATE = "ABOVE_AGREED_RATE"
    OVER_PLAN_HOURS = "OVER_PLAN_HOURS"
    BLOCKED_CATEGORY = "BLOCKED_CATEGORY"
    MARKED_FOR_RECOVERY = "MARKED_FOR_RECOVERY"


@dataclass(frozen=True)
class AuditFlag:
    payment_id: int
    code: AuditFlagCode
    message: str


@dataclass(frozen=True)
class StatementFlag:
    """A statement line that does not follow the agreements or the plan."""

    line_id: int
    code: AuditFlagCode
    message: str
    amount_pence: int


@dataclass
class HolderStatements:
    """What a holder's imported statements add to the year's audit: flagged lines, money out that no
    recorded payment accounts for, what brokers marked for recovery, and the latest closing balance
    that adds up (and its day), if any."""

    flags: list[StatementFlag] = field(default_factory=list)
    spend_pence: int = 0
    recovery_pence: int = 0
    closing_balance_pence: int | None = None
    closing_balance_on: date | None = None


class StatementEvidence(Protocol):
    async def __call__(
        self, session: AsyncSession, holder_ids: Sequence[int], start: date, end: date
    ) -> Mapping[int, HolderStatements]: ...


_statement_sources: list[StatementEvidence] = []


def read_statements_with(source: StatementEvidence) -> None:
    """Has every audit read holders' statements through `source` (registered once, when the app or
    the command line is built)."""
    if source not in _statement_sources:
        _statement_sources.append(source)


@dataclass
class HolderAudit:
    holder: DPHolder
    allocated_pence: int
    spent_pence: int = 0
    payments: int = 0
    contingency_pence: int = 0
    flags: list[AuditFlag] = field(default_factory=list)
    statements: HolderStatements = field(default_factory=HolderStatements)

    @property
    def unspent_pence(self) -> int:
        """Allocated less recorded spend and money out on statements no payment accounts for."""
        return self.allocated_pence - self.spent_pence - self.statements.spend_pence

    @property
    def reclaimable_pence(self) -> int:
        """Unspent money (or the statement's closing balance, where one adds up) above the
        contingency, plus what brokers marked for recovery."""
        left = self.statements.closing_balance_pence
        held = self.unspent_pence if left is None else left
        return max(0, held - self.contingency_pence) + self.statements.recovery_pence


@dataclass
class AuditReport:
    council: Council
    year: int
    year_start: date
    year_end: date
    contingency_weeks: float
    holders: list[HolderAudit]

    @property
    def reclaimable_pence(self) -> int:
        return sum(h.reclaimable_pence for h in self.holders)

    @property
    def flagged_payments(self) -> int:
        return len({f.payment_id for h in self.holders for f in h.flags})

    @property
    def flagged_statement_lines(self) -> int:
        return sum(len(h.statements.flags) for h in self.holders)


def flags_for(payment: Payment, agreement: Agreement, plan_hours_per_week: float) -> list[AuditFlag]:
    """What is wrong with one payment against its agreement (pure: unit-tested on its own)."""
    found: list[AuditFlag] = []

    def flag(code: AuditFlagCode, message: str) -> None:
        assert payment.id is not None
        found.append(AuditFlag(payment.id, code, message))

    if not agreement.is_started:
        flag(AuditFlagCode.OUTSIDE_AGREEMENT, f"Paid under an agreement that is {agreement.status.value}.")
    elif payment.period_start < agreement.start_date:
        flag(
            AuditFlagCode.OUTSIDE_AGREEMENT,
            f"Paid for care from {payment.period_start:%-d %b %Y}, before the agreement began on "
            f"{agreement.start_date:%-d %b %Y}.",
        )
    if agreement.end_date is not None and payment.period_end > agreement.end_date:
        flag(
            AuditFlagCode.AFTER_AGREEMENT_ENDED,
            f"Paid for care to {payment.period_end:%-d %b %Y}, after the agreement ended on "
            f"{agreement.end_date:%-d %b %Y}.",
        )
    # Any row must audit, even one written before the rules (or by hand): hours that are not a finite
    # positive number, or too many to multiply, are compared without rounding instead of raising.
    hours = payment.hours
    agreed = hours * agreement.hourly_rate_pence if hours == hours else math.inf
    if math.isfinite(agreed):
        agreed = math.ceil(agreed)
    if payment.amount_pence > agreed:
        per_hour = (
            f"£{payment.amount_pence / hours / 100:,.2f} an hour"
            if 0 < hours < math.inf
            else "no hourly rate at all"
        )
        flag(
            AuditFlagCode.ABOVE_AGREED_RATE,
            f"£{payment.amount_pence / 100:,.2f} for {hours:g} hours is {per_hour}, above the agreed "
            f"£{agreement.hourly_rate_pence / 100:,.2f}.",
        )
    allowed = plan_hours_per_week * days(payment.period_start, payment.period_end) / 7
    if not hours <= allowed + 1e-6:
        flag(
            AuditFlagCode.OVER_PLAN_HOURS,
            f"{payment.hours:g} hours paid where the plan allows {allowed:g} for this period.",
        )
    return found


def audit_year(year: int) -> tuple[date, date]:
    """DP year `year` runs from 1 April `year` to 31 March `year + 1`."""
    return date(year, 4, 1), date(year + 1, 3, 31)


async def annual_audit(
    session: AsyncSession,
    *,
    actor: Actor,
    council_id: int,
    year: int,
    contingency_weeks: float,
    progress: Callable[[int, int], None] | None = None,
) -> AuditReport:
    """Audits every DP holder of a council for DP year `year`; `progress(done, total)` after each batch."""
    council = await session.get(Council, council_id)
    if council is None:
        raise NotFound("No council with this ID.", field="council_id")
    if not may_audit(actor, council_id):
        raise PermissionDenied(
            "Only the council's brokers and admins audit its direct payments.", field="council_id"
        )
    if not 2000 <= year <= 2100:
        raise InvalidInput(
            "Give the year the DP year starts in, e.g. 2026.", field="year", code=ErrorCode.OUT_OF_RANGE
        )
    start, end = audit_year(year)
    holders = list(
        (
            await session.execute(
                select(DPHolder).where(col(DPHolder.council_id) == council_id).order_by(col(DPHolder.id))
            )
        ).scalars()
    )
    audits: list[HolderAudit] = []
    for first in range(0, len(holders), BATCH):
        batch = holders[first : first + BATCH]
        audits.extend(await _audit_batch(session, batch, start, end, contingency_weeks))
        if progress is not None:
            progress(min(first + BATCH, len(holders)), len(holders))
    if progress is not None and not holders:
        progress(0, 0)
    return AuditReport(
        council=council,
        year=year,
        year_start=start,
        year_end=end,
        contingency_weeks=contingency_weeks,
        holders=audits,
    )


async def _audit_batch(
    session: AsyncSession, batch: list[DPHolder], start: date, end: date, contingency_weeks: float
) -> list[HolderAudit]:
    ids = [h.id for h in batch]
    payments = list(
        (
            await session.execute(
                select(Payment)
                .where(
                    col(Payment.holder_id).in_(ids),
                    col(Payment.period_start) >= start,
                    col(Payment.period_start) <= end,
                    col(Payment.status).in_(rules.SPENT_STATUSES),
                )
                .order_by(col(Payment.period_start), col(Payment.id))
            )
        ).scalars()
    )
    agreement_ids = {p.agreement_id for p in payments}
    agreements = {
        a.id: a
        for a in (
            await session.execute(select(Agreement).where(col(Agreement.id).in_(agreement_ids)))
        ).scalars()
    }
    plan_hours: dict[int, float] = defaultdict(float)
    for need in (
        await session.execute(select(AgreementNeed).where(col(AgreementNeed.agreement_id).in_(agreement_ids)))
    ).scalars():
        plan_hours[need.agreement_id] += need.hours_per_week
    by_holder: dict[int, HolderAudit] = {}
    for holder in batch:
        began = max(start, holder.created_at.date())
        assert holder.id is not None
        by_holder[holder.id] = HolderAudit(
            holder=holder,
            allocated_pence=weekly_share(holder.weekly_budget_pence, began, end),
            contingency_pence=round(contingency_weeks * holder.weekly_budget_pence),
        )
    for payment in payments:
        audit = by_holder[payment.holder_id]
        agreement = agreements[payment.agreement_id]
        audit.payments += 1
        audit.spent_pence += payment.amount_pence - payment.refunded_pence
        assert agreement.id is not None
        audit.flags.extend(flags_for(payment, agreement, plan_hours[agreement.id]))
    for source in _statement_sources:
        for holder_id, found in (await source(session, list(by_holder), start, end)).items():
            by_holder[holder_id].statements = found
    return [by_holder[h.id] for h in batch]  # type: ignore[index]
