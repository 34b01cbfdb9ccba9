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
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF, Role
from broker.agreements import rules
from broker.agreements.cards import CardWarning, card_check
from broker.agreements.models import (
    Agreement,
    AgreementNeed,
    AgreementSlot,
    AgreementStatus,
    AgreementTransition,
    CareRequest,
    RequestStatus,
)
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.holders import service as holders
from broker.holders.models import DPHolder
from broker.market import ledger as market_ledger
from broker.matching import capacity
from broker.plans import service as plans
from broker.plans.models import PlanNeed, PlanStatus
from broker.providers import rules as provider_rules
from broker.providers.accreditation import is_accredited
from broker.providers.models import (
    Accreditation,
    AvailabilitySlot,
    Provider,
    ProviderKind,
    ProviderService,
    ProviderStatus,
)
from broker.providers.service import SlotFields, validate_slots
from broker.support.rules import DP_SUPPORT_GROUP
from broker.support.service import covering_contract
from broker.taxonomy.services import all_services
from search import outbox

OPEN_PLAN = (PlanStatus.ACTIVE, PlanStatus.MATCHED)


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


@dataclass(frozen=True)
class SavedAgreement:
    agreement: Agreement
    warnings: list[CardWarning] = field(default_factory=list)


def _is_dp_support(code: str) -> bool:
    entry = all_services().get(code)
    return entry is not None and entry.group == DP_SUPPORT_GROUP


# --- who sees ---------------------------------------------------------------------------------


def _own_provider_ids(actor: Actor):
    return select(Provider.id).where(Provider.owner_id == actor.user_id)


def _holder_ids(actor: Actor):
    return select(DPHolder.id).where(holders.visible_clause(actor))


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """Agreements `actor` may read: their council's (staff), their own (holder, representative,
    provider). Commissioners see aggregates elsewhere, never agreements."""
    if actor is None:
        return false()
    if actor.is_platform_admin:
        return true()
    if actor.role in COUNCIL_STAFF:
        return Agreement.council_id == actor.council_id
    if actor.role in (Role.DP_HOLDER, Role.REPRESENTATIVE):
        return Agreement.holder_id.in_(_holder_ids(actor))
    if actor.role is Role.PROVIDER:
        return Agreement.provider_id.in_(_own_provider_ids(actor))
    return false()


def request_visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    if actor is None:
        return false()
    if actor.is_platform_admin:
        return true()
    if actor.role in COUNCIL_STAFF:
        return CareRequest.council_id == actor.council_id
    if actor.role in (Role.DP_HOLDER, Role.REPRESENTATIVE):
        return CareRequest.holder_id.in_(_holder_ids(actor))
    if actor.role is Role.PROVIDER:
        return CareRequest.provider_id.in_(_own_provider_ids(actor))
    return false()


def effective_status(request: CareRequest, now: datetime) -> RequestStatus:
    """A PENDING request past its expiry is EXPIRED, whether or not anyone has written that down."""
    if request.status is RequestStatus.PENDING and request.expires_at <= now:
        return RequestStatus.EXPIRED
    return request.status


def _acts_for_provider(actor: Actor, provider: Provider) -> bool:
    if actor.role is Role.PROVIDER:
        return provider.owner_id == actor.user_id
    return actor.is_staff_of(provider.council_id)


def answers_on_behalf(actor: Actor, provider: Provider) -> bool:
    """Who answers a request to `provider`, and whether that answer is on the provider's behalf.

    A provider with its own sign-in (a PROVIDER user owns the listing) answers for itself: saying yes
    commits that person's time, so nobody else may say it for them, not even their council. A
    listing without a sign-in (staff keep it for a PA who does not use the service) is answered by
    its council's brokers and admins after speaking to the provider, and the answer is recorded as
    on the provider's behalf. Returns True for such an answer, False for the provider's own; raises
    PermissionDenied for anyone else.
    """
    if provider.owner_id is not None:
        if actor.user_id == provider.owner_id:
            return False
        if actor.is_staff_of(provider.council_id):
            raise PermissionDenied(
                f"{provider.name} has their own sign-in and answers their own requests; council staff "
                "answer only for listings without one.",
                field="input.requestId",
            )
    elif actor.is_staff_of(provider.council_id):
        return True
    raise PermissionDenied("Only the provider answers a request.", field="input.requestId")


