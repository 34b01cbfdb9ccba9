"""How many hours a week a provider holds, and when: the one place that answers it, by date.

An agreement holds the provider's hours on the days between its start and end dates (its end date
is the last day of care) once it has started: `Agreement.holds_capacity_on(day)`, with
`still_holding` its SQL twin for a period. So an agreement ended with a future date keeps the hours
until then, and one whose fixed end date has passed holds none, whatever its status says. A
provider's free hours from a day on are the listing's weekly capacity less the most its agreements
hold on any day from then; a PA is one person, so the slots of those agreements also come out of
their availability (an agency has staff: only the hours bind). Matching, teams, allocation, search
and activation all ask here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.agreements.models import STARTED, Agreement, AgreementSlot
from broker.providers.models import Provider, ProviderKind
from broker.schedule import Window, subtract


@dataclass
class Reservation:
    """What a provider's agreements hold: hours a week and weekly slots."""

    hours: float = 0.0
    slots: list[Window] = field(default_factory=list)


def still_holding(start: date, end: date | None = None) -> ColumnElement[bool]:
    """SQL: started agreements that hold the provider's hours on some day from `start` to `end`
    (None: open-ended), by `Agreement.holds_capacity_on`'s rule."""
    conditions = [
        col(Agreement.status).in_(STARTED),
        or_(col(Agreement.end_date).is_(None), col(Agreement.end_date) >= start),
    ]
    if end is not None:
        conditions.append(col(Agreement.start_date) <= end)
    return and_(*conditions)


def peak_hours(agreements: Iterable[Agreement], start: date, end: date | None) -> float:
    """The most hours a week `agreements` hold on any one day from `start` to `end` (None: for good).

    What is held changes only on the day an agreement starts and the day after one ends, so those
    days (and `start`) are the only ones to look at.
    """
    agreements = list(agreements)
    days = {start}
    for agreement in agreements:
        days.add(agreement.start_date)
        if agreement.end_date is not None:
            days.add(agreement.end_date + timedelta(days=1))
    in_period = [d for d in days if d >= start and (end is None or d <= end)]
    return max(
        (sum(a.hours_per_week for a in agreements if a.holds_capacity_on(d)) for d in in_period), default=0.0
    )


async def _held(
    session: AsyncSession, agreements: list[Agreement], start: date, end: date | None
) -> dict[int, Reservation]:
    by_provider: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in agreements:
        by_provider[agreement.provider_id].append(agreement)
    held: dict[int, Reservation] = defaultdict(Reservation)
    for provider_id, theirs in by_provider.items():
        held[provider_id].hours = peak_hours(theirs, start, end)
    owner = {a.id: a.provider_id for a in agreements}
    if owner:
        rows = await session.execute(
            select(
                col(AgreementSlot.agreement_id),
                col(AgreementSlot.day),
                col(AgreementSlot.start_minute),
                col(AgreementSlot.end_minute),
            )
            .where(col(AgreementSlot.agreement_id).in_(list(owner)))
            .order_by(col(AgreementSlot.day), col(AgreementSlot.start_minute))
        )
        for agreement_id, day, slot_start, slot_end in rows:
            held[owner[agreement_id]].slots.append((int(day), slot_start, slot_end))
    return held


async def reservations(
    session: AsyncSession, provider_ids: Sequence[int], *, on: date
) -> dict[int, Reservation]:
    """What each provider's agreements hold from `on` onwards, by provider ID: the peak hours a week
    on any day from then (care is booked for weeks to come, so hours held from next Monday are not
    free today), and the slots of every agreement still holding hours. An agreement ended with a
    future date holds until then; one whose end date has passed holds nothing."""
    if not provider_ids:
        return defaultdict(Reservation)
    agreements = await session.execute(
        select(Agreement).where(col(Agreement.provider_id).in_(provider_ids), still_holding(on))
    )
    return await _held(session, list(agreements.scalars()), on, None)


async def held_during(
    session: AsyncSession, provider_id: int, start: date, end: date | None, *, excluding: int | None = None
) -> Reservation:
    """What the provider's other agreements hold over a new agreement's dates: the peak hours on any
    day of it, and the slots of every agreement that holds some day of it (a PA cannot work them)."""
    query = select(Agreement).where(col(Agreement.provider_id) == provider_id, still_holding(start, end))
    if excluding is not None:
        query = query.where(col(Agreement.id) != excluding)
    agreements = list((await session.execute(query)).scalars())
    return (await _held(session, agreements, start, end))[provider_id]


async def providers_changing(session: AsyncSession, after: date, through: date) -> list[int]:
    """Providers whose held hours changed on a day after `after` up to `through` with no write: an
    agreement started, or its last day passed. The daily pass re-indexes them, so search's free hours
    follow the calendar as well as the writes."""
    rows = await session.execute(
        select(col(Agreement.provider_id))
        .where(
            col(Agreement.status).in_(STARTED),
            or_(
                and_(col(Agreement.start_date) > after, col(Agreement.start_date) <= through),
                and_(
                    col(Agreement.end_date) >= after,
                    col(Agreement.end_date) < through,
                ),
            ),
        )
        .distinct()
    )
    return list(rows.scalars())


def free_hours(provider: Provider, reserved: float) -> float:
    """The listing's weekly capacity less what agreements hold, never below zero."""
    return max(0.0, (provider.weekly_capacity_hours or 0.0) - reserved)


def free_availability(
    provider: Provider, availability: Iterable[Window], reserved: Reservation
) -> list[Window]:
    """When the provider can still take work: a PA's agreed slots are gone; an agency's are not."""
    if provider.kind is ProviderKind.PA:
        return subtract(availability, reserved.slots)
    return sorted(availability)
