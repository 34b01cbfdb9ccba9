"""A year of the demo council's market, so the commissioners' reports have something to say.

Holders' direct payments start over the last two years (a few end); the case system's monthly
figures and a take-up target are recorded; half the open plans found care (agreements that started
through the year, some since ended) and the rest went unmet for named reasons, as the unmet-need
ledger would have recorded them. Deterministic: the same seed gives the same history.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.models import Council, Role, User
from broker.agreements.models import (
    Agreement,
    AgreementBand,
    AgreementNeed,
    AgreementSlot,
    AgreementStatus,
    AgreementTransition,
)
from broker.holders.models import DPHolder
from broker.market.bands import main_band
from broker.market.models import (
    AgeBand,
    CouncilDirectPaymentRate,
    CouncilFigures,
    CouncilMarketSettings,
    DirectPayment,
    FailedConstraint,
    PlanActivation,
    TakeUpTarget,
    UnmetNeed,
    UnmetSource,
)
from broker.plans.models import NeedSlot, PlanNeed, PlanStatus, SupportPlan
from broker.providers.models import Provider, ProviderKind, ProviderStatus
from broker.timebands import need_band_rows
from search import outbox

# Why needs go unmet in the demo, most common first (brokers' own accounts: rates and evenings).
_REASONS = [
    (FailedConstraint.RATE, 5),
    (FailedConstraint.SCHEDULE, 4),
    (FailedConstraint.CAPACITY, 3),
    (FailedConstraint.TRAVEL_RADIUS, 2),
    (FailedConstraint.LANGUAGE, 1),
    (FailedConstraint.GENDER, 1),
]
_SOURCES = [UnmetSource.NO_CANDIDATE, UnmetSource.REQUEST_DECLINED, UnmetSource.REQUEST_EXPIRED]
_ENDINGS = ["Moved into residential care", "Chose a managed account instead", "Died", "Moved away"]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


async def seed_market(session: AsyncSession, *, council: Council, today: date, seed: int) -> None:
    rng = random.Random(seed)
    assert council.id is not None
    broker = (
        (
            await session.execute(
                select(User)
                .where(col(User.council_id) == council.id, col(User.role) == Role.BROKER)
                .order_by(col(User.id))
            )
        )
        .scalars()
        .first()
    )
    assert broker is not None and broker.id is not None
    _settings(session, council.id)
    dp_count = await _direct_payments(session, council.id, today, rng)
    _figures(session, council.id, today, dp_count)
    await _history_of_plans(session, council.id, broker.id, today, rng)
    await session.flush()


def _settings(session: AsyncSession, council_id: int) -> None:
    session.add(CouncilMarketSettings(council_id=council_id, long_wait_days=28))
    session.add(
        CouncilDirectPaymentRate(council_id=council_id, provider_kind=ProviderKind.PA, hourly_rate_pence=1650)
    )
    session.add(
        CouncilDirectPaymentRate(
            council_id=council_id, provider_kind=ProviderKind.AGENCY, hourly_rate_pence=2600
        )
    )


async def _direct_payments(session: AsyncSession, council_id: int, today: date, rng: random.Random) -> int:
    """Every demo holder takes a DP, started some time in the last two years; about one in eight
    has ended. Answers how many are in force today."""
    holders = (
        await session.execute(
            select(DPHolder).where(col(DPHolder.council_id) == council_id).order_by(col(DPHolder.id))
        )
    ).scalars()
    in_force = 0
    for holder in holders:
        assert holder.id is not None
        start = today - timedelta(days=rng.randint(20, 720))
        ended = rng.random() < 0.125 and (today - start).days > 120
        end = start + timedelta(days=rng.randint(90, (today - start).days - 1)) if ended else None
        session.add(
            DirectPayment(
                holder_id=holder.id,
                council_id=council_id,
                start_date=start,
                end_date=end,
                end_reason=rng.choice(_ENDINGS) if end else "",
                age_band=AgeBand.AGED_65_PLUS if rng.random() < 0.45 else AgeBand.AGED_18_TO_64,
            )
        )
        in_force += end is None
    return in_force


def _figures(session: AsyncSession, council_id: int, today: date, dp_count: int) -> None:
    """Twelve months to this one of the case system's count of people on long-term community support
    (about four for every one on a DP today, growing slowly), the council's own DP count for last
    month (two more than here: a difference to explain), and a target of 30% by next March."""
    month = date(today.year, today.month, 1)
    for back in range(11, -1, -1):
        first = date(month.year - (month.month - back <= 0), (month.month - back - 1) % 12 + 1, 1)
        people = 4 * dp_count + 6 - back // 3
        own = dp_count + 2 if back == 1 else None
        session.add(
            CouncilFigures(
                council_id=council_id,
                month=first,
                people_on_long_term_community_support=people,
                people_on_long_term_community_support_18_to_64=round(people * 0.55),
                people_on_long_term_community_support_65_plus=people - round(people * 0.55),
                people_on_direct_payments=own,
            )
        )
    by = date(today.year + (today.month >= 4), 3, 31)
    session.add(
        TakeUpTarget(council_id=council_id, target_basis_points=3000, by_date=by, planned_new_per_year=12)
    )


async def _history_of_plans(
    session: AsyncSession, council_id: int, broker_id: int, today: date, rng: random.Random
) -> None:
    plans = (
        (
            await session.execute(
                select(SupportPlan)
                .where(
                    col(SupportPlan.council_id) == council_id, col(SupportPlan.status) == PlanStatus.ACTIVE
                )
                .order_by(col(SupportPlan.id))
            )
        )
        .scalars()
        .all()
    )
    providers = (
        (
            await session.execute(
                select(Provider)
                .where(
                    col(Provider.council_id) == council_id,
                    col(Provider.status) == ProviderStatus.PUBLISHED,
                    col(Provider.kind).in_([ProviderKind.PA, ProviderKind.AGENCY]),
                )
                .order_by(col(Provider.id))
            )
        )
        .scalars()
        .all()
    )
    free = {p.id: p.weekly_capacity_hours or 0.0 for p in providers}
    for plan in plans:
        assert plan.id is not None
        activated = today - timedelta(days=rng.randint(15, 330))
        session.add(PlanActivation(plan_id=plan.id, activated_at=_at(activated)))
        needs = (
            (await session.execute(select(PlanNeed).where(col(PlanNeed.plan_id) == plan.id))).scalars().all()
        )
        slots = {
            n.id: (await session.execute(select(NeedSlot).where(col(NeedSlot.need_id) == n.id)))
            .scalars()
            .all()
            for n in needs
        }
        hours = sum(n.hours_per_week for n in needs)
        provider = next((p for p in providers if free[p.id] >= hours), None) if rng.random() < 0.5 else None
        if provider is None:
            _unmet(session, plan, needs, slots, activated, today, rng)
            continue
        free[provider.id] -= hours
        await _agreement(session, plan, provider, needs, slots, broker_id, activated, today, rng)
        # Due now: the history's 10:00 may still be to come today, and the drainer would wait for it.
        outbox.enqueue(session, [provider.id], now=datetime.now(UTC))  # type: ignore[list-item]


def _unmet(session, plan, needs, slots, activated: date, today: date, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    reasons, weights = zip(*_REASONS, strict=True)
    for need in needs:
        windows = [(s.day, s.start_minute, s.end_minute) for s in slots[need.id]]
        band = main_band(windows)
        for _ in range(rng.randint(1, 3)):
            session.add(
                UnmetNeed(
                    council_id=plan.council_id,
                    plan_id=plan.id,
                    need_id=need.id,
                    postcode_district=plan.postcode_district,
                    service_code=need.service_code,
                    time_band=band.value if band else None,
                    hours_per_week=need.hours_per_week,
                    failed_constraint=rng.choices(reasons, weights)[0],
                    source=rng.choice(_SOURCES),
                    recorded_at=_at(
                        activated + timedelta(days=rng.randint(0, max(0, (today - activated).days)))
                    ),
                )
            )


async def _agreement(  # type: ignore[no-untyped-def]
    session: AsyncSession, plan, provider, needs, slots, broker_id: int, activated: date, today: date, rng
) -> None:
    """Care that started a few weeks after the plan did; one in five has since ended."""
    start = min(today, activated + timedelta(days=rng.randint(7, 45)))
    ended = rng.random() < 0.2 and (today - start).days > 60
    end = start + timedelta(days=rng.randint(30, (today - start).days - 1)) if ended else None
    agreement = Agreement(
        council_id=plan.council_id,
        holder_id=plan.holder_id,
        plan_id=plan.id,
        provider_id=provider.id,
        status=AgreementStatus.ENDED if end else AgreementStatus.ACTIVE,
        hours_per_week=sum(n.hours_per_week for n in needs),
        hourly_rate_pence=provider.hourly_rate_pence or max(n.budgeted_rate_pence for n in needs),
        start_date=start,
        end_date=end,
        end_reason="The person's needs changed" if end else "",
        created_by_id=broker_id,
        created_at=_at(start - timedelta(days=3)),
        updated_at=_at(end or start),
    )
    session.add(agreement)
    await session.flush()
    key = agreement.id
    assert key is not None
    session.add(
        AgreementTransition(
            agreement_id=key, to_status=AgreementStatus.ACTIVE, by_id=broker_id, at=_at(start)
        )
    )
    if end:
        session.add(
            AgreementTransition(
                agreement_id=key,
                from_status=AgreementStatus.ACTIVE,
                to_status=AgreementStatus.ENDED,
                by_id=broker_id,
                at=_at(end),
            )
        )
    for n in needs:
        session.add(
            AgreementNeed(
                agreement_id=key,
                need_id=n.id,
                service_code=n.service_code,
                hours_per_week=n.hours_per_week,
                budgeted_rate_pence=n.budgeted_rate_pence,
            )
        )
        for s in slots[n.id]:
            session.add(
                AgreementSlot(
                    agreement_id=key, day=s.day, start_minute=s.start_minute, end_minute=s.end_minute
                )
            )
    windows = [(s.day, s.start_minute, s.end_minute) for n in needs for s in slots[n.id]]
    session.add_all(
        AgreementBand(agreement_id=key, band=band, minutes=minutes, total_minutes=total)
        for band, minutes, total in need_band_rows(windows)
    )
    plan.status = PlanStatus.ACTIVE if end else PlanStatus.MATCHED
