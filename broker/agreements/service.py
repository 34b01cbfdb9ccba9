"""Use cases for requests and agreements: send, answer, agree, activate (reserving capacity), end.

Who may do what: the holder, their representatives and the council's brokers send requests for the
holder's plan; a provider with its own sign-in answers them itself, and for a listing without one its
council's staff answer on the provider's behalf (`answers_on_behalf`). An agreement is made from an
accepted request by those who sent it, or directly by a broker. Activating reserves the provider's
hours (and a PA's slots) under a lock on the provider's row, so two brokers racing for the last hours
cannot both win. Any party may end an ACTIVE agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import events, queries, schedule
from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF
from broker.agreements import rules
from broker.agreements.access import acts_for_holder, visible_clause
from broker.agreements.cards import card_check
from broker.agreements.lifecycle import SavedAgreement, record_transition
from broker.agreements.models import (
    Agreement,
    AgreementBand,
    AgreementNeed,
    AgreementSlot,
    AgreementStatus,
    CareRequest,
    RequestStatus,
)
from broker.agreements.validation import (
    OPEN_PLAN,
    chosen_needs,
    is_dp_support,
    offered_services,
    plan_needs,
)
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.holders.models import DPHolder
from broker.plans import service as plans
from broker.plans.models import PlanReadPurpose
from broker.providers import rules as provider_rules
from broker.providers.models import (
    AvailabilitySlot,
    Provider,
    ProviderStatus,
)
from broker.schedule import SlotFields, validate_slots
from broker.support.service import covering_contract
from broker.timebands import need_band_rows


@dataclass
class AgreementFields:
    """What an agreement says. From a request, plan, provider and needs come from the request."""

    request_id: int | None = None
    plan_id: int | None = None
    provider_id: int | None = None
    need_ids: list[int] | None = None
    hours_per_week: float | None = None
    hourly_rate_pence: int | None = None
    slots: Sequence[SlotFields] = ()
    start_date: date | None = None
    end_date: date | None = None


@dataclass
class AgreementFilter:
    status: AgreementStatus | None = None
    holder_id: int | None = None
    provider_id: int | None = None


async def _availability(session: AsyncSession, provider_id: int) -> list[schedule.Window]:
    rows = await session.execute(
        select(
            col(AvailabilitySlot.day), col(AvailabilitySlot.start_minute), col(AvailabilitySlot.end_minute)
        ).where(col(AvailabilitySlot.provider_id) == provider_id)
    )
    return [(int(d), s, e) for d, s, e in rows]


async def create_agreement(
    session: AsyncSession, *, actor: Actor, fields: AgreementFields, now: datetime, today: date
) -> SavedAgreement:
    """A PROPOSED agreement: from an ACCEPTED request (by those who sent it), or directly by a broker.

    Hours a week cannot exceed the chosen needs' hours, the rate must be within the National Living
    Wage and the highest budgeted rate of those needs, and the slots must lie inside the provider's
    availability and hold the hours. Nothing is reserved until it is activated.
    """
    problems = Problems()
    request: CareRequest | None = None
    if fields.request_id is not None:
        request = (
            await session.execute(
                select(CareRequest)
                .where(col(CareRequest.id) == fields.request_id, request_visible_clause(actor))
                .with_for_update()
            )
        ).scalar_one_or_none()
        if request is None:
            raise NotFound("No request with this ID.", field="request_id")
        if effective_status(request, now) is not RequestStatus.ACCEPTED:
            raise Conflict("Only an accepted request becomes an agreement.", field="request_id")
        used = await session.execute(select(col(Agreement.id)).where(col(Agreement.request_id) == request.id))
        if used.first() is not None:
            raise Conflict(
                "An agreement was already made from this request.",
                field="request_id",
                code=ErrorCode.DUPLICATE,
            )
        plan_id, provider_id = request.plan_id, request.provider_id
        need_ids = fields.need_ids if fields.need_ids is not None else list(request.need_ids)
    else:
        if actor.role not in COUNCIL_STAFF:
            raise PermissionDenied(
                "Without an accepted request, only a broker makes an agreement.", field="request_id"
            )
        if fields.plan_id is None:
            problems.add("plan_id", "Choose the plan, or the accepted request.", ErrorCode.REQUIRED)
        if fields.provider_id is None:
            problems.add("provider_id", "Choose the provider, or the accepted request.", ErrorCode.REQUIRED)
        problems.raise_if_any()
        assert fields.plan_id is not None and fields.provider_id is not None
        plan_id, provider_id = fields.plan_id, fields.provider_id
        need_ids = fields.need_ids or []
    plan = await plans.require_plan(
        session, actor=actor, plan_id=plan_id, field="plan_id", operation=PlanReadPurpose.AGREEMENT, now=now
    )
    holder = await session.get(DPHolder, plan.holder_id)
    assert holder is not None
    if not await acts_for_holder(session, actor, holder):
        raise PermissionDenied("Only the person, their representatives or their broker agree.", field="input")
    if plan.status not in OPEN_PLAN:
        raise Conflict(f"The plan is {plan.status.value}.", field="plan_id")
    provider = await session.get(Provider, provider_id)
    if provider is None or (request is None and provider.status is not ProviderStatus.PUBLISHED):
        raise NotFound("No published listing with this ID.", field="provider_id")
    needs = await plan_needs(session, plan_id)
    chosen = chosen_needs(
        need_ids or list(needs),
        needs,
        await offered_services(session, provider_id),
        "need_ids",
        problems,
    )

    hours = fields.hours_per_week
    needed = sum(n.hours_per_week for n in chosen)
    if hours is None:
        hours = needed
    if not hours > 0:
        problems.add("hours_per_week", "Hours a week must be more than 0.", ErrorCode.OUT_OF_RANGE)
    elif chosen and hours > needed + rules.HOURS_EPSILON:
        problems.add(
            "hours_per_week",
            f"{hours:g} hours a week is more than the {needed:g} the chosen needs call for.",
            ErrorCode.OUT_OF_RANGE,
        )
    rate = fields.hourly_rate_pence if fields.hourly_rate_pence is not None else provider.hourly_rate_pence
    budgeted = max((n.budgeted_rate_pence for n in chosen), default=None)
    if rate is None:
        problems.add("hourly_rate_pence", "Give the hourly rate agreed.", ErrorCode.REQUIRED)
    elif rate < (floor := provider_rules.national_living_wage_pence(fields.start_date or today)):
        # Judged on the date the work starts: the wage in force then, whenever the agreement is made.
        problems.add(
            "hourly_rate_pence",
            f"An hourly rate cannot be below the National Living Wage (£{floor / 100:.2f}).",
            ErrorCode.OUT_OF_RANGE,
        )
    elif budgeted is not None and rate > budgeted:
        problems.add(
            "hourly_rate_pence",
            f"£{rate / 100:.2f} an hour is above the £{budgeted / 100:.2f} the plan budgets for these needs.",
            ErrorCode.OUT_OF_RANGE,
        )
    slots: list[schedule.Window] = []
    if not fields.slots:
        problems.add("slots", "Give the times of the week the provider works.", ErrorCode.REQUIRED)
    else:
        try:
            slots = [(int(d), s, e) for d, s, e in validate_slots(fields.slots, field="slots")]
        except InvalidInput as error:
            problems.errors.extend(error.errors)
        available = await _availability(session, provider_id)
        for index, window in enumerate(slots):
            if schedule.subtract([window], available):
                problems.add(
                    f"slots.{index}",
                    "This is outside the provider's availability.",
                    ErrorCode.OUT_OF_RANGE,
                )
        slot_hours = sum(e - s for _, s, e in slots) / 60
        if slots and hours and hours > slot_hours + rules.HOURS_EPSILON:
            problems.add(
                "hours_per_week",
                f"{hours:g} hours a week do not fit the {slot_hours:g} hours of the slots.",
                ErrorCode.OUT_OF_RANGE,
            )
    if fields.start_date is None:
        problems.add("start_date", "Give the date the agreement starts.", ErrorCode.REQUIRED)
    elif fields.end_date is not None and fields.end_date < fields.start_date:
        problems.add("end_date", "An agreement cannot end before it starts.", ErrorCode.OUT_OF_RANGE)
    coverage = None
    support = [n.service_code for n in chosen if is_dp_support(n.service_code)]
    if support and fields.start_date is not None:
        coverage = await covering_contract(
            session, holder_id=plan.holder_id, provider_id=provider_id, services=support, on=fields.start_date
        )
        if coverage is None:
            problems.add(
                "need_ids",
                "No DP support contract of the council covers these services from this provider on the start "
                "date; the lead provider must subcontract to them first.",
                ErrorCode.INVALID_STATE,
            )
    problems.raise_if_any()
    assert rate is not None and fields.start_date is not None
    agreement = Agreement(
        lead_contract_id=coverage.lead_contract.id if coverage else None,
        subcontract_id=coverage.subcontract.id if coverage and coverage.subcontract else None,
        council_id=plan.council_id,
        holder_id=plan.holder_id,
        plan_id=plan_id,
        provider_id=provider_id,
        request_id=request.id if request else None,
        hours_per_week=hours,
        hourly_rate_pence=rate,
        start_date=fields.start_date,
        end_date=fields.end_date,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(agreement)
    await session.flush()
    assert agreement.id is not None
    session.add_all(
        AgreementNeed(
            agreement_id=agreement.id,
            need_id=n.id,
            service_code=n.service_code,
            hours_per_week=n.hours_per_week,
            budgeted_rate_pence=n.budgeted_rate_pence,
        )
        for n in chosen
    )
    session.add_all(
        AgreementSlot(agreement_id=agreement.id, day=d, start_minute=s, end_minute=e) for d, s, e in slots
    )
    session.add_all(
        AgreementBand(agreement_id=agreement.id, band=band, minutes=minutes, total_minutes=total)
        for band, minutes, total in need_band_rows(list(slots))
    )
    record_transition(session, agreement, AgreementStatus.PROPOSED, actor, now)
    await session.flush()
    await events.publish(events.Event.AGREEMENT_PROPOSED, session, agreement, now)
    warning = await card_check(session, holder, provider)
    return SavedAgreement(agreement, [warning] if warning else [])


async def get_agreement(session: AsyncSession, *, actor: Actor | None, agreement_id: int) -> Agreement | None:
    query = select(Agreement).where(col(Agreement.id) == agreement_id, visible_clause(actor))
    return (await session.execute(query)).scalar_one_or_none()


async def visible_agreements(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, Agreement]:
    return await queries.by_id(session, Agreement, visible_clause(actor), ids)


async def list_agreements(
    session: AsyncSession, *, actor: Actor, filters: AgreementFilter, limit: int, offset: int
) -> tuple[list[Agreement], int]:
    """One page of the agreements the actor may see, newest first, and how many there are."""
    query = queries.where_given(
        select(Agreement).where(visible_clause(actor)),
        (Agreement.status, filters.status),
        (Agreement.holder_id, filters.holder_id),
        (Agreement.provider_id, filters.provider_id),
    )
    order = [col(Agreement.created_at).desc(), col(Agreement.id).desc()]
    return await queries.page(session, query, order, limit, offset)


# What callers of this module used before it was split by entity (issue 10).
from broker.agreements.access import (  # noqa: E402
    answers_on_behalf,
    request_visible_clause,
)
from broker.agreements.lifecycle import (  # noqa: E402
    activate_agreement,
    cancel_agreement,
    end_agreement,
)
from broker.agreements.requests import (  # noqa: E402
    effective_status,
    list_requests,
    respond_to_request,
    send_request,
)

__all__ = [
    "AgreementFields",
    "AgreementFilter",
    "SavedAgreement",
    "activate_agreement",
    "answers_on_behalf",
    "cancel_agreement",
    "create_agreement",
    "effective_status",
    "end_agreement",
    "get_agreement",
    "list_agreements",
    "list_requests",
    "request_visible_clause",
    "respond_to_request",
    "send_request",
    "visible_agreements",
    "visible_clause",
]
