"""What happened, told to whoever records it, inside the same transaction.

A capability that others build on (agreements, plans, matching, payments, support) announces what
happened without knowing who listens; the market's unmet-need ledger and plan-activation log, and
notifications, subscribe when the app is built (`broker.market.subscriptions`,
`broker.notifications.listeners`). So the dependency points one way, from the listener down to what
it records, and a listener's write commits or rolls back with the event's own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


class Event(StrEnum):
    REQUEST_ANSWERED = "REQUEST_ANSWERED"  # request=CareRequest, now
    PLAN_STATUS_SET = "PLAN_STATUS_SET"  # plan=SupportPlan, now
    PLAN_SAVED = "PLAN_SAVED"  # plan=SupportPlan, now: after its needs, district or status are written
    NO_CANDIDATE = "NO_CANDIDATE"  # the arguments of a matches-for-plan run
    NOT_ALLOCATED = "NOT_ALLOCATED"  # the arguments of an allocation run
    REQUEST_SENT = "REQUEST_SENT"  # request=CareRequest, now
    AGREEMENT_PROPOSED = "AGREEMENT_PROPOSED"  # agreement=Agreement, now
    AGREEMENT_CANCELLED = "AGREEMENT_CANCELLED"  # agreement=Agreement, now
    AGREEMENT_ACTIVATED = "AGREEMENT_ACTIVATED"  # agreement=Agreement, now
    AGREEMENT_ENDED = "AGREEMENT_ENDED"  # agreement=Agreement, now
    PAYMENT_FAILED = "PAYMENT_FAILED"  # payment=Payment, now
    SUBCONTRACT_PROPOSED = "SUBCONTRACT_PROPOSED"  # subcontract=Subcontract, now
    REFERRAL_ROUTED = "REFERRAL_ROUTED"  # referral=SupportReferral, now
    TIMESHEET_SUBMITTED = "TIMESHEET_SUBMITTED"  # timesheet=Timesheet, now


Listener = Callable[..., Awaitable[None]]
_listeners: dict[Event, list[Listener]] = defaultdict(list)


def subscribe(event: Event, listener: Listener) -> None:
    if listener not in _listeners[event]:
        _listeners[event].append(listener)


async def publish(event: Event, session: AsyncSession, *args: Any, **facts: Any) -> None:
    for listener in _listeners[event]:
        await listener(session, *args, **facts)
