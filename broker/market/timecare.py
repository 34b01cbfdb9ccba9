"""`timeToCare`: how long people wait, step by step, from a plan becoming ACTIVE to care being paid for.

A person's wait starts when their plan first became ACTIVE (`PlanActivation`; a plan from before
that record counts from its creation) and passes three marks: the first request sent to a provider
for it, its first agreement becoming ACTIVE, and the first succeeded payment under its agreements
(when it was recorded). Each step's whole days are counted, with the median and 90th percentile, over
the plans whose wait started in the period; a step that ends before it starts (a request sent on a
plan reopened later) counts as 0 days. Long waiters are the plans of the period still ACTIVE or
MATCHED with no agreement ACTIVE yet, waiting longer than the council's threshold
(`council_settings.long_wait_days`): their number for everyone who sees the figures, their names for
the council's brokers and admins. Aggregated in SQL; Python only reads the histograms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Subquery, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import User
from broker.agreements.models import Agreement, AgreementStatus, AgreementTransition, CareRequest
from broker.api.clock import LONDON
from broker.errors import PermissionDenied
from broker.holders.models import DPHolder
from broker.market import access, council_settings
from broker.market.gaps import check_period
from broker.market.models import PlanActivation
from broker.market.privacy import is_small, shown
from broker.market.sql import whole_days_between
from broker.market.stats import percentile
from broker.payments.models import Payment, PaymentStatus
from broker.plans.models import PlanStatus, SupportPlan

# Payments that went through, whatever was refunded after.
PAID = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
STILL_WAITING_STATUSES = (PlanStatus.ACTIVE, PlanStatus.MATCHED)
# The drill-down names the longest waits first, at most this many (the count says how many in all).
LONG_WAITERS_SHOWN = 200


class Step(StrEnum):
    PLAN_ACTIVE_TO_FIRST_REQUEST = "PLAN_ACTIVE_TO_FIRST_REQUEST"
    FIRST_REQUEST_TO_FIRST_AGREEMENT = "FIRST_REQUEST_TO_FIRST_AGREEMENT"
    FIRST_AGREEMENT_TO_FIRST_PAYMENT = "FIRST_AGREEMENT_TO_FIRST_PAYMENT"
    PLAN_ACTIVE_TO_FIRST_AGREEMENT = "PLAN_ACTIVE_TO_FIRST_AGREEMENT"
    PLAN_ACTIVE_TO_FIRST_PAYMENT = "PLAN_ACTIVE_TO_FIRST_PAYMENT"


@dataclass
class StepRow:
    """People who completed the step, its median and 90th percentile days, and people who reached its
    start but not yet its end and whose plan is still open (ACTIVE or MATCHED); counts of 1 to 4
    withheld with what is derived from them."""

    step: Step
    people: int | None
    median_days: float | None
    percentile_90_days: float | None
    still_waiting: int | None
    suppressed: bool


@dataclass(frozen=True)
class LongWaiter:
    plan_id: int
    holder_id: int
    name: str
    district: str
    waiting_since: date
    days_waited: int
    request_sent: bool


@dataclass(frozen=True)
class TimeToCare:
    council_id: int
    long_wait_days: int
    steps: list[StepRow]
    long_waiters_count: int | None
    long_waiters: list[LongWaiter] | None
    """The drill-down for the council's brokers and admins; None for everyone else."""


def _cohort(council_id: int, start: date, end: date) -> Subquery:
    """Per plan whose wait started in the period: when it started and reached each mark."""
    council = col(SupportPlan.council_id) == council_id
    started = func.coalesce(PlanActivation.activated_at, SupportPlan.created_at)
    first_request = (
        select(col(CareRequest.plan_id), func.min(col(CareRequest.sent_at)).label("at"))
        .where(col(CareRequest.council_id) == council_id)
        .group_by(col(CareRequest.plan_id))
        .subquery("first_request")
    )
    first_agreement = (
        select(col(Agreement.plan_id), func.min(col(AgreementTransition.at)).label("at"))
        .join(AgreementTransition, col(AgreementTransition.agreement_id) == col(Agreement.id))
        .where(
            col(Agreement.council_id) == council_id,
            col(AgreementTransition.to_status) == AgreementStatus.ACTIVE,
        )
        .group_by(col(Agreement.plan_id))
        .subquery("first_agreement")
    )
    first_payment = (
        select(col(Agreement.plan_id), func.min(col(Payment.created_at)).label("at"))
        .join(Payment, col(Payment.agreement_id) == col(Agreement.id))
        .where(col(Agreement.council_id) == council_id, col(Payment.status).in_(PAID))
        .group_by(col(Agreement.plan_id))
        .subquery("first_payment")
    )
    first = datetime.combine(start, time.min, LONDON)
    last = datetime.combine(end + timedelta(days=1), time.min, LONDON)
    return (
        select(
            col(SupportPlan.id).label("plan_id"),
            col(SupportPlan.holder_id),
            col(SupportPlan.postcode_district).label("district"),
            col(SupportPlan.status),
            started.label("started"),
            first_request.c.at.label("requested"),
            first_agreement.c.at.label("agreed"),
            first_payment.c.at.label("paid"),
        )
        .outerjoin(PlanActivation, col(PlanActivation.plan_id) == col(SupportPlan.id))
        .outerjoin(first_request, first_request.c.plan_id == SupportPlan.id)
        .outerjoin(first_agreement, first_agreement.c.plan_id == SupportPlan.id)
        .outerjoin(first_payment, first_payment.c.plan_id == SupportPlan.id)
        .where(
            council,
            or_(
                col(PlanActivation.plan_id).is_not(None), col(SupportPlan.status).in_(STILL_WAITING_STATUSES)
            ),
            started >= first,
            started < last,
        )
        .subquery("cohort")
    )


