"""The settings market reports are judged by: each council's DP hourly rate per provider kind and its
long-wait threshold (set by its commissioners and admins), and the Homecare Association's dated
minimum price for homecare (national, so set by platform admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Council
from broker.api.clock import london_date
from broker.errors import ErrorCode, NotFound, PermissionDenied, Problems
from broker.hygiene import date_problem
from broker.market import access, rules
from broker.market.models import CouncilDirectPaymentRate, CouncilMarketSettings, HomecareMinimumPrice
from broker.providers.models import ProviderKind
from broker.providers.rules import MAX_HOURLY_RATE_PENCE, national_living_wage_pence


@dataclass(frozen=True)
class DirectPaymentRate:
    provider_kind: ProviderKind
    hourly_rate_pence: int


@dataclass(frozen=True)
class MarketSettingsCommand:
    council_id: int
    dp_hourly_rates: list[DirectPaymentRate] | None = None
    long_wait_days: int | None = None


@dataclass(frozen=True)
class MarketSettings:
    council_id: int
    dp_hourly_rates: dict[ProviderKind, int]
    long_wait_days: int


@dataclass(frozen=True)
class HomecarePriceCommand:
    in_force_from: date
    hourly_rate_pence: int


async def council_exists(session: AsyncSession, council_id: int) -> None:
    """Refuses a council ID that names no council (including one too big for a key column)."""
    if not 0 < council_id < 2**31 or await session.get(Council, council_id) is None:
        raise NotFound("No council with this ID.", field="council_id")


async def dp_rates(session: AsyncSession, council_id: int) -> dict[ProviderKind, int]:
    """The council's DP hourly rate for each kind of provider it has set one for."""
    rows = await session.execute(
        select(
            col(CouncilDirectPaymentRate.provider_kind), col(CouncilDirectPaymentRate.hourly_rate_pence)
        ).where(col(CouncilDirectPaymentRate.council_id) == council_id)
    )
    return {ProviderKind(kind): pence for kind, pence in rows}


async def long_wait_days(session: AsyncSession, council_id: int) -> int:
    """The council's long-wait threshold in days, or the default (`rules.DEFAULT_LONG_WAIT_DAYS`)."""
    row = await session.get(CouncilMarketSettings, council_id)
    return row.long_wait_days if row else rules.DEFAULT_LONG_WAIT_DAYS


async def market_settings(session: AsyncSession, council_id: int) -> MarketSettings:
    return MarketSettings(
        council_id=council_id,
        dp_hourly_rates=await dp_rates(session, council_id),
        long_wait_days=await long_wait_days(session, council_id),
    )


async def homecare_minimum_price(session: AsyncSession, on: date) -> HomecareMinimumPrice | None:
    """The Homecare Association minimum price that applies on `on`: the latest one in force by then."""
    found = await session.execute(
        select(HomecareMinimumPrice)
        .where(col(HomecareMinimumPrice.in_force_from) <= on)
        .order_by(col(HomecareMinimumPrice.in_force_from).desc())
        .limit(1)
    )
    return found.scalar_one_or_none()


async def set_market_settings(
    session: AsyncSession, *, actor: Actor | None, command: MarketSettingsCommand, now: datetime
) -> MarketSettings:
    """Sets the council's DP hourly rates (the kinds given replace those kinds' rates; others are
    kept) and its long-wait threshold. A DP rate below the National Living Wage in force today could
    not buy a lawful hour of care (National Minimum Wage Regulations 2015), so it is refused."""
    await council_exists(session, command.council_id)
    if not access.may_record_figures(actor, command.council_id):
        raise PermissionDenied(
            "Only the council's commissioners and admins change its market settings.", field="council_id"
        )
    today = london_date(now)
    floor = national_living_wage_pence(today)
    problems = Problems()
    seen: set[ProviderKind] = set()
    for i, rate in enumerate(command.dp_hourly_rates or []):
        field = f"dp_hourly_rates.{i}"
        if rate.provider_kind not in rules.CARE_KINDS:
            problems.add(
                f"{field}.provider_kind",
                "DP rates are set for PAs and agencies, whose hours a direct payment buys.",
                ErrorCode.INVALID,
            )
        elif rate.provider_kind in seen:
            problems.add(f"{field}.provider_kind", "One rate for each kind of provider.", ErrorCode.DUPLICATE)
        seen.add(rate.provider_kind)
        if not floor <= rate.hourly_rate_pence <= MAX_HOURLY_RATE_PENCE:
            problems.add(
                f"{field}.hourly_rate_pence",
                f"Pence an hour from the National Living Wage, {floor}, to {MAX_HOURLY_RATE_PENCE}.",
                ErrorCode.OUT_OF_RANGE,
            )
    days = command.long_wait_days
    if days is not None and not 1 <= days <= rules.MAX_LONG_WAIT_DAYS:
        problems.add("long_wait_days", f"From 1 to {rules.MAX_LONG_WAIT_DAYS} days.", ErrorCode.OUT_OF_RANGE)
    problems.raise_if_any()
    by = (actor.user_id or None) if actor else None
    kinds = [r.provider_kind for r in command.dp_hourly_rates or []]
    if kinds:
        await session.execute(
            delete(CouncilDirectPaymentRate).where(
                col(CouncilDirectPaymentRate.council_id) == command.council_id,
                col(CouncilDirectPaymentRate.provider_kind).in_(kinds),
            )
        )
        session.add_all(
            CouncilDirectPaymentRate(
                council_id=command.council_id,
                provider_kind=r.provider_kind,
                hourly_rate_pence=r.hourly_rate_pence,
                set_by_id=by,
                set_at=now,
            )
            for r in command.dp_hourly_rates or []
        )
    if days is not None:
        row = await session.get(CouncilMarketSettings, command.council_id) or CouncilMarketSettings(
            council_id=command.council_id, long_wait_days=days
        )
        row.long_wait_days, row.set_by_id, row.set_at = days, by, now
        session.add(row)
    await session.flush()
    return await market_settings(session, command.council_id)


async def set_homecare_minimum_price(
    session: AsyncSession, *, actor: Actor | None, command: HomecarePriceCommand, now: datetime
) -> HomecareMinimumPrice:
    """Records the Homecare Association's minimum price from the day it applies (setting a day again
    corrects it). One national figure, so only platform admins set it."""
    if actor is None or not actor.is_platform_admin:
        raise PermissionDenied("Only platform admins set the Homecare Association price.", field=None)
    problems = Problems()
    if (problem := date_problem(command.in_force_from)) is not None:
        problems.add("in_force_from", problem, ErrorCode.OUT_OF_RANGE)
    elif not rules.EARLIEST_PRICE_YEAR <= command.in_force_from.year <= london_date(now).year + 1:
        problems.add(
            "in_force_from",
            f"From {rules.EARLIEST_PRICE_YEAR} to next year.",
            ErrorCode.OUT_OF_RANGE,
        )
    if not 0 < command.hourly_rate_pence <= MAX_HOURLY_RATE_PENCE:
        problems.add(
            "hourly_rate_pence",
            f"An hourly rate in pence up to {MAX_HOURLY_RATE_PENCE}.",
            ErrorCode.OUT_OF_RANGE,
        )
    problems.raise_if_any()
    row = await session.get(HomecareMinimumPrice, command.in_force_from) or HomecareMinimumPrice(
        in_force_from=command.in_force_from, hourly_rate_pence=command.hourly_rate_pence
    )
    row.hourly_rate_pence = command.hourly_rate_pence
    row.set_by_id = (actor.user_id or None) if actor else None
    row.set_at = now
    session.add(row)
    await session.flush()
    return row
