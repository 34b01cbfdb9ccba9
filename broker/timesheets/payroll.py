"""The payroll export: approved timesheets of one pay period for the DP support organisation that
runs payroll for the holders (the PAYROLL service, under the council's lead contract or a subcontract).

An organisation runs a holder's payroll when it has a started agreement with the holder for PAYROLL
(`Agreement.lead_contract_id` names the contract it runs under); the export holds every approved
week of that holder's care whose week starts in the period and while that agreement runs. A week
belongs to the pay period it starts in, so periods that follow one another pay each week once.
Text cells leave through `broker.hygiene.spreadsheet_cell`: a name such as `=HYPERLINK(...)` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import User
from broker.agreements.models import STARTED, Agreement, AgreementNeed
from broker.errors import ErrorCode, InvalidInput, NotFound, PermissionDenied
from broker.holders.models import DPHolder
from broker.hygiene import date_problem, spreadsheet_cell
from broker.providers.models import Provider
from broker.timesheets import access
from broker.timesheets.models import Timesheet, TimesheetStatus
from broker.timesheets.reading import shifts_by_timesheet

PAYROLL_SERVICE = "PAYROLL"
# Pay runs are weekly, fortnightly, four-weekly or monthly; a quarter is the most one export holds.
MAX_PERIOD_DAYS = 92
COLUMNS = [
    "timesheet_id",
    "employer",
    "employer_holder_id",
    "worker",
    "worker_provider_id",
    "agreement_id",
    "week_start",
    "week_end",
    "shifts",
    "shifts_outside_agreed_slots",
    "minutes",
    "hours",
    "hourly_rate_pence",
    "amount_due_pence",
    "approved_on",
    "approved_by",
]


@dataclass(frozen=True)
class PayrollRow:
    timesheet: Timesheet
    employer: str
    worker: str
    shifts: int

    def cells(self, global_id: Callable[[str, int], str]) -> list[str]:
        t = self.timesheet
        decided = t.decided_at.date().isoformat() if t.decided_at else ""
        return [
            global_id("Timesheet", t.id or 0),
            spreadsheet_cell(self.employer),
            global_id("DPHolder", t.holder_id),
            spreadsheet_cell(self.worker),
            global_id("Provider", t.provider_id),
            global_id("Agreement", t.agreement_id),
            t.week_start.isoformat(),
            t.week_end.isoformat(),
            str(self.shifts),
            str(t.flagged_shifts),
            str(t.minutes),
            f"{t.minutes / 60:.2f}",
            str(t.hourly_rate_pence),
            str(t.amount_due_pence or 0),
            decided,
            "COUNCIL" if t.approved_by_council else "HOLDER",
        ]


@dataclass(frozen=True)
class PayrollExport:
    provider: Provider
    period_start: date
    period_end: date
    rows: list[PayrollRow]

    @property
    def amount_due_pence(self) -> int:
        return sum(r.timesheet.amount_due_pence or 0 for r in self.rows)

    def csv(self, global_id: Callable[[str, int], str]) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(r.cells(global_id) for r in self.rows)
        return out.getvalue()


def check_period(start: date, end: date) -> None:
    for name, day in (("period_start", start), ("period_end", end)):
        if (problem := date_problem(day)) is not None:
            raise InvalidInput(problem, field=name, code=ErrorCode.OUT_OF_RANGE)
    if end < start:
        raise InvalidInput(
            "A pay period cannot end before it starts.", field="period_end", code=ErrorCode.OUT_OF_RANGE
        )
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"A pay period is at most {MAX_PERIOD_DAYS} days.",
            field="period_end",
            code=ErrorCode.OUT_OF_RANGE,
        )


async def payroll_export(
    session: AsyncSession, *, actor: Actor | None, provider_id: int, period_start: date, period_end: date
) -> PayrollExport:
    """Approved weeks starting in [period_start, period_end] of every holder `provider_id` runs payroll
    for, by employer, worker and week."""
    check_period(period_start, period_end)
    provider = await session.get(Provider, provider_id) if 0 < provider_id < 2**31 else None
    if provider is None:
        raise NotFound("No provider with this ID.", field="provider_id")
    if not access.may_export_payroll(actor, provider):
        raise PermissionDenied(
            "A payroll export is for the organisation that runs the payroll and its council's staff.",
            field="provider_id",
        )
    runs = await session.execute(
        select(col(Agreement.holder_id), col(Agreement.start_date), col(Agreement.end_date))
        .join(AgreementNeed, col(AgreementNeed.agreement_id) == col(Agreement.id))
        .where(
            col(Agreement.provider_id) == provider_id,
            col(Agreement.status).in_(STARTED),
            col(Agreement.lead_contract_id).is_not(None),
            col(AgreementNeed.service_code) == PAYROLL_SERVICE,
            col(Agreement.start_date) <= period_end,
        )
        .distinct()
    )
    windows: dict[int, list[tuple[date, date]]] = {}
    for holder_id, start, end in runs:
        windows.setdefault(holder_id, []).append((start, end or date.max - timedelta(days=1)))
    if not windows:
        return PayrollExport(provider, period_start, period_end, [])
    employer, worker = aliased(User), aliased(Provider)
    found = await session.execute(
        select(Timesheet, col(employer.full_name), col(worker.name))
        .join(DPHolder, col(DPHolder.id) == col(Timesheet.holder_id))
        .join(employer, col(employer.id) == col(DPHolder.user_id))
        .join(worker, col(worker.id) == col(Timesheet.provider_id))
        .where(
            col(Timesheet.holder_id).in_(windows),
            col(Timesheet.status) == TimesheetStatus.APPROVED,
            col(Timesheet.week_start) >= period_start,
            col(Timesheet.week_start) <= period_end,
        )
        .order_by(
            col(employer.full_name), col(Timesheet.holder_id), col(worker.name), col(Timesheet.week_start)
        )
    )
    rows: list[PayrollRow] = []
    sheets = [(t, e, w) for t, e, w in found if any(a <= t.week_start <= b for a, b in windows[t.holder_id])]
    shifts = await shifts_by_timesheet(session, [t.id for t, _, _ in sheets if t.id is not None])
    for t, name, pa in sheets:
        rows.append(PayrollRow(t, name or "", pa or "", len(shifts.get(t.id or 0, []))))
    return PayrollExport(provider, period_start, period_end, rows)
