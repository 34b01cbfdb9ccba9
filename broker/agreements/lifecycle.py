"""An agreement's life: PROPOSED → ACTIVE (reserving capacity) → ENDED, or PROPOSED → CANCELLED.

Every move goes through `move`, which reads `rules.NEXT_STATUSES`, refuses a move the table does not
allow, and records who made it, when and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import events, schedule
from broker.accounts.actor import Actor
from broker.agreements import capacity, rules
from broker.agreements.access import acts_for_holder, acts_for_provider, visible_clause
from broker.agreements.cards import CardWarning, card_check
from broker.agreements.models import (
    Agreement,
    AgreementSlot,
    AgreementStatus,
    AgreementTransition,
)
from broker.agreements.validation import accredited_today
from broker.errors import Conflict, ErrorCode, NotFound, PermissionDenied, Problems
from broker.holders.models import DPHolder
from broker.providers.models import (
    Provider,
    ProviderKind,
    ProviderStatus,
)
from search import outbox


@dataclass(frozen=True)
class SavedAgreement:
    agreement: Agreement
    warnings: list[CardWarning] = field(default_factory=list)


def move(
    session: AsyncSession,
    agreement: Agreement,
    to: AgreementStatus,
    actor: Actor,
    now: datetime,
    reason: str = "",
) -> None:
    """The one way an agreement changes status: allowed by `rules.NEXT_STATUSES`, recorded in its history."""
    previous = agreement.status
    if to not in rules.NEXT_STATUSES[previous]:
        raise Conflict(
            f"An agreement that is {previous.value} cannot become {to.value}.", field="agreement_id"
        )
    agreement.status = to
    agreement.updated_at = now
    record_transition(session, agreement, to, actor, now, reason, previous=previous)


def record_transition(
    session: AsyncSession,
    agreement: Agreement,
    to: AgreementStatus,
    actor: Actor,
    now: datetime,
    reason: str = "",
    previous: AgreementStatus | None = None,
) -> None:
    assert agreement.id is not None
    session.add(
        AgreementTransition(
            agreement_id=agreement.id,
            from_status=previous,
            to_status=to,
            by_id=actor.user_id,
            at=now,
            reason=reason,
        )
    )


async def _agreement(
    session: AsyncSession, actor: Actor, agreement_id: int, *, lock: bool = False
) -> Agreement:
    query = select(Agreement).where(col(Agreement.id) == agreement_id, visible_clause(actor))
    if lock:
        query = query.with_for_update()
    agreement = (await session.execute(query)).scalar_one_or_none()
    if agreement is None:
        raise NotFound("No agreement with this ID.", field="agreement_id")
    return agreement


async def _as_a_party(
    session: AsyncSession, actor: Actor, agreement_id: int, verb: str
) -> tuple[Agreement, Provider]:
    """The agreement, locked, for someone who acts for either side of it (ending and cancelling are
    open to both sides; activating is the holder's side's alone)."""
    agreement = await _agreement(session, actor, agreement_id, lock=True)
    provider = await session.get(Provider, agreement.provider_id)
    holder = await session.get(DPHolder, agreement.holder_id)
    assert provider is not None and holder is not None
    if not (acts_for_provider(actor, provider) or await acts_for_holder(session, actor, holder)):
        raise PermissionDenied(f"Only a party to the agreement {verb} it.", field="agreement_id")
    return agreement, provider


async def _slots_of(session: AsyncSession, agreement_id: int) -> list[schedule.Window]:
    rows = await session.execute(
        select(col(AgreementSlot.day), col(AgreementSlot.start_minute), col(AgreementSlot.end_minute)).where(
            col(AgreementSlot.agreement_id) == agreement_id
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
    if not await acts_for_holder(session, actor, holder):
        raise PermissionDenied(
            "Only the person, their representatives or their broker activate.", field="agreement_id"
        )
    if agreement.request_id is None and not actor.is_staff_of(agreement.council_id):
        raise PermissionDenied("A broker activates an agreement they made directly.", field="agreement_id")
    provider = (
        await session.execute(
            select(Provider)
            .where(col(Provider.id) == agreement.provider_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if agreement.status is not AgreementStatus.PROPOSED:
        raise Conflict(f"This agreement is {agreement.status.value}.", field="agreement_id")
    if agreement.end_date is not None and agreement.end_date < today:
        raise Conflict("This agreement's end date has passed.", field="agreement_id")
    if provider.status is not ProviderStatus.PUBLISHED or not await accredited_today(
        session, provider, today
    ):
        raise Conflict("The provider is not published and accredited today.", field="agreement_id")
    # The hours must be free on every day the agreement will run, not only today: another agreement
    # may start next month, or hold the hours until its end date.
    assert provider.id is not None
    held = await capacity.held_during(
        session,
        provider.id,
        max(agreement.start_date, today),
        agreement.end_date,
        excluding=agreement_id,
    )
    free = capacity.free_hours(provider, held.hours)
    if agreement.hours_per_week > free + rules.HOURS_EPSILON:
        raise Conflict(
            f"{provider.name} has {free:g} of the {agreement.hours_per_week:g} hours a week free while this "
            "agreement runs; another agreement holds them. Nothing was reserved.",
            field="agreement_id",
            code=ErrorCode.CAPACITY_TAKEN,
        )
    if provider.kind is ProviderKind.PA:
        clashes = schedule.clashing(await _slots_of(session, agreement_id), held.slots)
        if clashes:
            raise Conflict(
                f"{provider.name} already works at {len(clashes)} of these times under another agreement.",
                field="agreement_id",
                code=ErrorCode.OVERLAPPING,
            )
    move(session, agreement, AgreementStatus.ACTIVE, actor, now)
    assert provider.id is not None
    outbox.enqueue(session, [provider.id], now=now)
    await session.flush()
    await events.publish(events.Event.AGREEMENT_ACTIVATED, session, agreement, now)
    warning = await card_check(session, holder, provider)
    return SavedAgreement(agreement, [warning] if warning else [])


async def end_agreement(
    session: AsyncSession, *, actor: Actor, agreement_id: int, end_date: date, reason: str, now: datetime
) -> Agreement:
    """ACTIVE → ENDED on `end_date` (the last day of care), releasing the reserved capacity."""
    agreement, provider = await _as_a_party(session, actor, agreement_id, "ends")
    if agreement.status is not AgreementStatus.ACTIVE:
        raise Conflict(f"This agreement is {agreement.status.value}, not ACTIVE.", field="agreement_id")
    problems = Problems()
    if end_date < agreement.start_date:
        problems.add("end_date", "An agreement cannot end before it starts.", ErrorCode.OUT_OF_RANGE)
    text = reason.strip()
    if not text:
        problems.add("reason", "Say why the agreement ends.", ErrorCode.REQUIRED)
    elif len(text) > rules.REASON_MAX:
        problems.add("reason", f"At most {rules.REASON_MAX} characters.", ErrorCode.TOO_LONG)
    problems.raise_if_any()
    agreement.end_date = end_date
    agreement.end_reason = text
    move(session, agreement, AgreementStatus.ENDED, actor, now, text)
    assert provider.id is not None
    outbox.enqueue(session, [provider.id], now=now)
    await session.flush()
    await events.publish(events.Event.AGREEMENT_ENDED, session, agreement, now)
    return agreement


async def cancel_agreement(
    session: AsyncSession, *, actor: Actor, agreement_id: int, reason: str, now: datetime
) -> Agreement:
    """PROPOSED → CANCELLED: an agreement that never started. Nothing was reserved, nothing is released."""
    agreement, _ = await _as_a_party(session, actor, agreement_id, "cancels")
    if agreement.status is not AgreementStatus.PROPOSED:
        raise Conflict(f"This agreement is {agreement.status.value}; end it instead.", field="agreement_id")
    move(session, agreement, AgreementStatus.CANCELLED, actor, now, reason.strip()[: rules.REASON_MAX])
    await session.flush()
    await events.publish(events.Event.AGREEMENT_CANCELLED, session, agreement, now)
    return agreement
