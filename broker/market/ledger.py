"""The unmet-need ledger: every time a need goes unmet, where, what, when in the week, how many hours,
and the constraint that failed. Matching and agreements call these in their own transaction.

Sources: a match for one need that finds no candidate (the constraint most candidates failed; with
no candidate at all, TRAVEL_RADIUS: nobody offering the service reaches the home), a declined
request (CAPACITY: the provider could not take it on), an expired one (CAPACITY, entered by
`record_expired_requests` the first time the council's gaps are read after the expiry), and a need
`proposeAllocation` left short (CAPACITY when it had candidates who went to other needs, else the
constraint its nearby providers failed). Each call is one event: running an allocation twice
records its shortfalls twice, and the reasons are counted as events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.models import CareRequest, RequestStatus
from broker.market.bands import main_band
from broker.market.models import FailedConstraint, UnmetNeed, UnmetSource
from broker.matching.scoring import Constraint, NeedSpec, PlanSpec, ProviderFacts, evaluate
from broker.plans.models import NeedSlot, PlanNeed, PreferenceKind, Strength, SupportPlan

_FROM_MATCHING = {
    Constraint.RATE: FailedConstraint.RATE,
    Constraint.SCHEDULE: FailedConstraint.SCHEDULE,
    Constraint.CAPACITY: FailedConstraint.CAPACITY,
    Constraint.TRAVEL_RADIUS: FailedConstraint.TRAVEL_RADIUS,
    Constraint.ACCREDITED: FailedConstraint.ACCREDITATION,
    Constraint.PUBLISHED: FailedConstraint.ACCREDITATION,
}


def blocking_constraint(
    spec: PlanSpec, need: NeedSpec, candidates: Iterable[ProviderFacts], today: date
) -> FailedConstraint:
    """The constraint that most of the providers considered for `need` failed first."""
    language_required = any(
        p.kind is PreferenceKind.LANGUAGE and p.strength is Strength.REQUIRED for p in spec.preferences
    )
    failed: Counter[FailedConstraint] = Counter()
    for facts in candidates:
        if need.service_code not in facts.services:
            continue
        evaluation = evaluate(spec, [need], facts, today, explain=False)
        first = next((c.constraint for c in evaluation.constraints if not c.passed), None)
        if first is Constraint.REQUIRED_PREFERENCES:
            failed[FailedConstraint.LANGUAGE if language_required else FailedConstraint.GENDER] += 1
        elif first in _FROM_MATCHING:
            failed[_FROM_MATCHING[first]] += 1
    if not failed:
        return FailedConstraint.TRAVEL_RADIUS
    return max(failed, key=lambda c: (failed[c], -list(FailedConstraint).index(c)))


def _entry(
    plan: SupportPlan,
    need: NeedSpec,
    hours: float,
    constraint: FailedConstraint,
    source: UnmetSource,
    now: datetime,
) -> UnmetNeed:
    return UnmetNeed(
        council_id=plan.council_id,
        plan_id=plan.id,
        need_id=need.id,
        postcode_district=plan.postcode_district,
        service_code=need.service_code,
        time_band=(band := main_band(list(need.windows))) and band.value,
        hours_per_week=round(hours, 4),
        failed_constraint=constraint,
        source=source,
        recorded_at=now,
    )


async def record_no_candidate(
    session: AsyncSession,
    plan: SupportPlan,
    spec: PlanSpec,
    needs: Sequence[NeedSpec],
    need_id: int | None,
    eligible: int,
    candidates: Iterable[ProviderFacts],
    *,
    today: date,
    now: datetime,
) -> None:
    """A match asked for one need (`need_id`) found no eligible provider: one ledger entry."""
    if need_id is None or eligible:
        return
    need = next(n for n in needs if n.id == need_id)
    constraint = blocking_constraint(spec, need, list(candidates), today)
    session.add(_entry(plan, need, need.hours, constraint, UnmetSource.NO_CANDIDATE, now))


async def record_not_allocated(
    session: AsyncSession,
    plans: Mapping[int, SupportPlan],
    specs: Sequence[PlanSpec],
    allocated: Mapping[int, float],
    options_by_need: Iterable[int],
    nearby: Mapping[int, Sequence[ProviderFacts]],
    *,
    today: date,
    now: datetime,
) -> None:
    """Each need `proposeAllocation` left with fewer hours than it needs: one entry for the shortfall.

    A need without options is blamed on what failed first among the providers whose reach could
    take in the plan's home (`nearby`, by plan ID), as a match for it alone would be: not among every
    listing the batch read, which across a region blames distance for nearly every need, whatever
    stops the few listings that do reach the home."""
    had_options = set(options_by_need)
    for spec in specs:
        for need in spec.needs:
            short = need.hours - allocated.get(need.id, 0.0)
            if short <= 1e-4:
                continue
            if need.id in had_options:
                constraint = FailedConstraint.CAPACITY
            else:
                constraint = blocking_constraint(spec, need, nearby.get(spec.id, ()), today)
            session.add(_entry(plans[spec.id], need, short, constraint, UnmetSource.NOT_ALLOCATED, now))


async def _request_entries(
    session: AsyncSession, request: CareRequest, source: UnmetSource, now: datetime
) -> list[UnmetNeed]:
    plan = await session.get(SupportPlan, request.plan_id)
    assert plan is not None
    needs = (
        (await session.execute(select(PlanNeed).where(col(PlanNeed.id).in_(request.need_ids))))
        .scalars()
        .all()
    )
    slots = (
        (await session.execute(select(NeedSlot).where(col(NeedSlot.need_id).in_([n.id for n in needs]))))
        .scalars()
        .all()
    )
    entries = []
    for need in needs:
        windows = tuple((s.day, s.start_minute, s.end_minute) for s in slots if s.need_id == need.id)
        assert need.id is not None
        spec = NeedSpec(need.id, need.service_code, need.hours_per_week, need.budgeted_rate_pence, windows)
        entry = _entry(plan, spec, need.hours_per_week, FailedConstraint.CAPACITY, source, now)
        entry.request_id = request.id
        entries.append(entry)
    return entries


async def record_request_answered(session: AsyncSession, request: CareRequest, now: datetime) -> None:
    """A provider declined a request: its needs went unmet there (CAPACITY)."""
    if request.status is RequestStatus.DECLINED:
        session.add_all(await _request_entries(session, request, UnmetSource.REQUEST_DECLINED, now))


async def record_expired_requests(session: AsyncSession, council_id: int, now: datetime) -> None:
    """Enters the council's requests that expired unanswered and are not in the ledger yet."""
    entered = select(col(UnmetNeed.request_id)).where(col(UnmetNeed.request_id).is_not(None))
    expired = await session.execute(
        select(CareRequest).where(
            col(CareRequest.council_id) == council_id,
            col(CareRequest.status) == RequestStatus.PENDING,
            col(CareRequest.expires_at) <= now,
            col(CareRequest.id).not_in(entered),
        )
    )
    for request in expired.scalars():
        session.add_all(await _request_entries(session, request, UnmetSource.REQUEST_EXPIRED, now))
