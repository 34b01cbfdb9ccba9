"""The CSV twins of the market reports and the open demand feed: one writer for CLI and HTTP alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Council
from broker.errors import ErrorCode, InvalidInput
from broker.market import gaps, rates, takeup, timecare, workforce
from broker.market.privacy import is_small

GAP_COLUMNS = [
    "district", "service", "time_band", "people", "people_waiting", "demand_hours", "agreed_hours",
    "unmet_hours", "budgeted_rate_lower_quartile_pence", "budgeted_rate_median_pence",
    "budgeted_rate_upper_quartile_pence", "median_days_to_first_agreement", "reachable_supply_hours",
    "gap_ratio", "asked_rate_lower_quartile_pence", "asked_rate_median_pence",
    "asked_rate_upper_quartile_pence", "top_unmet_reasons", "suppressed",
]  # fmt: skip
DEMAND_COLUMNS = [
    "council",
    "district",
    "service",
    "time_band",
    "people_waiting",
    "unmet_hours",
    "suppressed",
]
ALL_DIMENSIONS = [gaps.GroupBy.DISTRICT, gaps.GroupBy.SERVICE, gaps.GroupBy.TIME_BAND]
REPORTS = ("gaps", "take-up", "rates", "time-to-care", "workforce")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv(header: list[str], rows: Iterable[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months up to today."""
    return takeup.add_months(today, -11), today


async def council_named(session: AsyncSession, name: str) -> Council:
    council = (await session.execute(select(Council).where(col(Council.name) == name))).scalar_one_or_none()
    if council is None:
        raise InvalidInput(f"No council called {name!r}.", field="council", code=ErrorCode.NOT_FOUND)
    return council


def gaps_csv(rows: list[gaps.GapRow]) -> str:
    def line(r: gaps.GapRow) -> list[object]:
        q = r.budgeted_rate_quartiles or (None, None, None)
        reasons = (
            None
            if r.top_unmet_reasons is None
            else "; ".join(f"{x.constraint} {x.times}x {x.hours}h" for x in r.top_unmet_reasons)
        )
        people = [r.people, r.people_waiting]
        hours = [r.demand_hours, r.agreed_hours, r.unmet_hours]
        days = r.median_days_to_first_agreement
        asked = r.asked_rate_quartiles or (None, None, None)
        supply = [r.reachable_supply_hours, r.gap_ratio, *asked]
        return [
            r.district,
            r.service_code,
            r.time_band,
            *people,
            *hours,
            *q,
            days,
            *supply,
            reasons,
            r.suppressed,
        ]

    return _csv(GAP_COLUMNS, (line(r) for r in rows))


def take_up_csv(report: takeup.TakeUp) -> str:
    rows = [takeup.report_row(m) for m in report.months]
    header = list(takeup.TakeUpRow.__dataclass_fields__)
    return _csv(header, ([getattr(r, name) for name in header] for r in rows))


RATE_COLUMNS = [
    "district", "provider_kind", "council_rate_pence", "providers", "asked_rate_lower_quartile_pence",
    "asked_rate_median_pence", "asked_rate_upper_quartile_pence", "median_paid_pence", "payments",
    "national_living_wage_pence", "homecare_minimum_price_pence", "council_rate_below_minimum_price",
    "providers_above_council_rate", "top_up_risk_percent", "suppressed",
]  # fmt: skip


def rates_csv(rows: list[rates.RateRow]) -> str:
    def line(r: rates.RateRow) -> list[object]:
        asked = r.asked_rate_quartiles or (None, None, None)
        return [
            r.district, r.provider_kind.value, r.council_rate_pence, r.providers, *asked, r.median_paid_pence,
            r.payments, r.national_living_wage_pence, r.homecare_minimum_price_pence,
            r.council_rate_below_minimum_price, r.providers_above_council_rate, r.top_up_risk_percent,
            r.suppressed,
        ]  # fmt: skip

    return _csv(RATE_COLUMNS, (line(r) for r in rows))


TIME_TO_CARE_COLUMNS = ["step", "people", "median_days", "percentile_90_days", "still_waiting", "suppressed"]


def time_to_care_csv(report: timecare.TimeToCare) -> str:
    """The steps, then one line of the people waiting longer than the council's threshold: counts
    only, whoever asks (a file travels further than a page, so no names)."""
    lines: list[list[object]] = [
        [s.step.value, s.people, s.median_days, s.percentile_90_days, s.still_waiting, s.suppressed]
        for s in report.steps
    ]
    count = report.long_waiters_count
    lines.append(
        [f"WAITING_LONGER_THAN_{report.long_wait_days}_DAYS", count, None, None, None, count is None]
    )
    return _csv(TIME_TO_CARE_COLUMNS, lines)


def workforce_csv(report: workforce.Workforce) -> str:
    """Each month's rows, then each district's whole period (month left empty)."""
    header = list(workforce.WorkforceRow.__dataclass_fields__)

    def line(r: workforce.WorkforceRow) -> list[object]:
        return [v.value if isinstance(v, StrEnum) else v for v in (getattr(r, name) for name in header)]

    return _csv(header, (line(r) for r in [*report.months, *report.period]))


async def report_csv(
    session: AsyncSession, name: str, *, actor: Actor, council_id: int, start: date, end: date, now: datetime
) -> str:
    """One of `REPORTS` for one council as CSV, with the same rules as the GraphQL operations (rates
    are as of `now`, whatever the period)."""
    if name == "gaps":
        rows = await gaps.market_gaps(
            session,
            actor=actor,
            council_id=council_id,
            group_by=ALL_DIMENSIONS,
            start=start,
            end=end,
            now=now,
        )
        return gaps_csv(rows)
    if name == "take-up":
        return take_up_csv(
            await takeup.dp_take_up(session, actor=actor, council_id=council_id, start=start, end=end)
        )
    if name == "rates":
        return rates_csv(await rates.rate_sufficiency(session, actor=actor, council_id=council_id, now=now))
    if name == "time-to-care":
        return time_to_care_csv(
            await timecare.time_to_care(
                session, actor=actor, council_id=council_id, start=start, end=end, now=now
            )
        )
    if name == "workforce":
        return workforce_csv(
            await workforce.workforce(session, actor=actor, council_id=council_id, start=start, end=end)
        )
    raise InvalidInput(f"Reports: {', '.join(REPORTS)}.", field="report", code=ErrorCode.NOT_FOUND)


async def open_demand(session: AsyncSession, *, today: date) -> list[dict[str, object]]:
    """The open demand feed: every council's unmet hours a week by district, service and time band
    today, with counts of 1 to 4 people withheld as everywhere (a market position statement)."""
    feed: list[dict[str, object]] = []
    councils = (await session.execute(select(Council).order_by(Council.name))).scalars().all()
    for council in councils:
        assert council.id is not None
        for r in gaps.without_drill_down(
            await gaps.gap_rows(
                session,
                council_id=council.id,
                group_by=ALL_DIMENSIONS,
                start=today,
                end=today,
                today=today,
                drill_down=False,
                demand_only=True,
            )
        ):
            if r.unmet_hours == 0 and not r.suppressed:
                continue
            feed.append(
                {
                    "council": council.name,
                    "district": r.district,
                    "service": r.service_code,
                    "time_band": r.time_band,
                    "people_waiting": None if is_small(r.people_waiting) else r.people_waiting,
                    "unmet_hours": r.unmet_hours,
                    "suppressed": r.suppressed,
                }
            )
    return feed


def demand_csv(feed: list[dict[str, object]]) -> str:
    return _csv(DEMAND_COLUMNS, ([row[c] for c in DEMAND_COLUMNS] for row in feed))
