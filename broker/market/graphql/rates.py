"""GraphQL of rates: `rateSufficiency`, and the settings it is judged by (`setMarketSettings`,
`setHomecareMinimumPrice`)."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated
from broker.api.reads import read_input
from broker.market import council_settings, rates
from broker.market.graphql.gaps import RateQuartiles
from broker.market.graphql.takeup import FIGURES_ROLES
from broker.market.models import HomecareMinimumPrice
from broker.providers.graphql.types import ProviderKindEnum
from broker.providers.models import ProviderKind


@strawberry.input(description="Which council's rates.")
class RateSufficiencyInput(DecodesIds):
    council_id: relay.GlobalID


@strawberry.type(
    description="Rates in one district for one kind of provider, against the council's DP rate. A count "
    "of 1 to 4 PAs, or of people paying, is withheld (null, `suppressed`) with what is derived from it."
)
class RateSufficiencyRow:
    district: str
    provider_kind: ProviderKindEnum  # type: ignore[valid-type]
    council_rate_pence: int | None = strawberry.field(
        description="The council's DP hourly rate for the kind."
    )
    providers: int | None = strawberry.field(description="Listed local providers with an asking rate.")
    asked_rates: RateQuartiles | None = strawberry.field(description="Their asking rates, in pence an hour.")
    median_paid_pence: float | None = strawberry.field(
        description="Median paid an hour (amount ÷ hours) by succeeded payments of the last year."
    )
    payments: int | None = strawberry.field(description="The succeeded payments behind the median paid.")
    national_living_wage_pence: int = strawberry.field(description="The National Living Wage in force today.")
    homecare_minimum_price_pence: int | None = strawberry.field(
        description="Agencies: the Homecare Association minimum price for an hour of homecare in force today."
    )
    council_rate_below_minimum_price: bool | None
    providers_above_council_rate: int | None
    top_up_risk_percent: float | None = strawberry.field(
        description="Share of local providers asking more than the council rate, %: those a person on the "
        "council rate could only buy from with a top-up."
    )
    suppressed: bool

    @classmethod
    def from_row(cls, row: rates.RateRow) -> RateSufficiencyRow:
        q = row.asked_rate_quartiles
        return cls(
            district=row.district,
            provider_kind=row.provider_kind,
            council_rate_pence=row.council_rate_pence,
            providers=row.providers,
            asked_rates=RateQuartiles(lower_quartile_pence=q[0], median_pence=q[1], upper_quartile_pence=q[2])
            if q
            else None,
            median_paid_pence=row.median_paid_pence,
            payments=row.payments,
            national_living_wage_pence=row.national_living_wage_pence,
            homecare_minimum_price_pence=row.homecare_minimum_price_pence,
            council_rate_below_minimum_price=row.council_rate_below_minimum_price,
            providers_above_council_rate=row.providers_above_council_rate,
            top_up_risk_percent=row.top_up_risk_percent,
            suppressed=row.suppressed,
        )


@strawberry.input(description="The council's DP hourly rate for one kind of provider.")
class DirectPaymentRateInput:
    provider_kind: ProviderKindEnum  # type: ignore[valid-type]
    hourly_rate_pence: int


@strawberry.type(
    name="DirectPaymentRate", description="The council's DP hourly rate for one kind of provider."
)
class DirectPaymentRateType:
    provider_kind: ProviderKindEnum  # type: ignore[valid-type]
    hourly_rate_pence: int


@strawberry.input(description="Change the council's market settings; what is left out is kept.")
class SetMarketSettingsInput(DecodesIds):
    council_id: relay.GlobalID
    dp_hourly_rates: list[DirectPaymentRateInput] | None = strawberry.field(
        default=None, description="PA and agency rates; a kind given replaces that kind's rate."
    )
    long_wait_days: int | None = strawberry.field(
        default=None, description="Days of waiting for care that count as long (default 28)."
    )

    def to_command(self) -> council_settings.MarketSettingsCommand:
        return council_settings.MarketSettingsCommand(
            council_id=self.key("council_id", "Council"),
            dp_hourly_rates=None
            if self.dp_hourly_rates is None
            else [
                council_settings.DirectPaymentRate(ProviderKind(r.provider_kind), r.hourly_rate_pence)
                for r in self.dp_hourly_rates
            ],
            long_wait_days=self.long_wait_days,
        )


@strawberry.type(name="MarketSettings", description="The settings a council's market reports are judged by.")
class MarketSettingsType:
    council_id: relay.GlobalID
    dp_hourly_rates: list[DirectPaymentRateType]
    long_wait_days: int

    @classmethod
    def from_settings(cls, s: council_settings.MarketSettings) -> MarketSettingsType:
        return cls(
            council_id=relay.GlobalID("Council", str(s.council_id)),
            dp_hourly_rates=[
                DirectPaymentRateType(provider_kind=kind, hourly_rate_pence=pence)
                for kind, pence in sorted(s.dp_hourly_rates.items())
            ],
            long_wait_days=s.long_wait_days,
        )


@strawberry.input(description="The Homecare Association minimum price from the day it applies.")
class SetHomecareMinimumPriceInput:
    in_force_from: date
    hourly_rate_pence: int

    def to_command(self) -> council_settings.HomecarePriceCommand:
        return council_settings.HomecarePriceCommand(self.in_force_from, self.hourly_rate_pence)


@strawberry.type(
    name="HomecareMinimumPrice", description="The Homecare Association minimum price for an hour of homecare."
)
class HomecareMinimumPriceType:
    in_force_from: date
    hourly_rate_pence: int

    @classmethod
    def from_model(cls, row: HomecareMinimumPrice) -> HomecareMinimumPriceType:
        return cls(in_force_from=row.in_force_from, hourly_rate_pence=row.hourly_rate_pence)


@strawberry.type
class SetMarketSettingsPayload(MutationPayload):
    settings: MarketSettingsType | None = None

    @classmethod
    def present(cls, found: council_settings.MarketSettings) -> SetMarketSettingsPayload:
        return cls(settings=MarketSettingsType.from_settings(found))


@strawberry.type
class SetHomecareMinimumPricePayload(MutationPayload):
    price: HomecareMinimumPriceType | None = None


@strawberry.type
class RateQueries:
    @strawberry.field(
        permission_classes=[FIGURES_ROLES],
        description="Whether the council's DP rates buy care, by district and kind of provider.",
    )
    async def rate_sufficiency(self, info: Info, input: RateSufficiencyInput) -> list[RateSufficiencyRow]:
        ctx = info.context
        rows = await read_input(
            info,
            lambda session: rates.rate_sufficiency(
                session, actor=ctx.actor, council_id=input.key("council_id", "Council"), now=ctx.now
            ),
        )
        return [RateSufficiencyRow.from_row(r) for r in rows]


@strawberry.type
class RateMutations:
    set_market_settings = use_case(
        SetMarketSettingsInput,
        council_settings.set_market_settings,
        SetMarketSettingsPayload,
        IsAuthenticated,
        "Commissioners and council admins set the council's DP rates and long-wait threshold.",
    )
    set_homecare_minimum_price = use_case(
        SetHomecareMinimumPriceInput,
        council_settings.set_homecare_minimum_price,
        SetHomecareMinimumPricePayload,
        IsAuthenticated,
        "Platform admins record the Homecare Association minimum price from the day it applies.",
    )
