"""Timesheets in the browser: the provider sends the shifts worked in one week of an agreement and
reads what became of each week; the holder's side approves a week or queries it with a reason.

The API decides everything that matters (whose agreement, which weeks, which shifts are allowed,
who may decide); these pages offer the agreement's weeks, keep what was typed and put each
`userErrors` entry beside its shift row. The form has fixed rows; empty rows are not sent, so an
error about the API's `input.shifts.N` is moved back to the form row it came from.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from broker.web.api import Result
from broker.web.forms import errors_from
from broker.web.pages import (
    ID_MAX,
    PAGE_ERRORS,
    PAGE_SIZE,
    Forbidden,
    checked,
    page_links,
    page_number,
    path_id,
    payload_of,
    posted_form,
    sign_in_first,
)
from broker.web.provider_answers import own_query

if TYPE_CHECKING:
    from broker.web.app import WebClient

LONDON = ZoneInfo("Europe/London")
SHIFT_ROWS = 7
MAX_ROWS = 56  # the API's most shifts in a week
WEEKS_OFFERED = 13  # the weeks the council's late list looks at
TEXT_MAX = 1_000  # bounds the form; the API says how long a note or reason may be
TIMESHEET_STATUSES = {"SUBMITTED": "Waiting for approval", "QUERIED": "Queried", "APPROVED": "Approved"}
LATENESS = {"NOT_SUBMITTED": "Not sent by the provider", "NOT_APPROVED": "Not approved"}
LATE_SHOWN = 50
SHIFT_PATH = re.compile(r"^input\.shifts\.(\d+)((?:\.\w+)?)$")


def _today() -> date:
    return datetime.now(LONDON).date()


def agreement_weeks(agreement: dict[str, Any], today: date) -> list[date]:
    """The agreement's weeks that have started, newest first: its start date and every 7 days after,
    up to today and its end date."""
    try:
        start = date.fromisoformat(agreement["startDate"])
        end = date.fromisoformat(agreement["endDate"]) if agreement.get("endDate") else None
    except (KeyError, TypeError, ValueError):
        return []
    last = min(today, end) if end else today
    if last < start:
        return []
    newest = start + timedelta(days=(last - start).days // 7 * 7)
    return [
        newest - timedelta(days=7 * n)
        for n in range(WEEKS_OFFERED)
        if newest - timedelta(days=7 * n) >= start
    ]


def is_agreement_week(agreement: dict[str, Any], asked: str) -> date | None:
    """A week asked for in the URL or the form: one of the agreement's, within its dates (whether it
    has started is the API's to say, by its clock)."""
    try:
        week = date.fromisoformat(asked)
        start = date.fromisoformat(agreement["startDate"])
        end = date.fromisoformat(agreement["endDate"]) if agreement.get("endDate") else None
    except (KeyError, TypeError, ValueError):
        return None
    if week < start or (week - start).days % 7 or (end is not None and week > end):
        return None
    return week


def _week_label(week: date) -> str:
    return f"{week:%-d %B %Y} to {week + timedelta(days=6):%-d %B %Y}"


def _day_label(day: date) -> str:
    return f"{day:%A %-d %B}"


def _shift_rows(form: Any) -> list[dict[str, str]]:
    try:
        count = min(max(int(str(form.get("shiftRows") or SHIFT_ROWS)[:3]), SHIFT_ROWS), MAX_ROWS)
    except ValueError:
        count = SHIFT_ROWS
    return [
        {
            part: str(form.get(f"shifts-{row}-{part}") or "")[:TEXT_MAX]
            for part in ("workedOn", "start", "end", "note")
        }
        for row in range(count)
    ]


def _from_rows(
    rows: list[dict[str, str]], days: list[str]
) -> tuple[list[dict[str, Any]], list[int], list[dict[str, Any]]]:
    """The shifts to send, the form row each came from, and what the page itself must refuse (a day
    not of this week cannot even be sent as a date)."""
    shifts: list[dict[str, Any]] = []
    sent_from: list[int] = []
    problems: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not any(value.strip() for value in row.values()):
            continue
        if row["workedOn"] not in days:
            problems.append(
                {"field": f"input.shifts.{index}.workedOn", "message": "Choose the day of this shift"}
            )
            continue
        shifts.append(
            {
                "workedOn": row["workedOn"],
                "start": row["start"].strip(),
                "end": row["end"].strip(),
                "note": row["note"].strip() or None,
            }
        )
        sent_from.append(index)
    if not shifts and not problems:
        problems.append(
            {"field": "input.shifts.0.workedOn", "message": "Enter at least one shift you worked"}
        )
    return shifts, sent_from, problems