async def _acts_for_holder(session: AsyncSession, actor: Actor, holder: DPHolder) -> bool:
    return actor.is_staff_of(holder.council_id) or await holders.acts_for(session, actor, holder)


async def _visible_provider(session: AsyncSession, provider_id: int, field: str) -> Provider:
    provider = await session.get(Provider, provider_id)
    if provider is None or provider.status is not ProviderStatus.PUBLISHED:
        raise NotFound("No published listing with this ID.", field=field)
    return provider


async def _accredited(session: AsyncSession, provider: Provider, today: date) -> bool:
    checks = await session.execute(select(Accreditation).where(Accreditation.provider_id == provider.id))
    return is_accredited(provider.kind, checks.scalars().all(), today)


async def _plan_needs(session: AsyncSession, plan_id: int) -> dict[int, PlanNeed]:
    rows = await session.execute(
        select(PlanNeed).where(PlanNeed.plan_id == plan_id).order_by(PlanNeed.position)
    )
    return {n.id: n for n in rows.scalars() if n.id is not None}


async def _offered(session: AsyncSession, provider_id: int) -> set[str]:
    rows = await session.execute(
        select(ProviderService.service_code).where(ProviderService.provider_id == provider_id)
    )
    return set(rows.scalars())


def _check_needs(
    wanted: Sequence[int], needs: dict[int, PlanNeed], offered: set[str], field: str, problems: Problems
) -> list[PlanNeed]:
    chosen: list[PlanNeed] = []
    for index, need_id in enumerate(dict.fromkeys(wanted)):
        need = needs.get(need_id)
        if need is None:
            problems.add(f"{field}.{index}", "No need with this ID in this plan.", ErrorCode.NOT_FOUND)
        elif need.service_code not in offered:
            problems.add(
                f"{field}.{index}", "The provider does not offer this need's service.", ErrorCode.INVALID
            )
        else:
            chosen.append(need)
    if not wanted:
        problems.add(field, "Choose at least one of the plan's needs.", ErrorCode.REQUIRED)
    return chosen


# --- requests ---------------------------------------------------------------------------------


async def send_request(
    session: AsyncSession,
    *,
    actor: Actor,
    plan_id: int,
    provider_id: int,
    need_ids: Sequence[int],
    message: str,
    now: datetime,
    today: date,
    expires_after: timedelta,
) -> CareRequest:
    """Asks a provider to take on needs of a plan (all of them when none are named). The request
    expires unanswered after `expires_after` (BROKER_REQUEST_EXPIRY_HOURS)."""
    plan = await plans.require_plan(
        session, actor=actor, plan_id=plan_id, field="input.planId", operation="sendRequest", now=now
    )
    holder = await session.get(DPHolder, plan.holder_id)
    assert holder is not None
    if not await _acts_for_holder(session, actor, holder):
        raise PermissionDenied("Only the person, their representatives or their broker send requests.")
    if plan.status not in OPEN_PLAN:
        raise Conflict(
            f"The plan is {plan.status.value}; activate it before sending requests.", field="input.planId"
        )
    provider = await _visible_provider(session, provider_id, "input.providerId")
    if not await _accredited(session, provider, today):
        raise Conflict("This provider is not accredited today.", field="input.providerId")
    problems = Problems()
    needs = await _plan_needs(session, plan_id)
    chosen = _check_needs(
        list(need_ids) or list(needs), needs, await _offered(session, provider_id), "input.needIds", problems
    )
    text = message.strip()
    if len(text) > rules.MESSAGE_MAX:
        problems.add("input.message", f"At most {rules.MESSAGE_MAX} characters.", ErrorCode.TOO_LONG)
    problems.raise_if_any()
    pending = await session.execute(
        select(CareRequest).where(
            CareRequest.plan_id == plan_id,
            CareRequest.provider_id == provider_id,
            CareRequest.status == RequestStatus.PENDING,
            CareRequest.expires_at > now,
        )
    )
    if pending.first() is not None:
        raise Conflict(
            "A request to this provider for this plan is waiting for an answer.",
            field="input.providerId",
            code=ErrorCode.DUPLICATE,
        )
    request = CareRequest(
        council_id=plan.council_id,
        holder_id=plan.holder_id,
        plan_id=plan_id,
        provider_id=provider_id,
        need_ids=[n.id for n in chosen],  # type: ignore[misc]
        message=text,
        sent_by_id=actor.user_id,
        sent_at=now,
        expires_at=now + expires_after,
    )
    session.add(request)
    await session.flush()
    return request