async def time_to_care(
    session: AsyncSession,
    *,
    actor: Actor | None,
    council_id: int,
    start: date,
    end: date,
    now: datetime,
) -> TimeToCare:
    """Each step's count, median and 90th percentile days, and who has waited too long."""
    await council_settings.council_exists(session, council_id)
    if not access.sees_figures(actor, council_id):
        raise PermissionDenied("You can only see your own council's figures.", field="council_id")
    check_period(start, end)
    threshold = await council_settings.long_wait_days(session, council_id)
    cohort = _cohort(council_id, start, end)
    marks = {
        Step.PLAN_ACTIVE_TO_FIRST_REQUEST: (cohort.c.started, cohort.c.requested),
        Step.FIRST_REQUEST_TO_FIRST_AGREEMENT: (cohort.c.requested, cohort.c.agreed),
        Step.FIRST_AGREEMENT_TO_FIRST_PAYMENT: (cohort.c.agreed, cohort.c.paid),
        Step.PLAN_ACTIVE_TO_FIRST_AGREEMENT: (cohort.c.started, cohort.c.agreed),
        Step.PLAN_ACTIVE_TO_FIRST_PAYMENT: (cohort.c.started, cohort.c.paid),
    }
    steps = []
    for step, (begun, reached) in marks.items():
        days = whole_days_between(begun, reached)
        histogram: dict[float, int] = {}
        query = select(days, func.count()).where(begun.is_not(None), reached.is_not(None)).group_by(days)
        for n_days, n in await session.execute(query):
            key = float(max(n_days, 0))
            histogram[key] = histogram.get(key, 0) + n
        waiting = (
            await session.execute(
                select(func.count())
                .select_from(cohort)
                .where(begun.is_not(None), reached.is_(None), cohort.c.status.in_(STILL_WAITING_STATUSES))
            )
        ).scalar_one()
        people = sum(histogram.values())
        row = StepRow(
            step=step,
            people=people,
            median_days=percentile(histogram, 0.5),
            percentile_90_days=percentile(histogram, 0.9),
            still_waiting=shown(waiting),
            suppressed=is_small(waiting),
        )
        if is_small(people):
            row.people = row.median_days = row.percentile_90_days = None
            row.suppressed = True
        steps.append(row)

    cutoff = now - timedelta(days=threshold)
    long_wait = and_(
        cohort.c.status.in_(STILL_WAITING_STATUSES),
        cohort.c.agreed.is_(None),
        cohort.c.started < cutoff,
    )
    count = (await session.execute(select(func.count()).select_from(cohort).where(long_wait))).scalar_one()
    waiters: list[LongWaiter] | None = None
    if access.may_drill_down(actor, council_id):
        found = await session.execute(
            select(cohort, col(User.full_name))
            .join(DPHolder, col(DPHolder.id) == cohort.c.holder_id)
            .join(User, col(User.id) == col(DPHolder.user_id))
            .where(long_wait)
            .order_by(cohort.c.started, cohort.c.plan_id)
            .limit(LONG_WAITERS_SHOWN)
        )
        waiters = [
            LongWaiter(
                plan_id=r.plan_id,
                holder_id=r.holder_id,
                name=r.full_name,
                district=r.district,
                waiting_since=r.started.astimezone(LONDON).date(),
                days_waited=(now - r.started).days,
                request_sent=r.requested is not None,
            )
            for r in found
        ]
    return TimeToCare(
        council_id=council_id,
        long_wait_days=threshold,
        steps=steps,
        long_waiters_count=shown(count),
        long_waiters=waiters,
    )
