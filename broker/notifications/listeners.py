"""Notifications listen to what other capabilities announce (`broker.events`), so agreements, payments
and support know nothing of who is told or how: each listener writes in the event's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.models import Agreement, CareRequest, RequestStatus
from broker.events import Event, subscribe
from broker.holders.models import DPHolder
from broker.notifications import links, recipients
from broker.notifications.models import NotificationKind
from broker.notifications.service import notify, timesheet_waiting
from broker.payments.models import Payment
from broker.support.models import LeadContract, Subcontract, SupportReferral
from broker.timesheets.models import Timesheet


async def request_sent(session: AsyncSession, request: CareRequest, now: datetime) -> None:
    assert request.id is not None
    await notify(
        session,
        NotificationKind.REQUEST_SENT,
        await recipients.provider_side(session, request.provider_id),
        link=links.care_request(request.id),
        now=now,
        excluding=request.sent_by_id,
    )


async def request_answered(session: AsyncSession, request: CareRequest, now: datetime) -> None:
    assert request.id is not None
    accepted = request.status is RequestStatus.ACCEPTED
    told = [*await recipients.holder_side(session, request.holder_id), request.sent_by_id]
    await notify(
        session,
        NotificationKind.REQUEST_ACCEPTED if accepted else NotificationKind.REQUEST_DECLINED,
        told,
        link=links.care_request(request.id),
        now=now,
        excluding=request.responded_by_id,
    )


async def _both_sides(session: AsyncSession, agreement: Agreement) -> list[int]:
    return [
        *await recipients.holder_side(session, agreement.holder_id),
        *await recipients.provider_side(session, agreement.provider_id),
    ]


async def agreement_activated(session: AsyncSession, agreement: Agreement, now: datetime) -> None:
    assert agreement.id is not None
    await notify(
        session,
        NotificationKind.AGREEMENT_ACTIVATED,
        await _both_sides(session, agreement),
        link=links.agreement(agreement.id),
        now=now,
    )


async def agreement_ended(session: AsyncSession, agreement: Agreement, now: datetime) -> None:
    assert agreement.id is not None
    await notify(
        session,
        NotificationKind.AGREEMENT_ENDING,
        await _both_sides(session, agreement),
        link=links.agreement(agreement.id),
        now=now,
    )


async def payment_failed(session: AsyncSession, payment: Payment, now: datetime) -> None:
    assert payment.id is not None
    await notify(
        session,
        NotificationKind.PAYMENT_FAILED,
        [*await recipients.holder_side(session, payment.holder_id), payment.recorded_by_id],
        link=links.payment(payment.id),
        now=now,
        dedupe_key=f"payment-failed:{payment.id}",
    )


async def subcontract_proposed(session: AsyncSession, subcontract: Subcontract, now: datetime) -> None:
    assert subcontract.id is not None
    contract = await session.get(LeadContract, subcontract.lead_contract_id)
    assert contract is not None
    await notify(
        session,
        NotificationKind.SUBCONTRACT_PROPOSED,
        [
            *await recipients.provider_side(session, contract.provider_id),
            *await recipients.provider_side(session, subcontract.subcontractor_id),
        ],
        link=links.subcontract(subcontract.id),
        now=now,
    )


async def referral_routed(session: AsyncSession, referral: SupportReferral, now: datetime) -> None:
    assert referral.id is not None
    await notify(
        session,
        NotificationKind.REFERRAL_ROUTED,
        await recipients.provider_side(session, referral.provider_id),
        link=links.referral(referral.id),
        now=now,
        excluding=referral.created_by_id,
    )


async def timesheet_submitted(session: AsyncSession, timesheet: Timesheet, now: datetime) -> None:
    """The holder's side is told a week waits for them (again after each resubmission), and the
    council's staff too when the person asked the council to approve for them."""
    assert timesheet.id is not None
    deciders = await recipients.holder_side(session, timesheet.holder_id)
    council_approves = (
        await session.execute(
            select(col(DPHolder.council_approves_timesheets)).where(col(DPHolder.id) == timesheet.holder_id)
        )
    ).scalar_one()
    if council_approves:
        deciders += await recipients.council_staff(session, timesheet.council_id)
    await timesheet_waiting(
        session, user_ids=deciders, timesheet_id=timesheet.id, revision=timesheet.revision, now=now
    )


def subscribe_all() -> None:
    subscribe(Event.REQUEST_SENT, request_sent)
    subscribe(Event.REQUEST_ANSWERED, request_answered)
    subscribe(Event.AGREEMENT_ACTIVATED, agreement_activated)
    subscribe(Event.AGREEMENT_ENDED, agreement_ended)
    subscribe(Event.PAYMENT_FAILED, payment_failed)
    subscribe(Event.SUBCONTRACT_PROPOSED, subcontract_proposed)
    subscribe(Event.REFERRAL_ROUTED, referral_routed)
    subscribe(Event.TIMESHEET_SUBMITTED, timesheet_submitted)
