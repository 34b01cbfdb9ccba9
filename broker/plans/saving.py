"""Writing care and support plans: create and update, each in the caller's transaction.

Brokers and admins of the person's council write plans (`broker.plans.access.may_write`); a plan
that costs more than the personal budget is saved and flagged, and cannot become ACTIVE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import events
from broker.accounts.actor import Actor
from broker.errors import Conflict, ErrorCode, NotFound, PermissionDenied, Problems
from broker.geography.service import place_of
from broker.holders import service as holders
from broker.holders.models import DPHolder
from broker.plans import rules
from broker.plans.access import may_write
from broker.plans.budget import BudgetCheck, budget_check, weekly_cost_pence
from broker.plans.models import (
    NeedBand,
    NeedSlot,
    PlanNeed,
    PlanPreference,
    PlanReadPurpose,
    PlanStatus,
    SupportPlan,
)
from broker.plans.needs import (
    NeedFields,
    PlanFields,
    PreferenceFields,
    Slots,
    check_need_ids,
    validate_needs,
    validate_preferences,
)
from broker.plans.reading import record_reads, require_plan
from broker.timebands import need_band_rows


@dataclass(frozen=True)
class CreateSupportPlan:
    """A new plan for the DP holder `holder_id`."""

    holder_id: int
    fields: PlanFields


@dataclass(frozen=True)
class UpdateSupportPlan:
    """Changes to the plan `plan_id`; fields left None stay as they are."""

    plan_id: int
    fields: PlanFields


@dataclass(frozen=True)
class SavedPlan:
    plan: SupportPlan
    budget: BudgetCheck


async def _apply_fields(
    session: AsyncSession, plan: SupportPlan, fields: PlanFields, problems: Problems
) -> tuple[list[Slots] | None, list[PreferenceFields] | None]:
    if fields.outcomes is not None:
        if len(fields.outcomes) > rules.OUTCOMES_MAX:
            problems.add(
                "outcomes", f"Outcomes are at most {rules.OUTCOMES_MAX} characters.", ErrorCode.TOO_LONG
            )
        plan.outcomes = fields.outcomes.strip()
    if fields.postcode is not None:
        place = await place_of(session, fields.postcode, field="postcode", problems=problems)
        if place is not None:
            plan.postcode, plan.postcode_district = place.postcode, place.district
            plan.latitude, plan.longitude = place.latitude, place.longitude
    if fields.start_date is not None:
        plan.start_date = fields.start_date
    slots = (
        validate_needs(fields.needs, problems, starts_on=plan.start_date)
        if fields.needs is not None
        else None
    )
    preferences = (
        validate_preferences(fields.preferences, problems) if fields.preferences is not None else None
    )
    return slots, preferences


async def _save_needs(
    session: AsyncSession, plan_id: int, needs: Sequence[NeedFields], slots: list[Slots]
) -> None:
    """Replaces the plan's needs: those sent with an `id` keep it, the others are new, the rest go."""
    existing = {
        n.id: n
        for n in (await session.execute(select(PlanNeed).where(col(PlanNeed.plan_id) == plan_id))).scalars()
    }
    kept = {n.id for n in needs if n.id is not None}
    for need_id, need in existing.items():
        if need_id not in kept:
            await session.delete(need)
    await session.flush()
    for position, (fields, need_slots) in enumerate(zip(needs, slots, strict=True)):
        need = existing[fields.id] if fields.id is not None else PlanNeed(plan_id=plan_id)  # type: ignore[call-arg]  # filled in below
        need.position = position
        need.service_code = fields.service_code
        need.hours_per_week = fields.hours_per_week
        need.budgeted_rate_pence = fields.budgeted_rate_pence
        session.add(need)
        await session.flush()
        await session.execute(delete(NeedSlot).where(col(NeedSlot.need_id) == need.id))
        assert need.id is not None
        session.add_all(
            NeedSlot(need_id=need.id, day=day, start_minute=start, end_minute=end)
            for day, start, end in need_slots
        )
        await session.execute(delete(NeedBand).where(col(NeedBand.need_id) == need.id))
        session.add_all(
            NeedBand(need_id=need.id, band=band, minutes=minutes, total_minutes=total)
            for band, minutes, total in need_band_rows(list(need_slots))
        )
    await session.flush()


async def _save_preferences(
    session: AsyncSession, plan_id: int, preferences: Sequence[PreferenceFields]
) -> None:
    await session.execute(delete(PlanPreference).where(col(PlanPreference.plan_id) == plan_id))
    session.add_all(
        PlanPreference(plan_id=plan_id, position=i, kind=p.kind, value=p.value, strength=p.strength)
        for i, p in enumerate(preferences)
    )
    await session.flush()


