"""`timesheets`, `lateTimesheetWeeks` (and the deprecated `lateTimesheets`), `timesheetDeadlines` and
`payrollExport`."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import FilterInput
from broker.api.permissions import IsAuthenticated
from broker.api.relay import Connection, decode_id, paged
from broker.errors import InvalidInput
from broker.timesheets.deadlines import council_deadlines
from broker.timesheets.graphql.types import (
    LateTimesheetsType,
    LateTimesheetType,
    PayrollExportType,
    TimesheetDeadlinesType,
    TimesheetNode,
    TimesheetStatusEnum,
)
from broker.timesheets.late import late_timesheets, late_weeks
from broker.timesheets.payroll import payroll_export
from broker.timesheets.reading import TimesheetFilter, list_timesheets

LATE_PAGE_MAX = 500


@strawberry.input(description="Narrow the timesheets; every filter given must hold.")
class TimesheetFilterInput(FilterInput):
    agreement_id: relay.GlobalID | None = None
    holder_id: relay.GlobalID | None = None
    provider_id: relay.GlobalID | None = None
    status: TimesheetStatusEnum | None = None  # type: ignore[valid-type]
    week_from: date | None = strawberry.field(default=None, description="Weeks starting on or after.")
    week_to: date | None = strawberry.field(default=None, description="Weeks starting on or before.")

    def to_domain(self) -> TimesheetFilter:
        return TimesheetFilter(
            agreement_id=self.optional_key("agreement_id", "Agreement"),
            holder_id=self.optional_key("holder_id", "DPHolder"),
            provider_id=self.optional_key("provider_id", "Provider"),
            status=self.status,
            week_from=self.week_from,
            week_to=self.week_to,
        )


def _council(council_id: relay.GlobalID | None, own: int | None) -> int:
    council = decode_id(council_id, "Council", field="council_id") if council_id else own
    if council is None:
        raise InvalidInput("Choose the council.", field="council_id")
    return council


@strawberry.type
class TimesheetQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Timesheets you may see: your own (providers), your PAs' (holders and representatives), "
        "your council's (brokers, admins). Latest week first.",
    )
    async def timesheets(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: TimesheetFilterInput | None = None,
    ) -> Connection[TimesheetNode]:
        filters = filter.to_domain() if filter else TimesheetFilter()
        return await paged(
            info,
            first,
            after,
            lambda session, page: list_timesheets(
                session, actor=info.context.actor, filters=filters, limit=page.limit, offset=page.offset
            ),
            TimesheetNode.from_model,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Weeks of the council's started care agreements, over each agreement's whole life, "
        "whose timesheet was not submitted, or not approved, within the council's deadlines "
        "(`timesheetDeadlines`); for its brokers and admins. Longest overdue first. `councilId` defaults "
        "to your own council.",
    )
    async def late_timesheet_weeks(
        self,
        info: Info,
        council_id: relay.GlobalID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LateTimesheetType]:
        ctx = info.context
        actor = ctx.signed_in
        council = _council(council_id, actor.council_id)
        return await paged(
            info,
            first,
            after,
            lambda session, page: late_weeks(
                session,
                actor=actor,
                council_id=council,
                today=ctx.today,
                limit=page.limit,
                offset=page.offset,
            ),
            LateTimesheetType.from_late,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="A council's days allowed to submit and approve timesheets (`setTimesheetDeadlines`), "
        "for its brokers and admins. `councilId` defaults to your own council.",
    )
    async def timesheet_deadlines(
        self, info: Info, council_id: relay.GlobalID | None = None
    ) -> TimesheetDeadlinesType:
        ctx = info.context
        actor = ctx.signed_in
        council = _council(council_id, actor.council_id)
        async with ctx.db.session() as session:
            found = await council_deadlines(session, actor=actor, council_id=council)
        return TimesheetDeadlinesType.from_deadlines(found)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The first `first` late weeks and the deadlines, as one capped list.",
        deprecation_reason="A capped list, not a connection: use `lateTimesheetWeeks` (pages with "
        "`first`/`after`, `totalCount`) and `timesheetDeadlines`.",
    )
    async def late_timesheets(
        self, info: Info, council_id: relay.GlobalID | None = None, first: int = 100
    ) -> LateTimesheetsType:
        ctx = info.context
        actor = ctx.signed_in
        council = _council(council_id, actor.council_id)
        if not 0 <= first <= LATE_PAGE_MAX:
            raise InvalidInput(f"`first` is 0 to {LATE_PAGE_MAX}.", field="first")
        async with ctx.db.session() as session:
            found = await late_timesheets(
                session, actor=actor, council_id=council, today=ctx.today, first=first
            )
        return LateTimesheetsType.from_list(found)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Approved timesheets of one pay period, as CSV, for the DP support organisation that "
        "runs payroll for the holders (its own sign-in, its council's staff). A week belongs to the period "
        "it starts in. `broker export payroll` writes the same file.",
    )
    async def payroll_export(
        self, info: Info, provider_id: relay.GlobalID, period_start: date, period_end: date
    ) -> PayrollExportType:
        ctx = info.context
        async with ctx.db.session() as session:
            export = await payroll_export(
                session,
                actor=ctx.actor,
                provider_id=decode_id(provider_id, "Provider", field="provider_id"),
                period_start=period_start,
                period_end=period_end,
            )
        return PayrollExportType.from_export(export)
