"""GraphQL of `workforce`."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import DecodesIds
from broker.api.reads import read_input
from broker.market import workforce
from broker.market.graphql.takeup import FIGURES_ROLES
from broker.market.rules import SMALL_COUNT
from broker.providers.graphql.types import ProviderKindEnum


@strawberry.input(description="Which council, and the months from `from`'s to `to`'s.")
class WorkforceInput(DecodesIds):
    council_id: relay.GlobalID
    from_: date = strawberry.field(name="from")
    to: date


@strawberry.type(
    description="A district's accredited PAs or agencies in a month (or the whole period). Counts of 1 to "
    "4 PAs are withheld (null, `suppressed`), and so is a turnover derived from them."
)
class WorkforceRow:
    month: date | None = strawberry.field(description="The month's first day; null for the whole period.")
    district: str
    provider_kind: ProviderKindEnum  # type: ignore[valid-type]
    listed: int | None = strawberry.field(description="In post (published and accredited) on the last day.")
    joiners: int | None = strawberry.field(
        description="In post at the end, not at the end of the month before."
    )
    leavers: int | None = strawberry.field(
        description="In post at the end of the month before, not at the end."
    )
    turnover_percent: float | None = strawberry.field(description="Leavers ÷ listed, % (Skills for Care).")
    suppressed: bool

    @classmethod
    def from_row(cls, row: workforce.WorkforceRow) -> WorkforceRow:
        return cls(**vars(row))


@strawberry.type(description="The council's accredited PAs and agencies, joiners, leavers and turnover.")
class Workforce:
    council_id: relay.GlobalID
    suppressed_below: int
    months: list[WorkforceRow]
    period: list[WorkforceRow] = strawberry.field(
        description="Each district and kind over the whole period: joiners and leavers of all its months, "
        "in post at its end."
    )

    @classmethod
    def from_report(cls, report: workforce.Workforce) -> Workforce:
        return cls(
            council_id=relay.GlobalID("Council", str(report.council_id)),
            suppressed_below=SMALL_COUNT,
            months=[WorkforceRow.from_row(r) for r in report.months],
            period=[WorkforceRow.from_row(r) for r in report.period],
        )


@strawberry.type
class WorkforceQueries:
    @strawberry.field(
        permission_classes=[FIGURES_ROLES],
        description="Accredited PAs and agencies by district each month: joiners, leavers, turnover.",
    )
    async def workforce(self, info: Info, input: WorkforceInput) -> Workforce:
        report = await read_input(
            info,
            lambda session: workforce.workforce(
                session,
                actor=info.context.actor,
                council_id=input.key("council_id", "Council"),
                start=input.from_,
                end=input.to,
            ),
        )
        return Workforce.from_report(report)