def _on_form_rows(errors: list[dict[str, Any]], sent_from: list[int]) -> list[dict[str, Any]]:
    """The API names the shift by its place among those sent; the page names the row it was typed in."""
    moved = []
    for error in errors:
        match = SHIFT_PATH.match(str(error.get("field") or ""))
        if match and int(match[1]) < len(sent_from):
            error = {**error, "field": f"input.shifts.{sent_from[int(match[1])]}{match[2]}"}
        moved.append(error)
    return moved


class TimesheetPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> Result:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS))

    # --- the provider --------------------------------------------------------------------------

    async def provider_list(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        after = request.query_params.get("after", "")[:ID_MAX]
        listing, result = await own_query(
            self.client, request, "TimesheetsOfProvider", {"first": PAGE_SIZE, "after": after or None}
        )
        found = result.data["timesheets"]
        page = page_number(request)
        return self.client.render(
            request,
            "timesheet_provider_list.html",
            listing=listing,
            timesheets=found["nodes"],
            total=found["totalCount"],
            timesheet_statuses=TIMESHEET_STATUSES,
            sent=request.query_params.get("sent", "")[:10],
            page=page,
            pages=page_links("/provider/timesheets", {"after": after}, found, page),
            active="/provider/agreements",
        )

    async def submit(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        agreement_id = path_id(request, "agreement_id")
        listing, result = await own_query(
            self.client,
            request,
            "TimesheetForm",
            {"id": agreement_id, "filter": {"agreementId": agreement_id}},
        )
        agreement = result.data.get("agreement")
        if not agreement:
            raise HTTPException(404)
        weeks = agreement_weeks(agreement, _today())
        sent = {t["weekStart"]: t for t in (result.data.get("timesheets") or {}).get("nodes", [])}
        values: dict[str, Any] = {"listing": listing, "agreement": agreement, "sent": sent}
        asked = request.query_params.get("week", "")[:10]
        form = await posted_form(request) if request.method == "POST" else None
        if form is not None:
            asked = str(form.get("weekStart") or "")[:10]
        week = is_agreement_week(agreement, asked) if asked else None
        if week is None:
            errors = [{"field": "week", "message": "Choose the week you worked"}] if asked else []
            return self.client.render(
                request,
                "timesheet_week.html",
                status=400 if asked else 200,
                week_options=[(w.isoformat(), _week_label(w)) for w in weeks],
                errors=errors,
                field_errors={e["field"]: e["message"] for e in errors},
                active="/provider/agreements",
                **values,
            )
        days = [(week + timedelta(days=n)).isoformat() for n in range(7)]
        earlier = sent.get(week.isoformat())
        if form is None:
            rows = [
                {"workedOn": s["workedOn"], "start": s["start"], "end": s["end"], "note": s["note"]}
                for s in (earlier or {}).get("shifts", [])
                if earlier and earlier["status"] != "APPROVED"
            ]
            rows += [{"workedOn": "", "start": "", "end": "", "note": ""}] * max(SHIFT_ROWS - len(rows), 0)
            return self._shift_form(request, values, week, days, rows, [])
        rows = _shift_rows(form)
        shifts, sent_from, errors = _from_rows(rows, days)
        if not errors:
            answer = await self.client.run(
                request,
                "TimesheetSubmit",
                {"input": {"agreementId": agreement_id, "weekStart": week.isoformat(), "shifts": shifts}},
                allow_errors=("INVALID",),
            )
            _, problems = payload_of(answer, "submitTimesheet")
            if not problems:
                return RedirectResponse(f"/provider/timesheets?sent={week.isoformat()}", status_code=303)
            errors = _on_form_rows(problems, sent_from)
        return self._shift_form(request, values, week, days, rows, errors, status=400)

    def _shift_form(
        self,
        request: Request,
        values: dict[str, Any],
        week: date,
        days: list[str],
        rows: list[dict[str, str]],
        errors: list[dict[str, Any]],
        status: int = 200,
    ) -> Response:
        summary, inline = errors_from(errors)
        return self.client.render(
            request,
            "timesheet_shifts.html",
            status=status,
            week=week.isoformat(),
            week_label=_week_label(week),
            day_options=[(d, _day_label(date.fromisoformat(d))) for d in days],
            rows=rows,
            errors=summary,
            field_errors=inline,
            active="/provider/agreements",
            **values,
        )

    # --- the holder's side ---------------------------------------------------------------------

    async def to_approve(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        holder_id = path_id(request, "holder_id")
        after = request.query_params.get("after", "")[:ID_MAX]
        result = await self._query(
            request,
            "TimesheetsToApprove",
            {"holderId": holder_id, "first": PAGE_SIZE, "after": after or None},
        )
        holder = result.data.get("dpHolder")
        if not holder:
            raise HTTPException(404)
        found = result.data["timesheets"]
        page = page_number(request)
        base = f"/your-care/{holder['id']}/timesheets"
        waiting = [{**t, "ifApproved": t["amountIfApproved"]} for t in found["nodes"]]
        return self.client.render(
            request,
            "timesheet_approvals.html",
            holder=holder,
            timesheets=waiting,
            total=found["totalCount"],
            decided=request.query_params.get("decided", "")[:10],
            page=page,
            pages=page_links(base, {"after": after}, found, page),
            active="/your-care",
        )

    async def decide(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        holder_id = path_id(request, "holder_id")
        timesheet_id = path_id(request, "timesheet_id")
        result = await self._query(request, "TimesheetDecision", {"id": timesheet_id, "holderId": holder_id})
        holder = result.data.get("dpHolder")
        timesheet = result.data.get("node") or {}
        if not holder or "status" not in timesheet or timesheet["holder"]["id"] != holder["id"]:
            raise HTTPException(404)
        answers = {"decision": "", "reason": ""}
        errors: list[dict[str, Any]] = []
        if request.method == "POST":
            form = await posted_form(request)
            answers = {
                "decision": str(form.get("decision") or "")[:10],
                "reason": str(form.get("reason") or "")[:TEXT_MAX],
            }
            if answers["decision"] not in ("approve", "query"):
                errors = [{"field": "decision", "message": "Select whether you approve the timesheet"}]
            elif answers["decision"] == "query" and not answers["reason"].strip():
                errors = [{"field": "reason", "message": "Enter what is wrong with the timesheet"}]
            else:
                approving = answers["decision"] == "approve"
                variables: dict[str, Any] = {"timesheetId": timesheet["id"]}
                if not approving:
                    variables["reason"] = answers["reason"].strip()
                answer = await self.client.run(
                    request,
                    "TimesheetApprove" if approving else "TimesheetQuery",
                    {"input": variables},
                    allow_errors=("INVALID",),
                )
                _, errors = payload_of(answer, "approveTimesheet" if approving else "queryTimesheet")
                if not errors:
                    decided = "approved" if approving else "queried"
                    return RedirectResponse(
                        f"/your-care/{holder['id']}/timesheets?decided={decided}", status_code=303
                    )
        summary, inline = errors_from(errors, fields=("decision", "reason"))
        return self.client.render(
            request,
            "timesheet_decision.html",
            status=400 if errors else 200,
            holder=holder,
            timesheet=timesheet,
            if_approved=timesheet["amountIfApproved"],
            timesheet_statuses=TIMESHEET_STATUSES,
            answers=answers,
            errors=summary,
            field_errors=inline,
            active="/your-care",
        )

    # --- the council's brokers -----------------------------------------------------------------

    async def late(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        # The list refuses anyone but the council's staff as PERMISSION_DENIED: the 403 page.
        result = await self.client.run(
            request, "LateTimesheets", {"first": LATE_SHOWN}, allow_errors=(*PAGE_ERRORS, "PERMISSION_DENIED")
        )
        if "PERMISSION_DENIED" in result.error_codes():
            raise Forbidden()
        checked(result)
        weeks = result.data["lateTimesheetWeeks"]
        found = {
            "deadlines": result.data["timesheetDeadlines"],
            "totalCount": weeks["totalCount"],
            "weeks": weeks["nodes"],
        }
        return self.client.render(
            request,
            "timesheet_late.html",
            late=found,
            lateness=LATENESS,
            active="/caseload",
        )


def timesheet_routes(client: WebClient) -> list[BaseRoute]:
    pages = TimesheetPages(client)
    either = ["GET", "POST"]
    return [
        Route("/provider/timesheets", pages.provider_list),
        Route("/provider/agreements/{agreement_id}/timesheet", pages.submit, methods=either),
        Route("/late-timesheets", pages.late),
        Route("/your-care/{holder_id}/timesheets", pages.to_approve),
        Route("/your-care/{holder_id}/timesheets/{timesheet_id}", pages.decide, methods=either),
    ]
