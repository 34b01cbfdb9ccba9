"""Reading care and support plans: every read is scoped by `broker.plans.access` and recorded.

Care needs are special-category personal data (UK GDPR art. 9), so each read of a plan is recorded:
who, when, which plan, and for what (`PlanReadPurpose`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import SQLColumnExpression, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts.actor import Actor
from broker.errors import NotFound
from broker.holders.models import DPHolder
from broker.plans.access import visible_clause
from broker.plans.models import (
    NeedSlot,
    PlanNeed,
    PlanPreference,
    PlanRead,
    PlanReadPurpose,
    PlanStatus,
    SupportPlan,
)

T = TypeVar("T")

# How many of a holder's plans their profile shows; a person has a handful over the years.
HOLDER_PLANS_SHOWN = 100


async def record_reads(
    session: AsyncSession,
    *,
    actor: Actor,
    plan_ids: Sequence[int],
    operation: PlanReadPurpose,
    now: datetime,
) -> None:
    """One audit row per plan read, in one statement; written in the reader's transaction."""
    purpose = PlanReadPurpose.of(operation)
    rows = [
        {"plan_id": plan_id, "user_id": actor.user_id, "read_at": now, "operation": purpose.value}
        for plan_id in dict.fromkeys(plan_ids)
    ]
    if rows:
        await session.execute(insert(PlanRead), rows)


async def read_support_plan(
    session: AsyncSession,
    *,
    actor: Actor | None,
    plan_id: int,
    operation: PlanReadPurpose,
    now: datetime,
) -> SupportPlan | None:
    """The plan if `actor` may see it (None otherwise), with the read recorded."""
    if actor is None:
        return None
    query = select(SupportPlan).where(col(SupportPlan.id) == plan_id, visible_clause(actor))
    plan = (await session.execute(query)).scalar_one_or_none()
    if plan is not None:
        await record_reads(session, actor=actor, plan_ids=[plan_id], operation=operation, now=now)
    return plan


async def require_plan(
    session: AsyncSession,
    *,
    actor: Actor,
    plan_id: int,
    field: str,
    operation: PlanReadPurpose,
    now: datetime,
) -> SupportPlan:
    """Like `read_support_plan`, but an unknown or foreign plan is a NotFound on `field`."""
    plan = await read_support_plan(session, actor=actor, plan_id=plan_id, operation=operation, now=now)
    if plan is None:
        raise NotFound("No support plan with this ID.", field=field)
    return plan


async def read_support_plans(
    session: AsyncSession,
    *,
    actor: Actor | None,
    ids: Sequence[int],
    operation: PlanReadPurpose,
    now: datetime,
) -> dict[int, SupportPlan]:
    """The visible ones among `ids`, each read recorded."""
    if actor is None or not ids:
        return {}
    found = await queries.by_id(session, SupportPlan, visible_clause(actor), ids)
    await record_reads(session, actor=actor, plan_ids=list(found), operation=operation, now=now)
    return found


@dataclass
class PlanFilter:
    status: PlanStatus | None = None
    holder_id: int | None = None


NEWEST_FIRST: list[Any] = [col(SupportPlan.created_at).desc(), col(SupportPlan.id).desc()]


async def list_support_plans(
    session: AsyncSession,
    *,
    actor: Actor | None,
    filters: PlanFilter,
    limit: int,
    offset: int,
    operation: PlanReadPurpose = PlanReadPurpose.LIST,
    now: datetime,
) -> tuple[list[SupportPlan], int]:
    """One page of the plans the actor may see, newest first; every plan on the page is a read."""
    if actor is None:
        return [], 0
    query = queries.where_given(
        select(SupportPlan).where(visible_clause(actor)),
        (SupportPlan.status, filters.status),
        (SupportPlan.holder_id, filters.holder_id),
    )
    plans, total = await queries.page(session, query, NEWEST_FIRST, limit, offset)
    await record_reads(
        session, actor=actor, plan_ids=[p.id for p in plans if p.id], operation=operation, now=now
    )
    return plans, total


