"""Use cases for care and support plans: create, update, read (every read audit-logged), budget check.

Who may do what: brokers and admins of the person's council write plans; the DP holder and their
representatives read their own; nobody else sees them. Care needs are special-category personal
data (UK GDPR art. 9), so each read of a plan is recorded: who, when, which plan, through what.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, delete, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF, Role
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.geography.service import resolve_postcode
from broker.holders import service as holders
from broker.holders.models import DPHolder
from broker.market import activations as market_activations
from broker.plans import rules
from broker.plans.models import (
    NeedSlot,
    PlanNeed,
    PlanPreference,
    PlanRead,
    PlanStatus,
    PreferenceKind,
    Strength,
    SupportPlan,
)
from broker.providers import rules as provider_rules
from broker.providers.models import Gender, ProviderKind
from broker.providers.service import SlotFields, validate_slots
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import all_services


@dataclass(frozen=True)
class NeedFields:
    """One need as entered; `id` keeps an existing need (and its identity) when a plan is updated."""

    service_code: str
    hours_per_week: float
    budgeted_rate_pence: int
    slots: Sequence[SlotFields]
    id: int | None = None


@dataclass(frozen=True)
class PreferenceFields:
    kind: PreferenceKind
    value: str
    strength: Strength


@dataclass
class PlanFields:
    """What a plan says; None leaves a field as it is. Needs and preferences are replaced whole."""

    outcomes: str | None = None
    postcode: str | None = None
    start_date: date | None = None
    status: PlanStatus | None = None
    needs: Sequence[NeedFields] | None = None
    preferences: Sequence[PreferenceFields] | None = None


@dataclass(frozen=True)
class BudgetCheck:
    """The needs' weekly cost against the personal budget.

    A direct payment must be sufficient to meet the person's eligible needs (Care Act 2014 s.31;
    Medway briefing 4/2016): a plan that costs more is flagged for the budget to be reviewed.
    """

    weekly_cost_pence: int
    weekly_budget_pence: int

    @property
    def over_budget(self) -> bool:
        return self.weekly_cost_pence > self.weekly_budget_pence

    @property
    def shortfall_pence(self) -> int:
        return max(0, self.weekly_cost_pence - self.weekly_budget_pence)

    @property
    def message(self) -> str | None:
        if not self.over_budget:
            return None
        return (
            f"The needs cost £{self.weekly_cost_pence / 100:,.2f} a week, "
            f"£{self.shortfall_pence / 100:,.2f} more than the £{self.weekly_budget_pence / 100:,.2f} "
            "personal budget: the payment must be enough to meet eligible needs, so review the budget."
        )


@dataclass(frozen=True)
class SavedPlan:
    plan: SupportPlan
    budget: BudgetCheck


# --- who sees ---------------------------------------------------------------------------------


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """Plans `actor` may read: their council's (staff), or their own (holder and representatives)."""
    if actor is None:
        return false()
    if actor.is_platform_admin:
        return true()
    if actor.role in COUNCIL_STAFF:
        return SupportPlan.council_id == actor.council_id
    if actor.role in (Role.DP_HOLDER, Role.REPRESENTATIVE):
        holders_seen = select(DPHolder.id).where(holders.visible_clause(actor))
        return SupportPlan.holder_id.in_(holders_seen)
    return false()


async def record_reads(
    session: AsyncSession, *, actor: Actor, plan_ids: Sequence[int], operation: str, now: datetime
) -> None:
    """One audit row per plan read; written in the reader's transaction."""
    session.add_all(
        PlanRead(plan_id=plan_id, user_id=actor.user_id, read_at=now, operation=operation)
        for plan_id in dict.fromkeys(plan_ids)
    )
    await session.flush()


async def read_support_plan(
    session: AsyncSession, *, actor: Actor | None, plan_id: int, operation: str, now: datetime
) -> SupportPlan | None:
    """The plan if `actor` may see it (None otherwise), with the read recorded."""
    if actor is None:
        return None
    query = select(SupportPlan).where(SupportPlan.id == plan_id, visible_clause(actor))
    plan = (await session.execute(query)).scalar_one_or_none()
    if plan is not None:
        await record_reads(session, actor=actor, plan_ids=[plan_id], operation=operation, now=now)
    return plan


