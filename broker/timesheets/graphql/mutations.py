"""`submitTimesheet`, `approveTimesheet`, `queryTimesheet`, and the two settings timesheets follow:
`setCouncilApprovesTimesheets` (the holder's choice) and `setTimesheetDeadlines` (the council's)."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated
from broker.holders.graphql import DPHolderNode
from broker.timesheets import council_approval, deciding, submitting
from broker.timesheets.deadlines import Deadlines, DeadlinesCommand, set_timesheet_deadlines
from broker.timesheets.graphql.types import TimesheetDeadlinesType, TimesheetNode
from broker.timesheets.shifts import ShiftFields
from broker.timesheets.submitting import TimesheetSubmission


@strawberry.input(description="A shift worked, in Europe/London local time; split a night shift at midnight.")
class TimesheetShiftInput:
    worked_on: date = strawberry.field(description="A day of the timesheet's week, within the agreement.")
    start: str = strawberry.field(description="24-hour time, e.g. 09:30.")
    end: str = strawberry.field(description="24-hour time after `start`; 24:00 for midnight.")
    note: str | None = strawberry.field(default=None, description="Up to 500 characters.")


@strawberry.input(description="The shifts a provider worked in one week of an agreement.")
class SubmitTimesheetInput(DecodesIds):
    agreement_id: relay.GlobalID
    week_start: date = strawberry.field(
        description="A day the agreement's weeks start on: its start date, or a multiple of 7 days after."
    )
    shifts: list[TimesheetShiftInput] = strawberry.field(
        description="1 to 56 shifts, none overlapping, none in the future, adding up to at most the "
        "agreement's weekly hours plus 10%. Submitting a week again (before it is approved) replaces them."
    )

    def to_command(self) -> dict[str, TimesheetSubmission]:
        return {
            "command": TimesheetSubmission(
                agreement_id=self.key("agreement_id", "Agreement"),
                week_start=self.week_start,
                shifts=[ShiftFields(s.worked_on, s.start, s.end, s.note) for s in self.shifts],
            )
        }


@strawberry.input(description="Approve a submitted timesheet: it becomes payable.")
class ApproveTimesheetInput(DecodesIds):
    timesheet_id: relay.GlobalID

    def to_command(self) -> dict[str, int]:
        return {"timesheet_id": self.key("timesheet_id", "Timesheet")}


@strawberry.input(description="Send a submitted timesheet back to the provider, saying why.")
class QueryTimesheetInput(DecodesIds):
    timesheet_id: relay.GlobalID
    reason: str = strawberry.field(description="What is wrong (1 to 500 characters); the provider sees it.")

    def to_command(self) -> dict[str, object]:
        return {"timesheet_id": self.key("timesheet_id", "Timesheet"), "reason": self.reason}


@strawberry.input(description="Whether the person's council approves their PAs' timesheets for them.")
class SetCouncilApprovesTimesheetsInput(DecodesIds):
    holder_id: relay.GlobalID
    council_approves: bool

    def to_command(self) -> dict[str, object]:
        return {"holder_id": self.key("holder_id", "DPHolder"), "council_approves": self.council_approves}


@strawberry.input(description="A council's days allowed for timesheets; a value not given is kept.")
class SetTimesheetDeadlinesInput(DecodesIds):
    council_id: relay.GlobalID
    submit_within_days: int | None = strawberry.field(
        default=None, description="1 to 90, after the week ends."
    )
    approve_within_days: int | None = strawberry.field(default=None, description="1 to 90, after submission.")

    def to_command(self) -> dict[str, DeadlinesCommand]:
        return {
            "command": DeadlinesCommand(
                council_id=self.key("council_id", "Council"),
                submit_within_days=self.submit_within_days,
                approve_within_days=self.approve_within_days,
            )
        }


@strawberry.type
class SubmitTimesheetPayload(MutationPayload):
    timesheet: TimesheetNode | None = None


@strawberry.type
class ApproveTimesheetPayload(MutationPayload):
    timesheet: TimesheetNode | None = None


@strawberry.type
class QueryTimesheetPayload(MutationPayload):
    timesheet: TimesheetNode | None = None


@strawberry.type
class SetCouncilApprovesTimesheetsPayload(MutationPayload):
    holder: DPHolderNode | None = None


@strawberry.type
class SetTimesheetDeadlinesPayload(MutationPayload):
    deadlines: TimesheetDeadlinesType | None = None

    @classmethod
    def present(cls, result: Deadlines) -> SetTimesheetDeadlinesPayload:
        return cls(deadlines=TimesheetDeadlinesType.from_deadlines(result))


@strawberry.type
class TimesheetMutations:
    submit_timesheet = use_case(
        SubmitTimesheetInput,
        submitting.submit_timesheet,
        SubmitTimesheetPayload,
        IsAuthenticated,
        "The provider (a PA or agency sign-in) submits the shifts worked in one week of an agreement; "
        "shifts outside the agreed slots are accepted and flagged.",
    )
    approve_timesheet = use_case(
        ApproveTimesheetInput,
        deciding.approve_timesheet,
        ApproveTimesheetPayload,
        IsAuthenticated,
        "The holder or a representative (or council staff, for a person who asked the council to) "
        "approves a submitted week; its amount due is fixed and it becomes payable.",
    )
    query_timesheet = use_case(
        QueryTimesheetInput,
        deciding.query_timesheet,
        QueryTimesheetPayload,
        IsAuthenticated,
        "The holder's side (or council staff, when asked to) sends a submitted week back with a reason.",
    )
    set_council_approves_timesheets = use_case(
        SetCouncilApprovesTimesheetsInput,
        council_approval.set_council_approves_timesheets,
        SetCouncilApprovesTimesheetsPayload,
        IsAuthenticated,
        "The person (a representative, or council staff recording their request) says whether the "
        "council approves their PAs' timesheets for them.",
    )
    set_timesheet_deadlines = use_case(
        SetTimesheetDeadlinesInput,
        set_timesheet_deadlines,
        SetTimesheetDeadlinesPayload,
        IsAuthenticated,
        "Council staff set how many days providers have to submit a week and holders to approve it.",
    )
