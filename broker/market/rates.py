"""`rateSufficiency`: whether the council's DP rates buy care, by district and kind of provider, in SQL.

Local providers are the council's listed ones (published and accredited today) that are PAs or
agencies with an asking rate, in the district they are based in. Against their asking rates stand the
council's DP hourly rate for the kind (`council_settings`), the median actually paid an hour (each
succeeded payment of the last year to a provider of the cell, its amount ÷ its hours), the National
Living Wage in force today (`broker.providers.rules`) and, for agencies, the Homecare Association
minimum price in force today. The top-up risk is the share of local providers asking more than the
council rate: a person on the council rate would have to top up, or go without, to buy from them.

A PA is a person, so a count of 1 to 4 PAs is withheld with what is derived from it; the median paid
is withheld when 1 to 4 people made those payments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.api.clock import london_date
from broker.errors import PermissionDenied
from broker.market import access, council_settings, rules
from broker.market.privacy import is_small
from broker.market.stats import percentile, quartiles
from broker.market.takeup import percent
from broker.payments.models import Payment, PaymentStatus
from broker.providers.access import listed_clause
from broker.providers.models import Provider, ProviderKind
from broker.providers.rules import national_living_wage_pence

PAID_OVER_DAYS = 365


@dataclass
class RateRow:
    district: str
    provider_kind: ProviderKind
    council_rate_pence: int | None
    providers: int | None
    asked_rate_quartiles: tuple[float, float, float] | None
    median_paid_pence: float | None
    payments: int | None
    national_living_wage_pence: int
    homecare_minimum_price_pence: int | None
    providers_above_council_rate: int | None
    top_up_risk_percent: float | None
    suppressed: bool

    @property
    def council_rate_below_minimum_price(self) -> bool | None:
        if self.council_rate_pence is None or self.homecare_minimum_price_pence is None:
            return None
        return self.council_rate_pence < self.homecare_minimum_price_pence


async def rate_sufficiency(
    session: AsyncSession, *, actor: Actor | None, council_id: int, now: datetime
) -> list[RateRow]:
    """One row per district and kind (PA, agency) with local providers or payments to them."""
    await council_settings.council_exists(session, council_id)
    if not access.sees_figures(actor, council_id):
        raise PermissionDenied("You can only see your own council's figures.", field="council_id")
    today = london_date(now)
    council_rates = await council_settings.dp_rates(session, council_id)
    price = await council_settings.homecare_minimum_price(session, today)
    living_wage = national_living_wage_pence(today)

    kinds = col(Provider.kind).in_(rules.CARE_KINDS)
    asked = await session.execute(
        select(
            col(Provider.postcode_district), col(Provider.kind), col(Provider.hourly_rate_pence), func.count()
        )
        .where(
            col(Provider.council_id) == council_id,
            kinds,
            col(Provider.postcode_district).is_not(None),
            col(Provider.hourly_rate_pence).is_not(None),
            listed_clause(today),
        )
        .group_by(col(Provider.postcode_district), col(Provider.kind), col(Provider.hourly_rate_pence))
    )
    asked_by_cell: dict[tuple, dict[float, int]] = defaultdict(dict)
    for district, kind, rate, n in asked:
        asked_by_cell[(district, ProviderKind(kind))][float(rate)] = n  # type: ignore[arg-type]  # rate is not NULL

    paid_per_hour = cast(func.round(col(Payment.amount_pence) * 1.0 / col(Payment.hours)), Integer)
    paid_where = (
        col(Payment.council_id) == council_id,
        col(Payment.status) == PaymentStatus.SUCCEEDED,
        col(Payment.hours) > 0,
        col(Payment.period_end) > today - timedelta(days=PAID_OVER_DAYS),
        col(Payment.period_end) <= today,
        kinds,
        col(Provider.postcode_district).is_not(None),
    )
    cell = (col(Provider.postcode_district), col(Provider.kind))
    paid_by_cell: dict[tuple, dict[float, int]] = defaultdict(dict)
    paid = await session.execute(
        select(*cell, paid_per_hour, func.count())
        .join(Provider, col(Provider.id) == col(Payment.provider_id))
        .where(*paid_where)
        .group_by(*cell, paid_per_hour)
    )
    for district, kind, pence, n in paid:
        paid_by_cell[(district, ProviderKind(kind))][float(pence)] = n
    payers = {
        (district, ProviderKind(kind)): (n, people)
        for district, kind, n, people in await session.execute(
            select(*cell, func.count(), func.count(distinct(col(Payment.holder_id))))
            .join(Provider, col(Provider.id) == col(Payment.provider_id))
            .where(*paid_where)
            .group_by(*cell)
        )
    }

    rows = []
    for district, kind in sorted(set(asked_by_cell) | set(paid_by_cell)):
        histogram = asked_by_cell.get((district, kind), {})
        providers = sum(histogram.values())
        council_rate = council_rates.get(kind)
        above = None if council_rate is None else sum(n for r, n in histogram.items() if r > council_rate)
        payments, people = payers.get((district, kind), (0, 0))
        row = RateRow(
            district=district,
            provider_kind=kind,
            council_rate_pence=council_rate,
            providers=providers,
            asked_rate_quartiles=quartiles(histogram),
            median_paid_pence=percentile(paid_by_cell.get((district, kind), {}), 0.5),
            payments=payments,
            national_living_wage_pence=living_wage,
            homecare_minimum_price_pence=price.hourly_rate_pence
            if price is not None and kind is ProviderKind.AGENCY
            else None,
            providers_above_council_rate=above,
            top_up_risk_percent=percent(above, providers) if above is not None else None,
            suppressed=False,
        )
        if kind is ProviderKind.PA and is_small(providers):
            row.providers = row.asked_rate_quartiles = None
            row.providers_above_council_rate = row.top_up_risk_percent = None
            row.suppressed = True
        if is_small(people):
            row.median_paid_pence = row.payments = None
            row.suppressed = True
        rows.append(row)
    return rows
