"""GraphQL of take-up: `recordDirectPayment`, `recordCouncilFigures`, `setTakeUpTarget`, `dpTakeUp`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay

from broker.accounts.models import Role
from broker.api.context import Info
from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated, has_role
from broker.api.relay import decode_id
from broker.market import figures, takeup
from broker.market.models import AgeBand, CouncilFigures, DirectPayment, TakeUpTarget

AgeBandEnum = strawberry.enum(AgeBand, name="AgeBand", description="The ASCOF 3D2a age split.")


@strawberry.type(
    name="DirectPayment", description="A holder's direct payment: when it runs and their age band."
)
class DirectPaymentType:
    holder_id: relay.GlobalID
    start_date: date
    end_date: date | None = strawberry.field(description="The DP's last day, if it has ended.")
    end_reason: str
    age_band: AgeBandEnum  # type: ignore[valid-type]

    @classmethod
    def from_model(cls, row: DirectPayment) -> DirectPaymentType:
        return cls(
            holder_id=relay.GlobalID("DPHolder", str(row.holder_id)),
            start_date=row.start_date,
            end_date=row.end_date,
            end_reason=row.end_reason,
            age_band=row.age_band,
        )


@strawberry.type(description="A council's own figures for one month, from its case system.")
class CouncilFiguresType:
    council_id: relay.GlobalID
    month: date
    people_on_long_term_community_support: int
    people_on_long_term_community_support_18_to_64: int | None
    people_on_long_term_community_support_65_plus: int | None
    people_on_direct_payments: int | None

    @classmethod
    def from_model(cls, row: CouncilFigures) -> CouncilFiguresType:
        return cls(
            council_id=relay.GlobalID("Council", str(row.council_id)),
            month=row.month,
            people_on_long_term_community_support=row.people_on_long_term_community_support,
            people_on_long_term_community_support_18_to_64=row.people_on_long_term_community_support_18_to_64,
            people_on_long_term_community_support_65_plus=row.people_on_long_term_community_support_65_plus,
            people_on_direct_payments=row.people_on_direct_payments,
        )


@strawberry.type(description="The council's DP take-up target.")
class TakeUpTargetType:
    council_id: relay.GlobalID
    target_rate_percent: float
    by_date: date
    planned_new_per_year: int

    @classmethod
    def from_model(cls, row: TakeUpTarget) -> TakeUpTargetType:
        return cls(
            council_id=relay.GlobalID("Council", str(row.council_id)),
            target_rate_percent=row.target_basis_points / 100,
            by_date=row.by_date,
            planned_new_per_year=row.planned_new_per_year,
        )


@strawberry.input(description="Set a holder's direct payment; recording it again replaces it.")
class RecordDirectPaymentInput(DecodesIds):
    holder_id: relay.GlobalID
    start_date: date = strawberry.field(description="The DP's first day.")
    age_band: AgeBandEnum  # type: ignore[valid-type]
    end_date: date | None = strawberry.field(default=None, description="The DP's last day, if it has ended.")
    end_reason: str = strawberry.field(default="", description="Why it ended; required with an end date.")

    def to_command(self) -> figures.DirectPaymentCommand:
        return figures.DirectPaymentCommand(
            holder_id=self.key("holder_id", "DPHolder"),
            start_date=self.start_date,
            age_band=AgeBand(self.age_band),
            end_date=self.end_date,
            end_reason=self.end_reason,
        )


@strawberry.input(description="A council's figures for one month (recording a month again corrects it).")
class RecordCouncilFiguresInput(DecodesIds):
    council_id: relay.GlobalID
    month: date = strawberry.field(description="The first day of the month, e.g. 2026-04-01.")
    people_on_long_term_community_support: int = strawberry.field(
        description="People aged 18+ receiving long-term community support (the ASCOF 3D2a denominator)."
    )
    people_on_long_term_community_support_18_to_64: int | None = None
    people_on_long_term_community_support_65_plus: int | None = None
    people_on_direct_payments: int | None = strawberry.field(
        default=None,
        description="The council's own count of people on DPs: the official figure, shown beside ours.",
    )

    def to_command(self) -> figures.CouncilFiguresCommand:
        return figures.CouncilFiguresCommand(
            council_id=self.key("council_id", "Council"),
            month=self.month,
            people_on_long_term_community_support=self.people_on_long_term_community_support,
            people_on_long_term_community_support_18_to_64=self.people_on_long_term_community_support_18_to_64,
            people_on_long_term_community_support_65_plus=self.people_on_long_term_community_support_65_plus,
            people_on_direct_payments=self.people_on_direct_payments,
        )


@strawberry.input(
    description="The council's take-up target: a rate by a date, and the new DPs a year planned."
)
class SetTakeUpTargetInput(DecodesIds):
    council_id: relay.GlobalID
    target_rate_percent: float = strawberry.field(description="E.g. 16.6; at most two decimal places.")
    by_date: date
    planned_new_per_year: int

    def to_command(self) -> figures.TakeUpTargetCommand:
        return figures.TakeUpTargetCommand(
            council_id=self.key("council_id", "Council"),
            target_rate_percent=self.target_rate_percent,
            by_date=self.by_date,
            planned_new_per_year=self.planned_new_per_year,
        )


@strawberry.type
class RecordDirectPaymentPayload(MutationPayload):
    direct_payment: DirectPaymentType | None = None


@strawberry.type
class RecordCouncilFiguresPayload(MutationPayload):
    figures: CouncilFiguresType | None = None


@strawberry.type
class SetTakeUpTargetPayload(MutationPayload):
    target: TakeUpTargetType | None = None


@strawberry.type(
    description="One month of DP take-up (snapshot: the month's last day). Counts of 1 to 4 "
    "people are withheld (null, with `suppressed`), and so are rates built on them."
)
class TakeUpMonthType:
    month: date
    rate_percent: float | None = strawberry.field(
        description="People on DPs ÷ people on long-term community support, %, one decimal, half up."
    )
    people_on_direct_payments: int | None = strawberry.field(
        description="The official count: the council's own where recorded, else ours."
    )
    people_on_direct_payments_here: int | None = strawberry.field(description="DPs in force here on the day.")
    council_people_on_direct_payments: int | None
    difference: int | None = strawberry.field(description="The council's count less ours.")
    people_on_long_term_community_support: int | None
    new_direct_payments: int | None
    ended_direct_payments: int | None
    rate_percent_18_to_64: float | None
    people_on_direct_payments_here_18_to_64: int | None
    people_on_long_term_community_support_18_to_64: int | None
    new_direct_payments_18_to_64: int | None
    ended_direct_payments_18_to_64: int | None
    rate_percent_65_plus: float | None
    people_on_direct_payments_here_65_plus: int | None
    people_on_long_term_community_support_65_plus: int | None
    new_direct_payments_65_plus: int | None
    ended_direct_payments_65_plus: int | None
    suppressed: bool

    @classmethod
    def from_row(cls, row: takeup.TakeUpRow) -> TakeUpMonthType:
        return cls(**vars(row))


@strawberry.type(description="Where the council stands against its take-up target.")
class TakeUpTargetPosition:
    rate_percent: float
    by_date: date
    planned_new_per_year: int
    latest_month: date | None = strawberry.field(description="The latest month with a recorded denominator.")
    net_new_needed: int | None = strawberry.field(
        description="The rise in people on DPs that reaches the target rate at the latest denominator."
    )
    new_per_month: int = strawberry.field(description="Planned new DPs a year ÷ 12, rounded up.")
    implied_ended_per_year: int | None = strawberry.field(
        description="DPs that may end a year if the planned new ones are to reach the target by the date."
    )
    projected_rate_percent: float | None = strawberry.field(
        description="The rate at `byDate` if the last 12 months' new and ended DPs a month continue."
    )
    on_track: bool | None
    observed_new_last_year: int | None = strawberry.field(description="New DPs here in the last 12 months.")
    observed_ended_last_year: int | None

    @classmethod
    def from_position(cls, p: takeup.TargetPosition) -> TakeUpTargetPosition:
        return cls(
            rate_percent=p.rate_percent,
            by_date=p.target.by_date,
            planned_new_per_year=p.target.planned_new_per_year,
            latest_month=p.latest_month,
            net_new_needed=p.net_new_needed,
            new_per_month=p.new_per_month,
            implied_ended_per_year=p.implied_ended_per_year,
            projected_rate_percent=p.projected_rate_percent,
            on_track=p.on_track,
            observed_new_last_year=p.observed_new_last_year,
            observed_ended_last_year=p.observed_ended_last_year,
        )


@strawberry.type(description="ASCOF 3D2a: DP take-up month by month, against the council's target.")
class DpTakeUp:
    council_id: relay.GlobalID
    suppressed_below: int
    months: list[TakeUpMonthType]
    target: TakeUpTargetPosition | None

    @classmethod
    def from_report(cls, report: takeup.TakeUp) -> DpTakeUp:
        from broker.market.rules import SMALL_COUNT

        return cls(
            council_id=relay.GlobalID("Council", str(report.council_id)),
            suppressed_below=SMALL_COUNT,
            months=[TakeUpMonthType.from_row(takeup.report_row(m)) for m in report.months],
            target=TakeUpTargetPosition.from_position(report.target) if report.target else None,
        )


FIGURES_ROLES = has_role(Role.BROKER, Role.ADMIN, Role.COMMISSIONER)


@strawberry.type
class TakeUpQueries:
    @strawberry.field(
        permission_classes=[FIGURES_ROLES],
        description="DP take-up (ASCOF 3D2a) a month, from `from`'s month to `to`'s, and the target.",
    )
    async def dp_take_up(
        self,
        info: Info,
        council_id: relay.GlobalID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> DpTakeUp:
        council = decode_id(council_id, "Council", field="council_id")
        async with info.context.db.session() as session:
            report = await takeup.dp_take_up(
                session, actor=info.context.actor, council_id=council, start=from_, end=to
            )
        return DpTakeUp.from_report(report)


@strawberry.type
class TakeUpMutations:
    record_direct_payment = use_case(
        RecordDirectPaymentInput,
        figures.record_direct_payment,
        RecordDirectPaymentPayload,
        IsAuthenticated,
        "Council staff set a holder's DP.",
    )
    record_council_figures = use_case(
        RecordCouncilFiguresInput,
        figures.record_council_figures,
        RecordCouncilFiguresPayload,
        IsAuthenticated,
        "Commissioners and council admins record a month's figures from the case system.",
    )
    set_take_up_target = use_case(
        SetTakeUpTargetInput,
        figures.set_take_up_target,
        SetTakeUpTargetPayload,
        IsAuthenticated,
        "Commissioners and council admins set the take-up target.",
    )