async def plans_by_holder(
    session: AsyncSession, *, actor: Actor | None, holder_ids: Sequence[int], now: datetime
) -> dict[int, list[SupportPlan]]:
    """The plans `actor` may see of each of `holder_ids`, newest first (at most HOLDER_PLANS_SHOWN
    each), in one read and one write of the read log, however many holders are asked for."""
    grouped: dict[int, list[SupportPlan]] = defaultdict(list)
    if actor is None or not holder_ids:
        return grouped
    query = select(SupportPlan).where(col(SupportPlan.holder_id).in_(holder_ids), visible_clause(actor))
    for plan in (await session.execute(query.order_by(*NEWEST_FIRST))).scalars():
        if len(grouped[plan.holder_id]) < HOLDER_PLANS_SHOWN:
            grouped[plan.holder_id].append(plan)
    shown = [p.id for plans in grouped.values() for p in plans if p.id is not None]
    await record_reads(session, actor=actor, plan_ids=shown, operation=PlanReadPurpose.LIST, now=now)
    return grouped


async def plan_reads(session: AsyncSession, *, plan_id: int, limit: int) -> list[PlanRead]:
    rows = await session.execute(
        select(PlanRead)
        .where(col(PlanRead.plan_id) == plan_id)
        .order_by(col(PlanRead.read_at).desc(), col(PlanRead.id).desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def reads_by_plan(
    session: AsyncSession, *, plan_ids: Sequence[int], limit: int
) -> dict[int, list[PlanRead]]:
    """The newest `limit` reads of each of `plan_ids`, newest first, in one statement."""
    grouped: dict[int, list[PlanRead]] = defaultdict(list)
    if not plan_ids or limit <= 0:
        return grouped
    rank = (
        func.row_number()
        .over(
            partition_by=col(PlanRead.plan_id),
            order_by=(col(PlanRead.read_at).desc(), col(PlanRead.id).desc()),
        )
        .label("rank")
    )
    ranked = select(col(PlanRead.id), rank).where(col(PlanRead.plan_id).in_(plan_ids)).subquery()
    query = (
        select(PlanRead)
        .join(ranked, ranked.c.id == PlanRead.id)
        .where(ranked.c.rank <= limit)
        .order_by(col(PlanRead.plan_id), col(PlanRead.read_at).desc(), col(PlanRead.id).desc())
    )
    for read in (await session.execute(query)).scalars():
        grouped[read.plan_id].append(read)
    return grouped


# --- what a plan holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanDetails:
    """A plan with its needs (in order), each need's slots, and its preferences: what matching reads."""

    plan: SupportPlan
    holder: DPHolder
    needs: list[PlanNeed]
    slots: dict[int, list[NeedSlot]]
    preferences: list[PlanPreference]


async def _grouped(
    session: AsyncSession,
    model: type[T],
    key: str,
    ids: Sequence[int],
    order: Sequence[SQLColumnExpression[Any]],
) -> dict[int, list[T]]:
    """Rows of `model` whose `key` is one of `ids`, grouped by it, in `order`; asked in chunks so a
    batch of thousands stays within the database's limit on bound parameters."""
    grouped: dict[int, list[T]] = defaultdict(list)
    column = getattr(model, key)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = await session.execute(select(model).where(column.in_(chunk)).order_by(*order))
        for row in rows.scalars():
            grouped[getattr(row, key)].append(row)
    return grouped


async def plan_details(session: AsyncSession, plans: Sequence[SupportPlan]) -> dict[int, PlanDetails]:
    """Everything hanging off `plans` in four statements, whatever their number (up to 5,000)."""
    ids = [p.id for p in plans if p.id is not None]
    if not ids:
        return {}
    holder_rows = await session.execute(
        select(DPHolder).where(col(DPHolder.id).in_({p.holder_id for p in plans}))
    )
    holders_by_id = {h.id: h for h in holder_rows.scalars()}
    needs = await _grouped(session, PlanNeed, "plan_id", ids, [col(PlanNeed.position), col(PlanNeed.id)])
    need_ids = [n.id for group in needs.values() for n in group if n.id is not None]
    slots = await _grouped(
        session, NeedSlot, "need_id", need_ids, [col(NeedSlot.day), col(NeedSlot.start_minute)]
    )
    order = [col(PlanPreference.position), col(PlanPreference.id)]
    preferences = await _grouped(session, PlanPreference, "plan_id", ids, order)
    return {
        plan.id: PlanDetails(
            plan=plan,
            holder=holders_by_id[plan.holder_id],
            needs=needs[plan.id],
            slots={n.id: slots[n.id] for n in needs[plan.id] if n.id is not None},
            preferences=preferences[plan.id],
        )
        for plan in plans
        if plan.id is not None
    }
