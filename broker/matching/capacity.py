"""How many hours a week a provider can still take on, and when: the one place that answers it.

A provider's free hours are the weekly capacity the listing states less the hours of its ACTIVE
agreements (`broker/agreements/`). A PA is one person, so the slots of their ACTIVE agreements are also
taken out of their availability; an agency has staff, so for it only the hours bind. Matching, teams,
allocation, search and agreement activation all ask here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broker.agreements.models import Agreement, AgreementSlot, AgreementStatus
from broker.providers.models import Provider, ProviderKind

Window = tuple[int, int, int]  # (day, start minute, end minute)


@dataclass
class Reservation:
    """What a provider's ACTIVE agreements hold: hours a week and weekly slots."""

    hours: float = 0.0
    slots: list[Window] = field(default_factory=list)


async def reserved_hours(session: AsyncSession, provider_ids: Sequence[int]) -> dict[int, float]:
    """Hours a week held by ACTIVE agreements, by provider ID (providers with none are left out)."""
    if not provider_ids:
        return {}
    rows = await session.execute(
        select(Agreement.provider_id, func.sum(Agreement.hours_per_week))
        .where(Agreement.provider_id.in_(provider_ids), Agreement.status == AgreementStatus.ACTIVE)  # type: ignore[attr-defined]
        .group_by(Agreement.provider_id)
    )
    return {provider_id: float(hours or 0.0) for provider_id, hours in rows}


async def reservations(session: AsyncSession, provider_ids: Sequence[int]) -> dict[int, Reservation]:
    """Hours and slots held by ACTIVE agreements, by provider ID."""
    held: dict[int, Reservation] = defaultdict(Reservation)
    if not provider_ids:
        return held
    for provider_id, hours in (await reserved_hours(session, provider_ids)).items():
        held[provider_id].hours = hours
    rows = await session.execute(
        select(Agreement.provider_id, AgreementSlot.day, AgreementSlot.start_minute, AgreementSlot.end_minute)
        .join(AgreementSlot, AgreementSlot.agreement_id == Agreement.id)
        .where(Agreement.provider_id.in_(provider_ids), Agreement.status == AgreementStatus.ACTIVE)  # type: ignore[attr-defined]
        .order_by(AgreementSlot.day, AgreementSlot.start_minute)
    )
    for provider_id, day, start, end in rows:
        held[provider_id].slots.append((int(day), start, end))
    return held


def free_hours(provider: Provider, reserved: float) -> float:
    """The listing's weekly capacity less what agreements hold, never below zero."""
    return max(0.0, (provider.weekly_capacity_hours or 0.0) - reserved)


def subtract_windows(available: Iterable[Window], taken: Iterable[Window]) -> list[Window]:
    """`available` with every `taken` window cut out (both weekly, same day numbering)."""
    result: list[Window] = []
    taken_by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for day, start, end in taken:
        taken_by_day[day].append((start, end))
    for day, start, end in available:
        pieces = [(start, end)]
        for t_start, t_end in sorted(taken_by_day.get(day, [])):
            next_pieces = []
            for p_start, p_end in pieces:
                if t_end <= p_start or t_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if p_start < t_start:
                    next_pieces.append((p_start, t_start))
                if t_end < p_end:
                    next_pieces.append((t_end, p_end))
            pieces = next_pieces
        result.extend((day, s, e) for s, e in pieces)
    return sorted(result)


def overlapping(a: Iterable[Window], b: Iterable[Window]) -> list[Window]:
    """The windows of `a` that overlap some window of `b`."""
    b_list = list(b)
    return [
        (day, start, end)
        for day, start, end in a
        if any(day == d and start < e and s < end for d, s, e in b_list)
    ]


def free_availability(
    provider: Provider, availability: Iterable[Window], reserved: Reservation
) -> list[Window]:
    """When the provider can still take work: a PA's agreed slots are gone; an agency's are not."""
    if provider.kind is ProviderKind.PA:
        return subtract_windows(availability, reserved.slots)
    return sorted(availability)
