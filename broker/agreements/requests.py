"""Requests to providers: send, answer, list. A PENDING request past its expiry is EXPIRED."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import events, queries
from broker.accounts.actor import Actor
from broker.agreements import rules
from broker.agreements.access import acts_for_holder, answers_on_behalf, request_visible_clause
from broker.agreements.models import (
    CareRequest,
    RequestStatus,
)
from broker.agreements.validation import (
    OPEN_PLAN,
    accredited_today,
    chosen_needs,
    offered_services,
    plan_needs,
    published_provider,
)
from broker.errors import Conflict, ErrorCode, NotFound, PermissionDenied, Problems
from broker.holders.models import DPHolder
from broker.plans import service as plans
from broker.plans.models import PlanReadPurpose
from broker.providers.models import (
    Provider,
)
from broker.settings import Settings


def effective_status(request: CareRequest, now: datetime) -> RequestStatus:
    """A PENDING request past its expiry is EXPIRED, whether or not anyone has written that down."""
    if request.status is RequestStatus.PENDING and request.expires_at <= now:
        return RequestStatus.EXPIRED
    return request.status


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
    settings: Settings,
) -> CareRequest:
    """Asks a provider to take on needs of a plan (all of them when none are named). The request
    expires unanswered after BROKER_REQUEST_EXPIRY_HOURS."""
    plan = await plans.require_plan(
        session, actor=actor, plan_id=plan_id, field="plan_id", operation=PlanReadPurpose.REQUEST, now=now
    )
    holder = await session.get(DPHolder, plan.holder_id)
    assert holder is not None
    if not await acts_for_holder(session, actor, holder):
        raise PermissionDenied("Only the person, their representatives or their broker send requests.")
    if plan.status not in OPEN_PLAN:
        raise Conflict(
            f"The plan is {plan.status.value}; activate it before sending requests.", field="plan_id"
        )
    provider = await published_provider(session, provider_id, "provider_id")
    if not await accredited_today(session, provider, today):
        raise Conflict("This provider is not accredited today.", field="provider_id")
    problems = Problems()
    needs = await plan_needs(session, plan_id)
    chosen = chosen_needs(
        list(need_ids) or list(needs),
        needs,
        await offered_services(session, provider_id),
        "need_ids",
        problems,
    )
    text = message.strip()
    if len(text) > rules.MESSAGE_MAX:
        problems.add("message", f"At most {rules.MESSAGE_MAX} characters.", ErrorCode.TOO_LONG)
    problems.raise_if_any()
    pending = await session.execute(
        select(CareRequest).where(
            col(CareRequest.plan_id) == plan_id,
            col(CareRequest.provider_id) == provider_id,
            col(CareRequest.status) == RequestStatus.PENDING,
            col(CareRequest.expires_at) > now,
        )
    )
    if pending.first() is not None:
        raise Conflict(
            "A request to this provider for this plan is waiting for an answer.",
            field="provider_id",
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
        expires_at=now + timedelta(hours=settings.request_expiry_hours),
    )
    session.add(request)
    await session.flush()
    await events.publish(events.Event.REQUEST_SENT, session, request, now)
    return request


async def respond_to_request(
    session: AsyncSession, *, actor: Actor, request_id: int, accept: bool, reason: str, now: datetime
) -> CareRequest:
    """The provider accepts or declines (`answers_on_behalf` says who may, and records whether it was
    council staff on the provider's behalf). Accepting books nothing: the agreement, once active, does."""
    request = (
        await session.execute(
            select(CareRequest)
            .where(col(CareRequest.id) == request_id, request_visible_clause(actor))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if request is None:
        raise NotFound("No request with this ID.", field="request_id")
    provider = await session.get(Provider, request.provider_id)
    assert provider is not None
    on_behalf = answers_on_behalf(actor, provider)
    status = effective_status(request, now)
    if status is not RequestStatus.PENDING:
        raise Conflict(f"This request is already {status.value}.", field="request_id")
    text = reason.strip()
    if len(text) > rules.REASON_MAX:
        raise Conflict(f"At most {rules.REASON_MAX} characters.", field="reason", code=ErrorCode.TOO_LONG)
    request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    request.reason = text
    request.responded_by_id = actor.user_id
    request.responded_on_behalf = on_behalf
    request.responded_at = now
    await session.flush()
    await events.publish(events.Event.REQUEST_ANSWERED, session, request, now)
    return request


async def list_requests(
    session: AsyncSession,
    *,
    actor: Actor,
    status: RequestStatus | None,
    now: datetime,
    limit: int,
    offset: int,
    plan_id: int | None = None,
) -> tuple[list[CareRequest], int]:
    """Requests the actor may see (to their listing, for their plans, in their council), newest first;
    with `plan_id`, only that plan's (a plan the actor may not see simply has none to show)."""
    query = select(CareRequest).where(request_visible_clause(actor))
    if plan_id is not None:
        query = query.where(col(CareRequest.plan_id) == plan_id)
    if status is RequestStatus.PENDING:
        query = query.where(
            col(CareRequest.status) == RequestStatus.PENDING, col(CareRequest.expires_at) > now
        )
    elif status is RequestStatus.EXPIRED:
        query = query.where(
            or_(
                col(CareRequest.status) == RequestStatus.EXPIRED,
                (col(CareRequest.status) == RequestStatus.PENDING) & (col(CareRequest.expires_at) <= now),
            )
        )
    elif status is not None:
        query = query.where(col(CareRequest.status) == status)
    order = [col(CareRequest.sent_at).desc(), col(CareRequest.id).desc()]
    return await queries.page(session, query, order, limit, offset)