async def respond_to_request(
    session: AsyncSession, *, actor: Actor, request_id: int, accept: bool, reason: str, now: datetime
) -> CareRequest:
    """The provider accepts or declines (`answers_on_behalf` says who may, and records whether it was
    council staff on the provider's behalf). Accepting books nothing: the agreement, once active, does."""
    request = (
        await session.execute(
            select(CareRequest)
            .where(CareRequest.id == request_id, request_visible_clause(actor))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if request is None:
        raise NotFound("No request with this ID.", field="input.requestId")
    provider = await session.get(Provider, request.provider_id)
    assert provider is not None
    on_behalf = answers_on_behalf(actor, provider)
    status = effective_status(request, now)
    if status is not RequestStatus.PENDING:
        raise Conflict(f"This request is already {status.value}.", field="input.requestId")
    text = reason.strip()
    if len(text) > rules.REASON_MAX:
        raise Conflict(
            f"At most {rules.REASON_MAX} characters.", field="input.reason", code=ErrorCode.TOO_LONG
        )
    request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    request.reason = text
    request.responded_by_id = actor.user_id
    request.responded_on_behalf = on_behalf
    request.responded_at = now
    await session.flush()
    await market_ledger.record_request_answered(session, request, now)
    return request


async def list_requests(
    session: AsyncSession,
    *,
    actor: Actor,
    status: RequestStatus | None,
    now: datetime,
    limit: int,
    offset: int,
) -> tuple[list[CareRequest], int]:
    """Requests the actor may see (to their listing, for their plans, in their council), newest first."""
    query = select(CareRequest).where(request_visible_clause(actor))
    if status is RequestStatus.PENDING:
        query = query.where(CareRequest.status == RequestStatus.PENDING, CareRequest.expires_at > now)
    elif status is RequestStatus.EXPIRED:
        query = query.where(
            or_(
                CareRequest.status == RequestStatus.EXPIRED,
                (CareRequest.status == RequestStatus.PENDING) & (CareRequest.expires_at <= now),
            )
        )
    elif status is not None:
        query = query.where(CareRequest.status == status)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.order_by(CareRequest.sent_at.desc(), CareRequest.id.desc()).limit(limit).offset(offset)  # type: ignore[attr-defined]
    )
    return list(rows.scalars()), total


# --- agreements -------------------------------------------------------------------------------


def _record(
    session: AsyncSession,
    agreement: Agreement,
    to: AgreementStatus,
    actor: Actor,
    now: datetime,
    reason: str = "",
    previous: AgreementStatus | None = None,
) -> None:
    session.add(
        AgreementTransition(
            agreement_id=agreement.id,  # type: ignore[arg-type]
            from_status=previous,
            to_status=to,
            by_id=actor.user_id,
            at=now,
            reason=reason,
        )
    )


async def _availability(session: AsyncSession, provider_id: int) -> list[capacity.Window]:
    rows = await session.execute(
        select(AvailabilitySlot.day, AvailabilitySlot.start_minute, AvailabilitySlot.end_minute).where(
            AvailabilitySlot.provider_id == provider_id
        )
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
                .where(CareRequest.id == fields.request_id, request_visible_clause(actor))
                .with_for_update()
            )
        ).scalar_one_or_none()
        if request is None:
            raise NotFound("No request with this ID.", field="input.requestId")
        if effective_status(request, now) is not RequestStatus.ACCEPTED:
            raise Conflict("Only an accepted request becomes an agreement.", field="input.requestId")
        used = await session.execute(select(Agreement.id).where(Agreement.request_id == request.id))
        if used.first() is not None:
            raise Conflict(
                "An agreement was already made from this request.",
                field="input.requestId",
                code=ErrorCode.DUPLICATE,
            )
        plan_id, provider_id = request.plan_id, request.provider_id
        need_ids = fields.need_ids if fields.need_ids is not None else list(request.need_ids)
    else:
        if actor.role not in COUNCIL_STAFF:
            raise PermissionDenied(
                "Without an accepted request, only a broker makes an agreement.", field="input.requestId"
            )
        if fields.plan_id is None:
            problems.add("input.planId", "Choose the plan, or the accepted request.", ErrorCode.REQUIRED)
        if fields.provider_id is None:
            problems.add(
                "input.providerId", "Choose the provider, or the accepted request.", ErrorCode.REQUIRED
            )
        problems.raise_if_any()
        plan_id, provider_id = fields.plan_id, fields.provider_id  # type: ignore[assignment]
        need_ids = fields.need_ids or []
    plan = await plans.require_plan(
        session, actor=actor, plan_id=plan_id, field="input.planId", operation="createAgreement", now=now
    )
    holder = await session.get(DPHolder, plan.holder_id)
    assert holder is not None
    if not await _acts_for_holder(session, actor, holder):
        raise PermissionDenied("Only the person, their representatives or their broker agree.", field="input")
    if plan.status not in OPEN_PLAN:
        raise Conflict(f"The plan is {plan.status.value}.", field="input.planId")
    provider = await session.get(Provider, provider_id)
    if provider is None or (request is None and provider.status is not ProviderStatus.PUBLISHED):
        raise NotFound("No published listing with this ID.", field="input.providerId")
    needs = await _plan_needs(session, plan_id)
    chosen = _check_needs(
        need_ids or list(needs), needs, await _offered(session, provider_id), "input.needIds", problems
    )

    hours = fields.hours_per_week
    needed = sum(n.hours_per_week for n in chosen)
    if hours is None:
        hours = needed
    if not hours > 0:
        problems.add("input.hoursPerWeek", "Hours a week must be more than 0.", ErrorCode.OUT_OF_RANGE)
    elif chosen and hours > needed + rules.HOURS_EPSILON:
        problems.add(
            "input.hoursPerWeek",
            f"{hours:g} hours a week is more than the {needed:g} the chosen needs call for.",
            ErrorCode.OUT_OF_RANGE,
        )
    rate = fields.hourly_rate_pence if fields.hourly_rate_pence is not None else provider.hourly_rate_pence
    budgeted = max((n.budgeted_rate_pence for n in chosen), default=None)
    if rate is None:
        problems.add("input.hourlyRatePence", "Give the hourly rate agreed.", ErrorCode.REQUIRED)
    elif rate < (floor := provider_rules.national_living_wage_pence(fields.start_date or today)):
        # Judged on the date the work starts: the wage in force then, whenever the agreement is made.
        problems.add(
            "input.hourlyRatePence",
            f"An hourly rate cannot be below the National Living Wage (£{floor / 100:.2f}).",
            ErrorCode.OUT_OF_RANGE,
        )
    elif budgeted is not None and rate > budgeted:
        problems.add(
            "input.hourlyRatePence",
            f"£{rate / 100:.2f} an hour is above the £{budgeted / 100:.2f} the plan budgets for these needs.",
            ErrorCode.OUT_OF_RANGE,
        )
    slots: list[capacity.Window] = []
    if not fields.slots:
        problems.add("input.slots", "Give the times of the week the provider works.", ErrorCode.REQUIRED)
    else:
        try:
            slots = [(int(d), s, e) for d, s, e in validate_slots(fields.slots, field="input.slots")]
        except InvalidInput as error:
            problems.errors.extend(error.errors)
        available = await _availability(session, provider_id)
        for index, window in enumerate(slots):
            if capacity.subtract_windows([window], available):
                problems.add(
                    f"input.slots.{index}",
                    "This is outside the provider's availability.",
                    ErrorCode.OUT_OF_RANGE,
                )
        slot_hours = sum(e - s for _, s, e in slots) / 60
        if slots and hours and hours > slot_hours + rules.HOURS_EPSILON:
            problems.add(
                "input.hoursPerWeek",
                f"{hours:g} hours a week do not fit the {slot_hours:g} hours of the slots.",
                ErrorCode.OUT_OF_RANGE,
            )
    if fields.start_date is None:
        problems.add("input.startDate", "Give the date the agreement starts.", ErrorCode.REQUIRED)
    elif fields.end_date is not None and fields.end_date < fields.start_date:
        problems.add("input.endDate", "An agreement cannot end before it starts.", ErrorCode.OUT_OF_RANGE)
    coverage = None
    support = [n.service_code for n in chosen if _is_dp_support(n.service_code)]
    if support and fields.start_date is not None:
        coverage = await covering_contract(
            session, holder_id=plan.holder_id, provider_id=provider_id, services=support, on=fields.start_date
        )
        if coverage is None:
            problems.add(
                "input.needIds",
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
    session.add_all(
        AgreementNeed(
            agreement_id=agreement.id,  # type: ignore[arg-type]
            need_id=n.id,
            service_code=n.service_code,
            hours_per_week=n.hours_per_week,
            budgeted_rate_pence=n.budgeted_rate_pence,
        )
        for n in chosen
    )
    session.add_all(
        AgreementSlot(agreement_id=agreement.id, day=d, start_minute=s, end_minute=e)  # type: ignore[arg-type]
        for d, s, e in slots
    )
    _record(session, agreement, AgreementStatus.PROPOSED, actor, now)
    await session.flush()
    warning = await card_check(session, holder, provider)
    return SavedAgreement(agreement, [warning] if warning else [])


async def _agreement(
    session: AsyncSession, actor: Actor, agreement_id: int, *, lock: bool = False
) -> Agreement:
    query = select(Agreement).where(Agreement.id == agreement_id, visible_clause(actor))
    if lock:
        query = query.with_for_update()
    agreement = (await session.execute(query)).scalar_one_or_none()
    if agreement is None:
        raise NotFound("No agreement with this ID.", field="input.agreementId")
    return agreement


async def _slots_of(session: AsyncSession, agreement_id: int) -> list[capacity.Window]:
    rows = await session.execute(
        select(AgreementSlot.day, AgreementSlot.start_minute, AgreementSlot.end_minute).where(
            AgreementSlot.agreement_id == agreement_id
        )
    )
    return [(int(d), s, e) for d, s, e in rows]


async def activate_agreement(
    session: AsyncSession, *, actor: Actor, agreement_id: int, now: datetime, today: date
) -> SavedAgreement:
    """PROPOSED → ACTIVE, reserving the provider's hours (and a PA's slots).

    The provider's row is locked (`SELECT ... FOR UPDATE`) before capacity is read, so concurrent
    activations for one provider run one after another and each sees the hours the others took.
    """
    agreement = await _agreement(session, actor, agreement_id, lock=True)
    holder = await session.get(DPHolder, agreement.holder_id)
    assert holder is not None
    if not await _acts_for_holder(session, actor, holder):
        raise PermissionDenied(
            "Only the person, their representatives or their broker activate.", field="input.agreementId"
        )
    if agreement.request_id is None and not actor.is_staff_of(agreement.council_id):
        raise PermissionDenied(
            "A broker activates an agreement they made directly.", field="input.agreementId"
        )
    provider = (
        await session.execute(
            select(Provider)
            .where(Provider.id == agreement.provider_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if agreement.status is not AgreementStatus.PROPOSED:
        raise Conflict(f"This agreement is {agreement.status.value}.", field="input.agreementId")
    if agreement.end_date is not None and agreement.end_date < today:
        raise Conflict("This agreement's end date has passed.", field="input.agreementId")
    if provider.status is not ProviderStatus.PUBLISHED or not await _accredited(session, provider, today):
        raise Conflict("The provider is not published and accredited today.", field="input.agreementId")
    held = (await capacity.reservations(session, [provider.id]))[provider.id]  # type: ignore[list-item]
    free = capacity.free_hours(provider, held.hours)
    if agreement.hours_per_week > free + rules.HOURS_EPSILON:
        raise Conflict(
            f"{provider.name} has {free:g} of the {agreement.hours_per_week:g} hours a week free; "
            "someone else's agreement took them. Nothing was reserved.",
            field="input.agreementId",
        )
    if provider.kind is ProviderKind.PA:
        clashes = capacity.overlapping(await _slots_of(session, agreement_id), held.slots)
        if clashes:
            raise Conflict(
                f"{provider.name} already works at {len(clashes)} of these times under another agreement.",
                field="input.agreementId",
                code=ErrorCode.OVERLAPPING,
            )
    agreement.status = AgreementStatus.ACTIVE
    agreement.updated_at = now
    _record(session, agreement, AgreementStatus.ACTIVE, actor, now, previous=AgreementStatus.PROPOSED)
    outbox.enqueue(session, [provider.id], now=now)  # type: ignore[list-item]
    await session.flush()
    warning = await card_check(session, holder, provider)
    return SavedAgreement(agreement, [warning] if warning else [])


async def end_agreement(
    session: AsyncSession, *, actor: Actor, agreement_id: int, end_date: date, reason: str, now: datetime
) -> Agreement:
    """ACTIVE → ENDED on `end_date` (the last day of care), releasing the reserved capacity."""
    agreement = await _agreement(session, actor, agreement_id, lock=True)
    provider = await session.get(Provider, agreement.provider_id)
    holder = await session.get(DPHolder, agreement.holder_id)
    assert provider is not None and holder is not None
    if not (_acts_for_provider(actor, provider) or await _acts_for_holder(session, actor, holder)):
        raise PermissionDenied("Only a party to the agreement ends it.", field="input.agreementId")
    if agreement.status is not AgreementStatus.ACTIVE:
        raise Conflict(f"This agreement is {agreement.status.value}, not ACTIVE.", field="input.agreementId")
    problems = Problems()
    if end_date < agreement.start_date:
        problems.add("input.endDate", "An agreement cannot end before it starts.", ErrorCode.OUT_OF_RANGE)
    text = reason.strip()
    if not text:
        problems.add("input.reason", "Say why the agreement ends.", ErrorCode.REQUIRED)
    elif len(text) > rules.REASON_MAX:
        problems.add("input.reason", f"At most {rules.REASON_MAX} characters.", ErrorCode.TOO_LONG)
    problems.raise_if_any()
    agreement.status = AgreementStatus.ENDED
    agreement.end_date = end_date
    agreement.end_reason = text
    agreement.updated_at = now
    _record(session, agreement, AgreementStatus.ENDED, actor, now, text, previous=AgreementStatus.ACTIVE)
    outbox.enqueue(session, [provider.id], now=now)  # type: ignore[list-item]
    await session.flush()
    return agreement


async def cancel_agreement(
    session: AsyncSession, *, actor: Actor, agreement_id: int, reason: str, now: datetime
) -> Agreement:
    """PROPOSED → CANCELLED: an agreement that never started. Nothing was reserved, nothing is released."""
    agreement = await _agreement(session, actor, agreement_id, lock=True)
    provider = await session.get(Provider, agreement.provider_id)
    holder = await session.get(DPHolder, agreement.holder_id)
    assert provider is not None and holder is not None
    if not (_acts_for_provider(actor, provider) or await _acts_for_holder(session, actor, holder)):
        raise PermissionDenied("Only a party to the agreement cancels it.", field="input.agreementId")
    if agreement.status is not AgreementStatus.PROPOSED:
        raise Conflict(
            f"This agreement is {agreement.status.value}; end it instead.", field="input.agreementId"
        )
    agreement.status = AgreementStatus.CANCELLED
    agreement.updated_at = now
    _record(
        session,
        agreement,
        AgreementStatus.CANCELLED,
        actor,
        now,
        reason.strip()[: rules.REASON_MAX],
        previous=AgreementStatus.PROPOSED,
    )
    await session.flush()
    return agreement


async def get_agreement(session: AsyncSession, *, actor: Actor | None, agreement_id: int) -> Agreement | None:
    query = select(Agreement).where(Agreement.id == agreement_id, visible_clause(actor))
    return (await session.execute(query)).scalar_one_or_none()


async def visible_agreements(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, Agreement]:
    rows = await session.execute(select(Agreement).where(Agreement.id.in_(ids), visible_clause(actor)))  # type: ignore[union-attr]
    return {a.id: a for a in rows.scalars() if a.id is not None}


async def list_agreements(
    session: AsyncSession, *, actor: Actor, filters: AgreementFilter, limit: int, offset: int
) -> tuple[list[Agreement], int]:
    """One page of the agreements the actor may see, newest first, and how many there are."""
    query = select(Agreement).where(visible_clause(actor))
    if filters.status is not None:
        query = query.where(Agreement.status == filters.status)
    if filters.holder_id is not None:
        query = query.where(Agreement.holder_id == filters.holder_id)
    if filters.provider_id is not None:
        query = query.where(Agreement.provider_id == filters.provider_id)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.order_by(Agreement.created_at.desc(), Agreement.id.desc()).limit(limit).offset(offset)  # type: ignore[attr-defined]
    )
    return list(rows.scalars()), total
