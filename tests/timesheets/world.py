"""Amina employs Jo, a PA, ten hours a week (Mondays and Wednesdays 09:00 to 14:00, £14.50 an hour,
weeks from Monday 6 April 2026); Jo also works for Ben. Aire Payroll Bureau runs Amina's payroll
under the council's lead contract. The tests' clock is Thursday 26 November 2026, 10:00."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from strawberry.relay import to_base64

from broker.accounts.models import Council, Role, User
from broker.agreements.models import Agreement
from tests.factories import (
    make_agreement,
    make_council,
    make_holder,
    make_lead_contract,
    make_plan,
    make_provider,
    make_support_org,
    make_user,
    reload,
)

SUBMIT = """mutation($input: SubmitTimesheetInput!) { submitTimesheet(input: $input) {
  timesheet { id weekStart weekEnd status minutes hours flaggedShifts revision hourlyRate amountDue
              amountIfApproved queryReason approvedByCouncil
              shifts { workedOn start end minutes note minutesOutsideSlots outsideAgreedSlots } }
  userErrors { field message code }
} }"""

APPROVE = """mutation($input: ApproveTimesheetInput!) { approveTimesheet(input: $input) {
  timesheet { id status amountDue approvedByCouncil decidedAt }
  userErrors { field message code }
} }"""

QUERY = """mutation($input: QueryTimesheetInput!) { queryTimesheet(input: $input) {
  timesheet { id status queryReason }
  userErrors { field message code }
} }"""

TIMESHEETS = """query($filter: TimesheetFilterInput) { timesheets(first: 50, filter: $filter) {
  totalCount nodes { id weekStart status provider { id } holder { id } agreement { id } } } }"""

COUNCIL_APPROVES = """mutation($input: SetCouncilApprovesTimesheetsInput!) {
  setCouncilApprovesTimesheets(input: $input) {
    holder { id councilApprovesTimesheets } userErrors { field message code } } }"""

WEEK = date(2026, 11, 16)  # a Monday: one of the agreement's weeks, ended last Sunday
THIS_WEEK = date(2026, 11, 23)


def gid(type_name: str, row: Any) -> str:
    return to_base64(type_name, row.id)


def shift(day: str, start: str, end: str, note: str | None = None) -> dict[str, Any]:
    return {"workedOn": day, "start": start, "end": end, "note": note}


# Monday and Wednesday, as agreed: ten hours.
AS_AGREED = [shift("2026-11-16", "09:00", "14:00"), shift("2026-11-18", "09:00", "14:00")]


@dataclass
class World:
    council: Council
    broker: User
    holder: Any
    holder_user: User
    representative: User
    jo_user: User
    jo: Any
    agreement: Agreement
    ben_agreement: Agreement
    ben_user: User
    bureau_user: User
    bureau: Any

    def submit_input(self, shifts: list[dict[str, Any]], week: date = WEEK, agreement: Any = None) -> dict:
        target = agreement or self.agreement
        return {
            "input": {
                "agreementId": gid("Agreement", target),
                "weekStart": week.isoformat(),
                "shifts": shifts,
            }
        }


async def world(db) -> World:
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    representative = await make_user(db, Role.REPRESENTATIVE, council)
    holder = await make_holder(db, council, representatives=(representative,))
    holder_user = await reload(db, User, holder.user_id)
    async with db.transaction() as session:
        row = await session.get(User, holder.user_id)
        row.full_name = "Amina Hussain"
    plan = await make_plan(db, holder)
    jo_user = await make_user(db, Role.PROVIDER, council)
    jo = await make_provider(db, council, owner=jo_user, name="Jo Bloggs")
    agreement = await make_agreement(db, plan, jo, created_by=broker)
    ben = await make_holder(db, council)
    ben_user = await reload(db, User, ben.user_id)
    ben_plan = await make_plan(db, ben)
    ben_agreement = await make_agreement(db, ben_plan, jo, created_by=broker)
    bureau_user = await make_user(db, Role.PROVIDER, council)
    bureau = await make_support_org(db, council, owner=bureau_user, name="Aire Payroll Bureau")
    contract = await make_lead_contract(db, council, bureau)
    payroll_plan = await make_plan(db, holder, needs=(("PAYROLL", 1.0, 2000, ()),))
    payroll = await make_agreement(
        db, payroll_plan, bureau, created_by=broker, hours_per_week=1.0, hourly_rate_pence=2000, slots=()
    )
    async with db.transaction() as session:
        found = await session.get(Agreement, payroll.id)
        found.lead_contract_id = contract.id
    return World(
        council,
        broker,
        holder,
        holder_user,
        representative,
        jo_user,
        jo,
        agreement,
        ben_agreement,
        ben_user,
        bureau_user,
        bureau,
    )


async def submit(api, w: World, shifts=None, *, as_user=None, **more) -> dict[str, Any]:
    body = await api.data(SUBMIT, w.submit_input(shifts or AS_AGREED, **more), as_user=as_user or w.jo_user)
    return body["submitTimesheet"]


async def submitted(api, w: World, shifts=None, **more) -> str:
    answer = await submit(api, w, shifts, **more)
    assert answer["userErrors"] == [], answer["userErrors"]
    return answer["timesheet"]["id"]


async def approve(api, user, timesheet_id: str) -> dict[str, Any]:
    return (await api.data(APPROVE, {"input": {"timesheetId": timesheet_id}}, as_user=user))[
        "approveTimesheet"
    ]


async def query(api, user, timesheet_id: str, reason: str) -> dict[str, Any]:
    variables = {"input": {"timesheetId": timesheet_id, "reason": reason}}
    return (await api.data(QUERY, variables, as_user=user))["queryTimesheet"]


async def timesheets(api, user, **filters) -> dict[str, Any]:
    return (await api.data(TIMESHEETS, {"filter": filters or None}, as_user=user))["timesheets"]


__all__ = ["make_provider"]