async def require_plan(
    session: AsyncSession, *, actor: Actor, plan_id: int, field: str, operation: str, now: datetime
) -> SupportPlan:
    """Like `read_support_plan`, but an unknown or foreign plan is a NotFound on `field`."""
    plan = await read_support_plan(session, actor=actor, plan_id=plan_id, operation=operation, now=now)
    if plan is None:
        raise NotFound("No support plan with this ID.", field=field)
    return plan


async def read_support_plans(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int], operation: str, now: datetime
) -> dict[int, SupportPlan]:
    """The visible ones among `ids`, each read recorded."""
    if actor is None or not ids:
        return {}
    rows = await session.execute(select(SupportPlan).where(SupportPlan.id.in_(ids), visible_clause(actor)))  # type: ignore[union-attr]
    found = {p.id: p for p in rows.scalars() if p.id is not None}
    await record_reads(session, actor=actor, plan_ids=list(found), operation=operation, now=now)
    return found


@dataclass
class PlanFilter:
    status: PlanStatus | None = None
    holder_id: int | None = None


async def list_support_plans(
    session: AsyncSession,
    *,
    actor: Actor | None,
    filters: PlanFilter,
    limit: int,
    offset: int,
    operation: str,
    now: datetime,
) -> tuple[list[SupportPlan], int]:
    """One page of the plans the actor may see, newest first; every plan on the page is a read."""
    if actor is None:
        return [], 0
    query = select(SupportPlan).where(visible_clause(actor))
    if filters.status is not None:
        query = query.where(SupportPlan.status == filters.status)
    if filters.holder_id is not None:
        query = query.where(SupportPlan.holder_id == filters.holder_id)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.order_by(SupportPlan.created_at.desc(), SupportPlan.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr]
    )
    plans = list(rows.scalars())
    await record_reads(
        session, actor=actor, plan_ids=[p.id for p in plans if p.id], operation=operation, now=now
    )
    return plans, total


