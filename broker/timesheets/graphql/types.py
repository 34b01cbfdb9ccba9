"""GraphQL types of timesheets, their shifts, late weeks and the payroll export."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.money import Pence
from broker.api.nodes import RowNode
from broker.holders.graphql import DPHolderNode
from broker.providers.graphql.types import ProviderNode
from broker.schedule import clock
from broker.timesheets.deadlines import Deadlines
from broker.timesheets.late import LateList, Lateness, LateTimesheet
from broker.timesheets.models import Timesheet, TimesheetShift, TimesheetStatus
from broker.timesheets.payroll import PayrollExport
from broker.timesheets.reading import visible_timesheets
from broker.timesheets.rules import amount_due_pence

if TYPE_CHECKING:
    from broker.agreements.graphql.types import AgreementNode

TimesheetStatusEnum = strawberry.enum(
    TimesheetStatus,
    name="TimesheetStatus",
    description="SUBMITTED waits for the holder's side (or the council, when the person asked it to); "
    "QUERIED is back with the provider, with the reason, to correct and submit again; APPROVED is final "
    "and payable.",
)
LatenessEnum = strawberry.enum(
    Lateness,
    name="TimesheetLateness",
    description="NOT_SUBMITTED: the week's timesheet (or its correction, after a query) is overdue from "
    "the provider; NOT_APPROVED: submitted, and overdue a decision from the holder's side.",
)


def global_id(type_name: str, key: int) -> str:
    return str(relay.GlobalID(type_name, str(key)))


@strawberry.type(name="TimesheetShift", description="A shift worked, Europe/London local time.")
class TimesheetShiftType:
    worked_on: date
    start: str = strawberry.field(description="24-hour time, e.g. 09:30.")
    end: str = strawberry.field(description="24-hour time; 24:00 is midnight.")
    minutes: int
    note: str
    minutes_outside_slots: int = strawberry.field(
        description="How much of the shift lies outside the agreement's weekly slots (accepted, flagged)."
    )

    @strawberry.field(description="Some of the shift lies outside the agreement's weekly slots.")
    def outside_agreed_slots(self) -> bool:
        return self.minutes_outside_slots > 0

    @classmethod
    def from_model(cls, shift: TimesheetShift) -> TimesheetShiftType:
        return cls(
            worked_on=shift.worked_on,
            start=clock(shift.start_minute),
            end=clock(shift.end_minute),
            minutes=shift.minutes,
            note=shift.note,
            minutes_outside_slots=shift.minutes_outside_slots,
        )


@strawberry.type(
    name="Timesheet",
    description="One agreement's week of shifts as the provider submitted it, and the employer's decision.",
)
class TimesheetNode(RowNode):
    id: relay.NodeID[int]
    week_start: date = strawberry.field(description="A day the agreement's weeks start on.")
    status: TimesheetStatusEnum  # type: ignore[valid-type]
    minutes: int = strawberry.field(description="Minutes worked over the week's shifts.")
    flagged_shifts: int = strawberry.field(description="Shifts partly or wholly outside the agreed slots.")
    revision: int = strawberry.field(
        description="1 for the first submission; one more for each resubmission."
    )
    query_reason: str = strawberry.field(description="Why it was queried (empty unless QUERIED).")
    submitted_at: datetime
    decided_at: datetime | None
    approved_by_council: bool = strawberry.field(
        description="Approved by council staff for a person who asked the council to manage timesheets."
    )
    model: strawberry.Private[Timesheet]

    visible = visible_timesheets

    @strawberry.field
    def week_end(self) -> date:
        return self.model.week_end

    @strawberry.field(description="Minutes / 60.")
    def hours(self) -> float:
        return self.minutes / 60

    @strawberry.field(description="The agreement's hourly rate when the week was submitted.")
    def hourly_rate(self) -> Pence:
        return Pence(self.model.hourly_rate_pence)

    @strawberry.field(
        description="Set on approval: minutes x the hourly rate, in whole pence, worked out once for the "
        "week (a half penny rounds up). Payments against the timesheet add up to at most this."
    )
    def amount_due(self) -> Pence | None:
        due = self.model.amount_due_pence
        return None if due is None else Pence(due)

    @strawberry.field(
        description="What approving the week as it stands would make due, by the same rule as "
        "`amountDue`: shown to whoever decides before they decide."
    )
    def amount_if_approved(self) -> Pence:
        return Pence(amount_due_pence(self.model.minutes, self.model.hourly_rate_pence))

    @strawberry.field(description="In the order given.")
    async def shifts(self, info: Info) -> list[TimesheetShiftType]:
        rows = await info.context.loaders.shifts_by_timesheet_id.load(self.id)
        return [TimesheetShiftType.from_model(s) for s in rows]

    @strawberry.field
    async def agreement(
        self, info: Info
    ) -> Annotated[AgreementNode, strawberry.lazy("broker.agreements.graphql.types")]:
        from broker.agreements.graphql.types import AgreementNode

        node = await AgreementNode.referred_to(info, self.model.agreement_id)
        assert node is not None
        return node

    @strawberry.field(description="Who worked the shifts.")
    async def provider(self, info: Info) -> ProviderNode:
        provider = await info.context.loaders.provider_by_id.load(self.model.provider_id)
        assert provider is not None
        return ProviderNode.from_model(provider)

    @strawberry.field(description="Who employs them.")
    async def holder(self, info: Info) -> DPHolderNode:
        holder = await info.context.loaders.dp_holder_by_id.load(self.model.holder_id)
        assert holder is not None
        return DPHolderNode.from_model(holder)


@strawberry.type(name="TimesheetDeadlines", description="A council's days allowed for timesheets.")
class TimesheetDeadlinesType:
    submit_within_days: int = strawberry.field(description="After the week ends, for the provider.")
    approve_within_days: int = strawberry.field(description="After submission, for the holder's side.")

    @classmethod
    def from_deadlines(cls, d: Deadlines) -> TimesheetDeadlinesType:
        return cls(submit_within_days=d.submit_within_days, approve_within_days=d.approve_within_days)


@strawberry.type(name="LateTimesheet", description="A week whose timesheet is overdue.")
class LateTimesheetType:
    lateness: LatenessEnum  # type: ignore[valid-type]
    week_start: date
    week_end: date
    due_on: date = strawberry.field(description="The last day it was due.")
    days_late: int
    agreement_id: strawberry.Private[int]
    timesheet_id: strawberry.Private[int | None]

    @strawberry.field
    async def agreement(
        self, info: Info
    ) -> Annotated[AgreementNode, strawberry.lazy("broker.agreements.graphql.types")]:
        from broker.agreements.graphql.types import AgreementNode

        node = await AgreementNode.referred_to(info, self.agreement_id)
        assert node is not None
        return node

    @strawberry.field(
        description="The timesheet waiting: submitted, or queried and back with the provider (null for a "
        "week never submitted)."
    )
    async def timesheet(self, info: Info) -> TimesheetNode | None:
        if self.timesheet_id is None:
            return None
        row = await info.context.loaders.timesheet_by_id.load(self.timesheet_id)
        return TimesheetNode.from_model(row) if row else None

    @classmethod
    def from_late(cls, late: LateTimesheet) -> LateTimesheetType:
        return cls(
            lateness=late.lateness,
            week_start=late.week_start,
            week_end=late.week_end,
            due_on=late.due_on,
            days_late=late.days_late,
            agreement_id=late.agreement_id,
            timesheet_id=late.timesheet_id,
        )


@strawberry.type(name="LateTimesheets", description="A council's overdue timesheets, longest overdue first.")
class LateTimesheetsType:
    deadlines: TimesheetDeadlinesType
    total_count: int
    weeks: list[LateTimesheetType] = strawberry.field(description="At most `first` of them.")

    @classmethod
    def from_list(cls, found: LateList) -> LateTimesheetsType:
        return cls(
            deadlines=TimesheetDeadlinesType.from_deadlines(found.deadlines),
            total_count=found.total,
            weeks=[LateTimesheetType.from_late(t) for t in found.late],
        )


@strawberry.type(
    name="PayrollExport", description="Approved weeks of one pay period, for the payroll provider."
)
class PayrollExportType:
    period_start: date
    period_end: date
    timesheets: int = strawberry.field(description="Rows of the CSV.")
    amount_due: Pence = strawberry.field(description="What the approved weeks add up to.")
    csv: str = strawberry.field(
        description="Header row, then one row per approved week: employer, worker, week, shifts, minutes, "
        "hours, rate and amount due in pence, when and by whom it was approved. Text cells that a "
        "spreadsheet would run as a formula start with an apostrophe."
    )

    @classmethod
    def from_export(cls, export: PayrollExport) -> PayrollExportType:
        return cls(
            period_start=export.period_start,
            period_end=export.period_end,
            timesheets=len(export.rows),
            amount_due=Pence(export.amount_due_pence),
            csv=export.csv(global_id),
        )
