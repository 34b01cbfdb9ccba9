"""GraphQL of `marketGaps`."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import DecodesIds
from broker.api.lookahead import names_below
from broker.api.reads import read_input
from broker.market import gaps
from broker.market.bands import TimeBand
from broker.market.graphql.takeup import FIGURES_ROLES

GroupByEnum = strawberry.enum(gaps.GroupBy, name="MarketGroupBy", description="A dimension of market gaps.")
TimeBandEnum = strawberry.enum(
    TimeBand,
    name="TimeBand",
    description="Weekdays: NIGHT 22:00-06:00, EARLY_MORNING 06:00-09:00, DAYTIME 09:00-17:00, EVENING "
    "17:00-22:00; WEEKEND all of Saturday and Sunday (Europe/London).",
)


@strawberry.input(description="Which council, how to group, and the period agreements are counted in.")
class MarketGapsInput(DecodesIds):
    council_id: relay.GlobalID
    group_by: list[GroupByEnum]  # type: ignore[valid-type]
    from_: date = strawberry.field(name="from")
    to: date


@strawberry.type(description="How often, and for how many hours, one constraint left needs unmet.")
class UnmetReason:
    constraint: str
    times: int
    hours: float


@strawberry.type(description="Where a postcode district's centre is (ONS geography), for mapping.")
class DistrictCentre:
    latitude: float
    longitude: float
    town: str


@strawberry.type(description="Quartiles of hourly rates, in pence.")
class RateQuartiles:
    lower_quartile_pence: float
    median_pence: float
    upper_quartile_pence: float


@strawberry.type(
    description="One cell of market gaps. Counts of 1 to 4 people are withheld (null, `suppressed`), and "
    "so is what is derived from them."
)
class MarketGapRow:
    district: str | None
    service: str | None
    time_band: TimeBandEnum | None  # type: ignore[valid-type]
    people: int | None = strawberry.field(description="People with needs here (ACTIVE and MATCHED plans).")
    people_waiting: int | None = strawberry.field(description="People with some of these hours unmet.")
    demand_hours: float | None = strawberry.field(description="Hours a week needed.")
    agreed_hours: float | None = strawberry.field(description="Hours a week agreed in the period.")
    unmet_hours: float | None
    budgeted_rates: RateQuartiles | None = strawberry.field(description="Hourly rates budgeted in the plans.")
    median_days_to_first_agreement: float | None = strawberry.field(
        description="Median whole days from a plan becoming ACTIVE to its first agreement."
    )
    reachable_supply_hours: float | None = strawberry.field(
        description="Free weekly hours of listed providers offering the service, reaching the district, "
        "available in the band."
    )
    gap_ratio: float | None = strawberry.field(description="Unmet hours ÷ reachable supply hours.")
    asked_rates: RateQuartiles | None = strawberry.field(description="Hourly rates those providers ask.")
    top_unmet_reasons: list[UnmetReason] | None
    suppressed: bool
    waiting_plans: list[relay.GlobalID] | None = strawberry.field(
        description="Drill-down for the council's brokers and admins: the plans with hours unmet here "
        "(null for everyone else)."
    )

    @strawberry.field(description="The district's centre, when the row is grouped by district.")
    async def district_centre(self, info: Info) -> DistrictCentre | None:
        if self.district is None:
            return None
        found = await info.context.loaders.district_by_code.load(self.district)
        return (
            DistrictCentre(latitude=found.latitude, longitude=found.longitude, town=found.town)
            if found
            else None
        )

    @classmethod
    def from_row(cls, row: gaps.GapRow) -> MarketGapRow:
        q, asked = row.budgeted_rate_quartiles, row.asked_rate_quartiles
        return cls(
            district=row.district,
            service=row.service_code,
            time_band=TimeBand(row.time_band) if row.time_band else None,
            people=row.people,
            people_waiting=row.people_waiting,
            demand_hours=row.demand_hours,
            agreed_hours=row.agreed_hours,
            unmet_hours=row.unmet_hours,
            budgeted_rates=RateQuartiles(
                lower_quartile_pence=q[0], median_pence=q[1], upper_quartile_pence=q[2]
            )
            if q
            else None,
            median_days_to_first_agreement=row.median_days_to_first_agreement,
            top_unmet_reasons=None
            if row.top_unmet_reasons is None
            else [
                UnmetReason(constraint=r.constraint, times=r.times, hours=r.hours)
                for r in row.top_unmet_reasons
            ],
            reachable_supply_hours=row.reachable_supply_hours,
            gap_ratio=row.gap_ratio,
            asked_rates=RateQuartiles(
                lower_quartile_pence=asked[0], median_pence=asked[1], upper_quartile_pence=asked[2]
            )
            if asked
            else None,
            suppressed=row.suppressed,
            waiting_plans=None
            if row.waiting_plan_ids is None
            else [relay.GlobalID("SupportPlan", str(i)) for i in row.waiting_plan_ids],
        )


@strawberry.type
class GapQueries:
    @strawberry.field(
        permission_classes=[FIGURES_ROLES],
        description="Where demand outruns agreed care, by district, service and time band.",
    )
    async def market_gaps(self, info: Info, input: MarketGapsInput) -> list[MarketGapRow]:
        ctx = info.context
        rows = await read_input(
            info,
            lambda session: gaps.market_gaps(
                session,
                actor=ctx.actor,
                council_id=input.key("council_id", "Council"),
                group_by=[gaps.GroupBy(g) for g in input.group_by],
                start=input.from_,
                end=input.to,
                now=ctx.now,
                waiting_plans="waitingPlans" in names_below(info),
            ),
            writes=True,  # requests that expired unanswered are entered in the ledger first
        )
        return [MarketGapRow.from_row(r) for r in rows]
