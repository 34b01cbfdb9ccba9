"""Deterministic DP holders and support plans for benchmarks: same seed, same people and needs.

Needs follow what councils commission most: personal care in morning and evening calls, domestic
help, community access in the afternoon; budgeted rates around the PA market (£14-£18/h) with some
agency-level budgets (£25-£32/h).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.models import Council, Role, User
from broker.geography.models import PostcodeDistrict
from broker.holders.models import DPHolder, DPHolding
from broker.plans.models import (
    NeedBand,
    NeedSlot,
    PlanNeed,
    PlanPreference,
    PlanStatus,
    PreferenceKind,
    Strength,
    SupportPlan,
)
from broker.timebands import need_band_rows
from seed import vocabulary as words

# (service, days a week, start hour, hours a visit)
NEED_SHAPES = [
    ("PERSONAL_CARE", 7, 7, 1),
    ("PERSONAL_CARE", 5, 8, 2),
    ("PERSONAL_CARE", 7, 18, 1),
    ("DOMESTIC_HELP", 2, 10, 2),
    ("COMMUNITY_ACCESS", 2, 13, 3),
    ("SITTING", 1, 14, 4),
    ("RESPITE", 1, 9, 6),
]


@dataclass(frozen=True)
class PlanSeedSummary:
    plan_ids: list[int]
    needs: int


async def generate_plans(
    session: AsyncSession,
    *,
    council: Council,
    plans: int,
    seed: int,
    today: date,
    districts: Sequence[PostcodeDistrict],
    max_needs_per_plan: int = 3,
    password_hash: str = "-",
) -> PlanSeedSummary:
    """Adds `plans` DP holders (users and profiles), each with one ACTIVE plan of 1 to 3 needs."""
    rng = random.Random(seed)
    now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    assert council.id is not None
    slug = f"{seed}.{council.id}"
    await session.execute(
        insert(User),
        [
            {
                "email": f"plan-holder{n}.{slug}@benchmark.example",
                "full_name": f"Holder {n}",
                "password_hash": password_hash,
                "role": Role.DP_HOLDER,
                "council_id": council.id,
                "failed_logins": 0,
                "created_at": now,
            }
            for n in range(plans)
        ],
    )
    users = list(
        (
            await session.execute(
                select(col(User.id))
                .where(col(User.email).like(f"plan-holder%.{slug}@benchmark.example"))
                .order_by(col(User.id))
            )
        ).scalars()
    )
    plan_ids: list[int] = []
    need_count = 0
    for user_id in users:
        district = rng.choice(districts)
        shapes = rng.sample(NEED_SHAPES, k=rng.randint(1, max_needs_per_plan))
        rate = rng.choice([1500, 1600, 1700, 1800, 1800, 2500, 3200])
        needs = []
        for code, days, hour, length in shapes:
            chosen_days = sorted(rng.sample(range(7), k=days))
            needs.append((code, [(d, hour * 60, (hour + length) * 60) for d in chosen_days], rate))
        cost = sum(len(slots) * (slots[0][2] - slots[0][1]) / 60 * r for _, slots, r in needs)
        assert user_id is not None
        holder = DPHolder(
            user_id=user_id,
            council_id=council.id,
            weekly_budget_pence=int(cost * 1.1),
            held_as=rng.choice(list(DPHolding)),
            home_postcode=f"{district.code} 1AA",
            postcode_district=district.code,
            latitude=district.latitude,
            longitude=district.longitude,
            created_at=now,
            updated_at=now,
        )
        session.add(holder)
        await session.flush()
        assert holder.id is not None
        plan = SupportPlan(
            council_id=council.id,
            holder_id=holder.id,
            status=PlanStatus.ACTIVE,
            outcomes="Stay well at home and keep in touch with friends.",
            postcode=holder.home_postcode,
            postcode_district=district.code,
            latitude=district.latitude,
            longitude=district.longitude,
            start_date=today + timedelta(days=rng.randint(7, 60)),
            created_at=now,
            updated_at=now,
        )
        session.add(plan)
        await session.flush()
        assert plan.id is not None
        for position, (code, slots, need_rate) in enumerate(needs):
            hours = sum((end - start) / 60 for _, start, end in slots)
            need = PlanNeed(
                plan_id=plan.id,
                position=position,
                service_code=code,
                hours_per_week=hours,
                budgeted_rate_pence=need_rate,
            )
            session.add(need)
            await session.flush()
            assert need.id is not None
            session.add_all(
                NeedSlot(need_id=need.id, day=d, start_minute=s, end_minute=e) for d, s, e in slots
            )
            session.add_all(
                NeedBand(need_id=need.id, band=band, minutes=minutes, total_minutes=total)
                for band, minutes, total in need_band_rows(list(slots))
            )
            need_count += 1
        if rng.random() < 0.3:
            language = rng.choice([code for code, _ in words.COMMUNITY_LANGUAGES])
            session.add(
                PlanPreference(
                    plan_id=plan.id,
                    position=0,
                    kind=PreferenceKind.LANGUAGE,
                    value=language,
                    strength=Strength.PREFERRED,
                )
            )
        if rng.random() < 0.2:
            session.add(
                PlanPreference(
                    plan_id=plan.id,
                    position=1,
                    kind=PreferenceKind.GENDER,
                    value="FEMALE",
                    strength=Strength.REQUIRED,
                )
            )
        plan_ids.append(plan.id)
    await session.flush()
    return PlanSeedSummary(plan_ids=plan_ids, needs=need_count)
