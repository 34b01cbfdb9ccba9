"""A DP holder's money as the broker reads it: the budget statement over a period (allocated,
committed, spent, unspent, the year's forecast) and the council's annual audit, the whole caseload or
one person, with its CSV.

The CSV is built from the very rows the page shows, from the same GraphQL answer, so the download
never says more or other than the page; cells a spreadsheet would run as formulas are escaped.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from broker.web import answers
from broker.web.forms import errors_from
from broker.web.pages import ID_MAX, PAGE_ERRORS, checked, path_id, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

AUDIT_FLAGS = {
    "OUTSIDE_AGREEMENT": "Outside any agreement",
    "ABOVE_AGREED_RATE": "Above the agreed rate",
    "OVER_PLAN_HOURS": "More hours than the plan",
    "AFTER_AGREEMENT_ENDED": "After the agreement ended",
    "BLOCKED_CATEGORY": "Blocked card category",
    "MARKED_FOR_RECOVERY": "Marked for recovery",
}
AUDIT_COLUMNS = [
    "Person",
    "Payments",
    "Allocated (£)",
    "Spent (£)",
    "Statement spend (£)",
    "Unspent (£)",
    "Contingency (£)",
    "Statement balance (£)",
    "Recovery (£)",
    "Reclaimable (£)",
    "Flags",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
YEARS_BACK = 6


def dp_year_of(day: date) -> int:
    """The DP year (1 April to 31 March) a day falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def _pounds(pence: int | None) -> str:
    return "" if pence is None else f"{pence / 100:.2f}"


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


def audit_rows(holders: list[dict[str, Any]]) -> list[list[str]]:
    """One row a person, as the page's table and the CSV both show it."""
    rows = []
    for entry in holders:
        codes = [f["code"] for f in entry["flags"]] + [f["code"] for f in entry["statementFlags"]]
        counted = {code: codes.count(code) for code in dict.fromkeys(codes)}
        rows.append(
            [
                _cell(entry["holder"]["user"]["fullName"]),
                str(entry["payments"]),
                _pounds(entry["allocated"]),
                _pounds(entry["spent"]),
                _pounds(entry["statementSpend"]),
                _pounds(entry["unspent"]),
                _pounds(entry["contingency"]),
                _pounds(entry["statementBalance"]),
                _pounds(entry["recovery"]),
                _pounds(entry["reclaimable"]),
                "; ".join(f"{AUDIT_FLAGS.get(c, c)}: {n}" for c, n in counted.items()),
            ]
        )
    return rows


class MoneyPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def budget(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        holder_id = path_id(request, "holder_id")
        params = request.query_params
        year = dp_year_of(date.today())
        from_parts, start, from_error = answers.date_answer(params, "from", "First day")
        to_parts, end, to_error = answers.date_answer(params, "to", "Last day")
        user_errors = [
            {"field": name, "message": problem}
            for name, problem in (("from", from_error), ("to", to_error))
            if problem
        ]
        if not any(from_parts.values()):
            start, from_parts = date(year, 4, 1).isoformat(), answers.date_parts(date(year, 4, 1))
        if not any(to_parts.values()):
            end, to_parts = date(year + 1, 3, 31).isoformat(), answers.date_parts(date(year + 1, 3, 31))
        statement, payments = None, []
        if not user_errors:
            result = await self.client.run(
                request,
                "BudgetStatementPage",
                {"holderId": holder_id, "from": start, "to": end},
                allow_errors=(*PAGE_ERRORS, "OUT_OF_RANGE"),
            )
            # A bad period is the person's to correct; anything else wrong (an ID) is the 404 page.
            period_errors = [
                e for e in result.errors if (e.get("extensions") or {}).get("field") in ("from", "to")
            ]
            if len(period_errors) < len(result.errors):
                checked(result)
            statement = result.data.get("budgetStatement")
            if statement is None and not result.errors:
                raise HTTPException(404)
            user_errors = period_errors
            payments = (result.data.get("payments") or {}).get("nodes", [])
        errors, field_errors = errors_from(user_errors, fields=("from", "to"))
        if statement is None and not errors:
            raise HTTPException(404)
        return self.client.render(
            request,
            "money_budget.html",
            holder_id=holder_id,
            statement=statement,
            payments=payments,
            from_parts=from_parts,
            to_parts=to_parts,
            errors=errors,
            field_errors=field_errors,
            status=400 if errors else 200,
            active="/caseload",
        )

    async def audit(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        params = request.query_params
        this_year = dp_year_of(date.today())
        years = list(range(this_year, this_year - YEARS_BACK, -1))
        raw_year = params.get("year", "")[:4]
        year = int(raw_year) if raw_year.isdigit() and int(raw_year) in years else this_year
        holder_id = params.get("holder", "")[:ID_MAX]
        result = checked(
            await self.client.run(request, "AnnualAuditPage", {"year": year}, allow_errors=PAGE_ERRORS)
        )
        audit = result.data["annualAudit"]
        holders = audit["holders"]
        person = None
        if holder_id:
            holders = [h for h in holders if h["holder"]["id"] == holder_id]
            if not holders:
                raise HTTPException(404)
            person = holders[0]["holder"]
        rows = audit_rows(holders)
        if request.url.path.endswith(".csv"):
            return _csv(f"dp-audit-{year}-{year + 1}{'-one-person' if person else ''}.csv", rows)
        query = f"year={year}" + (f"&holder={holder_id}" if person else "")
        return self.client.render(
            request,
            "money_audit.html",
            audit=audit,
            entries=list(zip(holders, rows, strict=True)),
            person=person,
            year=year,
            year_options=[(str(y), f"1 April {y} to 31 March {y + 1}") for y in years],
            csv_link=f"/audit.csv?{query}",
            audit_flags=AUDIT_FLAGS,
            active="/audit",
        )


def _csv(filename: str, rows: list[list[str]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    writer.writerows(rows)
    return PlainTextResponse(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def money_routes(client: WebClient) -> list[Route]:
    pages = MoneyPages(client)
    return [
        Route("/holders/{holder_id}/budget", pages.budget),
        Route("/audit", pages.audit),
        Route("/audit.csv", pages.audit),
    ]
