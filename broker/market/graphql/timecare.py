"""GraphQL of `timeToCare`."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import DecodesIds
from broker.api.reads import read_input
from broker.market import timecare
from broker.market.graphql.takeup import FIGURES_ROLES
from broker.market.rules import SMALL_COUNT

StepEnum = strawberry.enum(
    timecare.Step,
    name="TimeToCareStep",
    description="A stretch of a person's wait: between the plan becoming ACTIVE, the first request, "
    "the first agreement becoming ACTIVE and the first succeeded payment.",
)


@strawberry.input(description="Which council, and the period in which people's waits started.")
class TimeToCareInput(DecodesIds):
    council_id: relay.GlobalID
    from_: date = strawberry.field(name="from")
    to: date


@strawberry.type(
    description="One step of the wait. Counts of 1 to 4 people are withheld (null, `suppressed`), and "
    "so are the days derived from them."
)
class TimeToCareStepRow:
    step: StepEnum  # type: ignore[valid-type]
    people: int | None = strawberry.field(description="People whose wait passed this step.")
    median_days: float | None = strawberry.field(description="Median whole days the step took.")
    percentile_90_days: float | None = strawberry.field(
        name="percentile90Days", description="90th percentile of the whole days the step took."
    )
    still_waiting: int | None = strawberry.field(
        description="People who began the step and have not ended it, their plan still open."
    )
    suppressed: bool

    @classmethod
    def from_row(cls, row: timecare.StepRow) -> TimeToCareStepRow:
        return cls(
            step=row.step,
            people=row.people,
            median_days=row.median_days,
            percentile_90_days=row.percentile_90_days,
            still_waiting=row.still_waiting,
            suppressed=row.suppressed,
        )


@strawberry.type(description="Someone waiting for care longer than the council's threshold.")
class LongWaiter:
    plan: relay.GlobalID
    holder: relay.GlobalID
    name: str
    district: str
    waiting_since: date = strawberry.field(description="The day their plan became ACTIVE.")
    days_waited: int
    request_sent: bool = strawberry.field(description="Whether any provider has been asked yet.")

    @classmethod
    def from_waiter(cls, w: timecare.LongWaiter) -> LongWaiter:
        return cls(
            plan=relay.GlobalID("SupportPlan", str(w.plan_id)),
            holder=relay.GlobalID("DPHolder", str(w.holder_id)),
            name=w.name,
            district=w.district,
            waiting_since=w.waiting_since,
            days_waited=w.days_waited,
            request_sent=w.request_sent,
        )


@strawberry.type(description="How long people of the council wait for care, step by step.")
class TimeToCare:
    council_id: relay.GlobalID
    suppressed_below: int
    long_wait_days: int = strawberry.field(description="The council's threshold for a long wait.")
    steps: list[TimeToCareStepRow]
    long_waiters_count: int | None = strawberry.field(
        description="People of the period still without an ACTIVE agreement after the threshold."
    )
    long_waiters: list[LongWaiter] | None = strawberry.field(
        description="Drill-down for the council's brokers and admins, longest first, at most "
        f"{timecare.LONG_WAITERS_SHOWN} (null for everyone else)."
    )

    @classmethod
    def from_report(cls, report: timecare.TimeToCare) -> TimeToCare:
        return cls(
            council_id=relay.GlobalID("Council", str(report.council_id)),
            suppressed_below=SMALL_COUNT,
            long_wait_days=report.long_wait_days,
            steps=[TimeToCareStepRow.from_row(s) for s in report.steps],
            long_waiters_count=report.long_waiters_count,
            long_waiters=None
            if report.long_waiters is None
            else [LongWaiter.from_waiter(w) for w in report.long_waiters],
        )


@strawberry.type
class TimeToCareQueries:
    @strawberry.field(
        permission_classes=[FIGURES_ROLES],
        description="Days from a plan becoming ACTIVE to the first request, agreement and payment.",
    )
    async def time_to_care(self, info: Info, input: TimeToCareInput) -> TimeToCare:
        ctx = info.context
        report = await read_input(
            info,
            lambda session: timecare.time_to_care(
                session,
                actor=ctx.actor,
                council_id=input.key("council_id", "Council"),
                start=input.from_,
                end=input.to,
                now=ctx.now,
            ),
        )
        return TimeToCare.from_report(report)