async def create_support_plan(
    session: AsyncSession, *, actor: Actor, command: CreateSupportPlan, now: datetime
) -> SavedPlan:
    """A broker of the person's council writes a plan with them; it starts as a DRAFT.

    The location defaults to the holder's home. A plan that costs more than the personal budget is
    saved, and flagged in its `budget`, so the budget is reviewed rather than the need cut silently.
    """
    holder_id, fields = command.holder_id, command.fields
    holder = await holders.get_dp_holder(session, actor=actor, holder_id=holder_id)
    if holder is None:
        raise NotFound("No DP holder with this ID.", field="holder_id")
    if not may_write(actor, holder.council_id):
        raise PermissionDenied("Only the council's brokers write support plans.", field="holder_id")
    problems = Problems()
    if fields.start_date is None:
        problems.add("start_date", "Give the date support should start.", ErrorCode.REQUIRED)
    if fields.status is not None and fields.status is not PlanStatus.DRAFT:
        problems.add("status", "A new plan starts as a DRAFT.", ErrorCode.INVALID_STATE)
    plan = SupportPlan(
        council_id=holder.council_id,
        holder_id=holder_id,
        status=PlanStatus.DRAFT,
        postcode=holder.home_postcode,
        postcode_district=holder.postcode_district,
        latitude=holder.latitude,
        longitude=holder.longitude,
        start_date=fields.start_date or now.date(),
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    slots, preferences = await _apply_fields(session, plan, fields, problems)
    problems.raise_if_any()
    session.add(plan)
    await session.flush()
    assert plan.id is not None
    if fields.needs is not None and slots is not None:
        await _save_needs(session, plan.id, fields.needs, slots)
    if preferences is not None:
        await _save_preferences(session, plan.id, preferences)
    await events.publish(events.Event.PLAN_SAVED, session, plan, now)
    await record_reads(session, actor=actor, plan_ids=[plan.id], operation=PlanReadPurpose.CREATE, now=now)
    return SavedPlan(plan=plan, budget=await budget_check(session, plan))


async def update_support_plan(
    session: AsyncSession, *, actor: Actor, command: UpdateSupportPlan, now: datetime
) -> SavedPlan:
    """Changes a plan; needs and preferences sent replace the old ones whole, in one transaction.

    Status moves follow `rules.NEXT_STATUSES`. A plan becomes ACTIVE only with at least one need and
    within the personal budget: the council reviews the budget first (Care Act 2014 s.31).
    """
    plan_id, fields = command.plan_id, command.fields
    plan = await require_plan(
        session, actor=actor, plan_id=plan_id, field="id", operation=PlanReadPurpose.UPDATE, now=now
    )
    if not may_write(actor, plan.council_id):
        raise PermissionDenied("Only the council's brokers change support plans.", field="id")
    if plan.status is PlanStatus.CLOSED:
        raise Conflict("This plan is closed; write a new plan instead.", field="id")
    problems = Problems()
    existing_needs = {
        n.id: n
        for n in (await session.execute(select(PlanNeed).where(col(PlanNeed.plan_id) == plan_id))).scalars()
    }
    if fields.needs is not None:
        check_need_ids(fields.needs, {i for i in existing_needs if i is not None}, problems)
    slots, preferences = await _apply_fields(session, plan, fields, problems)
    if fields.status is not None and fields.status is not plan.status:
        if fields.status not in rules.NEXT_STATUSES[plan.status]:
            problems.add(
                "status",
                f"A {plan.status.value} plan cannot become {fields.status.value}.",
                ErrorCode.INVALID_STATE,
            )
        elif fields.status is PlanStatus.ACTIVE:
            needs_after = fields.needs if fields.needs is not None else list(existing_needs.values())
            holder = await session.get(DPHolder, plan.holder_id)
            assert holder is not None
            if not needs_after:
                problems.add("status", "Add the person's needs before activating.", ErrorCode.INCOMPLETE)
            elif weekly_cost_pence(needs_after) > holder.weekly_budget_pence:
                problems.add(
                    "status",
                    "The needs cost more than the personal budget; review the budget before activating.",
                    ErrorCode.INVALID_STATE,
                )
    problems.raise_if_any()
    if fields.status is not None:
        plan.status = fields.status
        await events.publish(events.Event.PLAN_STATUS_SET, session, plan, now)
    if fields.needs is not None and slots is not None:
        await _save_needs(session, plan_id, fields.needs, slots)
    if preferences is not None:
        await _save_preferences(session, plan_id, preferences)
    plan.updated_at = now
    session.add(plan)
    await session.flush()
    await events.publish(events.Event.PLAN_SAVED, session, plan, now)
    return SavedPlan(plan=plan, budget=await budget_check(session, plan))