async def plan_reads(session: AsyncSession, *, plan_id: int, limit: int) -> list[PlanRead]:
    rows = await session.execute(
        select(PlanRead)
        .where(PlanRead.plan_id == plan_id)
        .order_by(PlanRead.read_at.desc(), PlanRead.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return list(rows.scalars())


# --- what a plan holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanDetails:
    """A plan with its needs (in order), each need's slots, and its preferences: what matching reads."""

    plan: SupportPlan
    holder: DPHolder
    needs: list[PlanNeed]
    slots: dict[int, list[NeedSlot]]
    preferences: list[PlanPreference]


async def plan_details(session: AsyncSession, plans: Sequence[SupportPlan]) -> dict[int, PlanDetails]:
    """Everything hanging off `plans` in four statements, whatever their number."""
    ids = [p.id for p in plans if p.id is not None]
    if not ids:
        return {}
    holder_rows = await session.execute(
        select(DPHolder).where(DPHolder.id.in_({p.holder_id for p in plans}))  # type: ignore[union-attr]
    )
    holders_by_id = {h.id: h for h in holder_rows.scalars()}
    needs: dict[int, list[PlanNeed]] = defaultdict(list)
    for need in (
        await session.execute(
            select(PlanNeed).where(PlanNeed.plan_id.in_(ids)).order_by(PlanNeed.position, PlanNeed.id)  # type: ignore[attr-defined]
        )
    ).scalars():
        needs[need.plan_id].append(need)
    need_ids = [n.id for group in needs.values() for n in group]
    slots: dict[int, list[NeedSlot]] = defaultdict(list)
    for chunk_start in range(0, len(need_ids), 5000):
        chunk = need_ids[chunk_start : chunk_start + 5000]
        for slot in (
            await session.execute(
                select(NeedSlot)
                .where(NeedSlot.need_id.in_(chunk))  # type: ignore[attr-defined]
                .order_by(NeedSlot.day, NeedSlot.start_minute)
            )
        ).scalars():
            slots[slot.need_id].append(slot)
    preferences: dict[int, list[PlanPreference]] = defaultdict(list)
    for preference in (
        await session.execute(
            select(PlanPreference)
            .where(PlanPreference.plan_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(PlanPreference.position, PlanPreference.id)
        )
    ).scalars():
        preferences[preference.plan_id].append(preference)
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


def weekly_cost_pence(needs: Sequence[PlanNeed] | Sequence[NeedFields]) -> int:
    return round(sum(n.hours_per_week * n.budgeted_rate_pence for n in needs))


async def budget_check(session: AsyncSession, plan: SupportPlan) -> BudgetCheck:
    holder = await session.get(DPHolder, plan.holder_id)
    assert holder is not None
    needs = (await session.execute(select(PlanNeed).where(PlanNeed.plan_id == plan.id))).scalars().all()
    return BudgetCheck(
        weekly_cost_pence=weekly_cost_pence(needs), weekly_budget_pence=holder.weekly_budget_pence
    )


# --- validation -------------------------------------------------------------------------------


def _validate_needs(
    needs: Sequence[NeedFields], problems: Problems, *, starts_on: date
) -> list[list[tuple[int, int, int]]]:
    """Each need's valid slots as (day, start, end); problems collected under `input.needs.N`.
    Budgeted rates are held to the National Living Wage in force when support starts."""
    floor = provider_rules.national_living_wage_pence(starts_on)
    if len(needs) > rules.MAX_NEEDS:
        problems.add("input.needs", f"At most {rules.MAX_NEEDS} needs.", ErrorCode.OUT_OF_RANGE)
    known = all_services()
    parsed: list[list[tuple[int, int, int]]] = []
    for index, need in enumerate(needs):
        path = f"input.needs.{index}"
        if need.service_code not in known:
            problems.add(
                f"{path}.serviceCode",
                f"Unknown service code '{need.service_code[:40]}'.",
                ErrorCode.UNKNOWN_CODE,
            )
        rate = need.budgeted_rate_pence
        if rate < floor:
            problems.add(
                f"{path}.budgetedRatePence",
                "A budgeted rate cannot be below the National Living Wage "
                f"(£{floor / 100:.2f}); no care can be bought for less.",
                ErrorCode.OUT_OF_RANGE,
            )
        elif rate > provider_rules.MAX_HOURLY_RATE_PENCE:
            problems.add(
                f"{path}.budgetedRatePence",
                f"A budgeted rate above £{provider_rules.MAX_HOURLY_RATE_PENCE / 100:.0f} is not accepted; "
                "rates are in pence.",
                ErrorCode.OUT_OF_RANGE,
            )
        slots: list[tuple[int, int, int]] = []
        if not need.slots:
            problems.add(f"{path}.slots", "Give the times of the week this need is met.", ErrorCode.REQUIRED)
        else:
            try:
                slots = [(int(d), s, e) for d, s, e in validate_slots(need.slots, field=f"{path}.slots")]
            except InvalidInput as error:
                problems.errors.extend(error.errors)
        hours = need.hours_per_week
        if not 0 < hours <= rules.HOURS_IN_A_WEEK:
            problems.add(
                f"{path}.hoursPerWeek",
                "Hours a week must be more than 0 and at most 168.",
                ErrorCode.OUT_OF_RANGE,
            )
        elif slots:
            slot_hours = sum(end - start for _, start, end in slots) / 60
            if hours > slot_hours + 1e-9:
                problems.add(
                    f"{path}.hoursPerWeek",
                    f"{hours:g} hours a week do not fit the {slot_hours:g} hours of its slots.",
                    ErrorCode.OUT_OF_RANGE,
                )
        parsed.append(slots)
    return parsed


def _validate_preferences(
    preferences: Sequence[PreferenceFields], problems: Problems
) -> list[PreferenceFields]:
    if len(preferences) > rules.MAX_PREFERENCES:
        problems.add(
            "input.preferences", f"At most {rules.MAX_PREFERENCES} preferences.", ErrorCode.OUT_OF_RANGE
        )
    cleaned: dict[tuple[PreferenceKind, str], PreferenceFields] = {}
    for index, preference in enumerate(preferences):
        path = f"input.preferences.{index}.value"
        value = " ".join(preference.value.split())
        if preference.kind is PreferenceKind.GENDER:
            value = value.upper()
            if value not in Gender.__members__:
                problems.add(path, "A gender is FEMALE, MALE or NON_BINARY.", ErrorCode.UNKNOWN_CODE)
        elif preference.kind is PreferenceKind.LANGUAGE:
            value = value.lower()
            if value not in LANGUAGES:
                problems.add(path, f"Unknown language code '{value[:12]}'.", ErrorCode.UNKNOWN_CODE)
        elif preference.kind is PreferenceKind.PROVIDER_KIND:
            value = value.upper()
            if value not in (ProviderKind.PA, ProviderKind.AGENCY):
                problems.add(
                    path,
                    "A provider kind is PA or AGENCY; leave it out when either will do.",
                    ErrorCode.UNKNOWN_CODE,
                )
        elif not value or len(value) > rules.PREFERENCE_VALUE_MAX:
            problems.add(
                path, f"A skill is 1 to {rules.PREFERENCE_VALUE_MAX} characters.", ErrorCode.OUT_OF_RANGE
            )
        key = (preference.kind, value.lower())
        if key not in cleaned:
            cleaned[key] = PreferenceFields(kind=preference.kind, value=value, strength=preference.strength)
    by_kind: dict[PreferenceKind, list[PreferenceFields]] = defaultdict(list)
    for preference in cleaned.values():
        by_kind[preference.kind].append(preference)
    for kind in (PreferenceKind.GENDER, PreferenceKind.PROVIDER_KIND):
        if len([p for p in by_kind[kind] if p.strength is Strength.REQUIRED]) > 1:
            problems.add(
                "input.preferences",
                f"Only one {kind.value.replace('_', ' ').lower()} can be required.",
                ErrorCode.INVALID,
            )
    return list(cleaned.values())


async def _apply_fields(
    session: AsyncSession, plan: SupportPlan, fields: PlanFields, problems: Problems
) -> tuple[list[list[tuple[int, int, int]]] | None, list[PreferenceFields] | None]:
    if fields.outcomes is not None:
        if len(fields.outcomes) > rules.OUTCOMES_MAX:
            problems.add(
                "input.outcomes", f"Outcomes are at most {rules.OUTCOMES_MAX} characters.", ErrorCode.TOO_LONG
            )
        plan.outcomes = fields.outcomes.strip()
    if fields.postcode is not None:
        try:
            postcode, district = await resolve_postcode(session, fields.postcode, field="input.postcode")
        except InvalidInput as error:
            problems.errors.extend(error.errors)
        else:
            plan.postcode = str(postcode)
            plan.postcode_district = district.code
            plan.latitude = district.latitude
            plan.longitude = district.longitude
    if fields.start_date is not None:
        plan.start_date = fields.start_date
    slots = (
        _validate_needs(fields.needs, problems, starts_on=plan.start_date)
        if fields.needs is not None
        else None
    )
    preferences = (
        _validate_preferences(fields.preferences, problems) if fields.preferences is not None else None
    )
    return slots, preferences


async def _save_needs(
    session: AsyncSession,
    plan_id: int,
    needs: Sequence[NeedFields],
    slots: list[list[tuple[int, int, int]]],
) -> None:
    """Replaces the plan's needs: those sent with an `id` keep it, the others are new, the rest go."""
    existing = {
        n.id: n
        for n in (await session.execute(select(PlanNeed).where(PlanNeed.plan_id == plan_id))).scalars()
    }
    kept = {n.id for n in needs if n.id is not None}
    for need_id, need in existing.items():
        if need_id not in kept:
            await session.delete(need)
    await session.flush()
    for position, (fields, need_slots) in enumerate(zip(needs, slots, strict=True)):
        need = existing[fields.id] if fields.id is not None else PlanNeed(plan_id=plan_id)
        need.position = position
        need.service_code = fields.service_code
        need.hours_per_week = fields.hours_per_week
        need.budgeted_rate_pence = fields.budgeted_rate_pence
        session.add(need)
        await session.flush()
        await session.execute(delete(NeedSlot).where(NeedSlot.need_id == need.id))
        session.add_all(
            NeedSlot(need_id=need.id, day=day, start_minute=start, end_minute=end)
            for day, start, end in need_slots
        )
    await session.flush()


async def _save_preferences(
    session: AsyncSession, plan_id: int, preferences: Sequence[PreferenceFields]
) -> None:
    await session.execute(delete(PlanPreference).where(PlanPreference.plan_id == plan_id))
    session.add_all(
        PlanPreference(plan_id=plan_id, position=i, kind=p.kind, value=p.value, strength=p.strength)
        for i, p in enumerate(preferences)
    )
    await session.flush()


def _check_need_ids(needs: Sequence[NeedFields], existing: set[int], problems: Problems) -> None:
    seen: set[int] = set()
    for index, need in enumerate(needs):
        if need.id is None:
            continue
        if need.id not in existing or need.id in seen:
            problems.add(f"input.needs.{index}.id", "No need with this ID in this plan.", ErrorCode.NOT_FOUND)
        seen.add(need.id)


# --- use cases --------------------------------------------------------------------------------


async def create_support_plan(
    session: AsyncSession, *, actor: Actor, holder_id: int, fields: PlanFields, now: datetime
) -> SavedPlan:
    """A broker of the person's council writes a plan with them; it starts as a DRAFT.

    The location defaults to the holder's home. A plan that costs more than the personal budget is
    saved, and flagged in its `budget`, so the budget is reviewed rather than the need cut silently.
    """
    holder = await holders.get_dp_holder(session, actor=actor, holder_id=holder_id)
    if holder is None:
        raise NotFound("No DP holder with this ID.", field="input.holderId")
    if not actor.is_staff_of(holder.council_id):
        raise PermissionDenied("Only the council's brokers write support plans.", field="input.holderId")
    problems = Problems()
    if fields.start_date is None:
        problems.add("input.startDate", "Give the date support should start.", ErrorCode.REQUIRED)
    if fields.status is not None and fields.status is not PlanStatus.DRAFT:
        problems.add("input.status", "A new plan starts as a DRAFT.", ErrorCode.INVALID_STATE)
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
    await record_reads(session, actor=actor, plan_ids=[plan.id], operation="createSupportPlan", now=now)
    return SavedPlan(plan=plan, budget=await budget_check(session, plan))


async def update_support_plan(
    session: AsyncSession, *, actor: Actor, plan_id: int, fields: PlanFields, now: datetime
) -> SavedPlan:
    """Changes a plan; needs and preferences sent replace the old ones whole, in one transaction.

    Status moves follow `rules.NEXT_STATUSES`. A plan becomes ACTIVE only with at least one need and
    within the personal budget: the council reviews the budget first (Care Act 2014 s.31).
    """
    plan = await require_plan(
        session, actor=actor, plan_id=plan_id, field="input.id", operation="updateSupportPlan", now=now
    )
    if not actor.is_staff_of(plan.council_id):
        raise PermissionDenied("Only the council's brokers change support plans.", field="input.id")
    if plan.status is PlanStatus.CLOSED:
        raise Conflict("This plan is closed; write a new plan instead.", field="input.id")
    problems = Problems()
    existing_needs = {
        n.id: n
        for n in (await session.execute(select(PlanNeed).where(PlanNeed.plan_id == plan_id))).scalars()
    }
    if fields.needs is not None:
        _check_need_ids(fields.needs, {i for i in existing_needs if i is not None}, problems)
    slots, preferences = await _apply_fields(session, plan, fields, problems)
    if fields.status is not None and fields.status is not plan.status:
        if fields.status not in rules.NEXT_STATUSES[plan.status]:
            problems.add(
                "input.status",
                f"A {plan.status.value} plan cannot become {fields.status.value}.",
                ErrorCode.INVALID_STATE,
            )
        elif fields.status is PlanStatus.ACTIVE:
            needs_after = fields.needs if fields.needs is not None else list(existing_needs.values())
            holder = await session.get(DPHolder, plan.holder_id)
            assert holder is not None
            if not needs_after:
                problems.add(
                    "input.status", "Add the person's needs before activating.", ErrorCode.INCOMPLETE
                )
            elif weekly_cost_pence(needs_after) > holder.weekly_budget_pence:
                problems.add(
                    "input.status",
                    "The needs cost more than the personal budget; review the budget before activating.",
                    ErrorCode.INVALID_STATE,
                )
    problems.raise_if_any()
    if fields.status is not None:
        plan.status = fields.status
        await market_activations.record_plan_status(session, plan, now)
    if fields.needs is not None and slots is not None:
        await _save_needs(session, plan_id, fields.needs, slots)
    if preferences is not None:
        await _save_preferences(session, plan_id, preferences)
    plan.updated_at = now
    session.add(plan)
    await session.flush()
    return SavedPlan(plan=plan, budget=await budget_check(session, plan))
