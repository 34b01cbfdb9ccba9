"""The holder's money: the payments made from their direct payment, and the budget statement of a
period (allocated, committed, spent, unspent) with the forecast to the end of the DP year.

The DP year runs 1 April to 31 March, as councils audit it. The periods offered are counted from
today in London; any other month or year may be asked for in the URL, within bounds.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from broker.web.api import Result
from broker.web.pages import (
    ID_MAX,
    PAGE_ERRORS,
    PAGE_SIZE,
    checked,
    page_links,
    page_number,
    path_id,
    sign_in_first,
)

if TYPE_CHECKING:
    from broker.web.app import WebClient

LONDON = ZoneInfo("Europe/London")
HOME = "/your-care"
PERIOD = re.compile(r"^(?:(so-far)|year-(\d{4})|month-(\d{4})-(\d{2}))$")
PAYMENT_STATUSES = {
    "PENDING": "Pending",
    "PROCESSING": "Processing",
    "SUCCEEDED": "Paid",
    "FAILED": "Failed",
    "PARTIALLY_REFUNDED": "Partly refunded",
    "REFUNDED": "Refunded",
}
PAYMENT_METHODS = {
    "CARD": "Card",
    "BANK_TRANSFER": "Bank transfer",
    "PAYROLL": "Payroll",
    "PREPAID_CARD": "Pre-paid card",
}


def dp_year_start(day: date) -> date:
    """The 1 April on or before `day`: the start of its DP year."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_of(chosen: str, today: date) -> tuple[str, date, date, str]:
    """The period asked for (`so-far`, `year-2026`, `month-2026-11`) as its key, first and last day and
    name; anything else is the DP year so far."""
    found = PERIOD.match(chosen)
    start = dp_year_start(today)
    if found and found.group(2) and 2000 <= int(found.group(2)) <= 2100:
        year = int(found.group(2))
        return chosen, date(year, 4, 1), date(year + 1, 3, 31), f"1 April {year} to 31 March {year + 1}"
    if found and found.group(3) and 2000 <= int(found.group(3)) <= 2100 and 1 <= int(found.group(4)) <= 12:
        year, month = int(found.group(3)), int(found.group(4))
        first = date(year, month, 1)
        return chosen, first, _month_end(year, month), f"{first:%B %Y}"
    return "so-far", start, today, f"1 April {start.year} to today"


def period_options(today: date) -> list[tuple[str, str]]:
    """This DP year so far, each month of it to this one (newest first), this DP year and the last."""
    start = dp_year_start(today)
    months = []
    first = start
    while first <= today:
        months.append((f"month-{first:%Y-%m}", f"{first:%B %Y}"))
        first = _month_end(first.year, first.month) + timedelta(days=1)
    return [
        ("so-far", "This DP year so far"),
        *reversed(months),
        (f"year-{start.year}", f"DP year {start.year} to {start.year + 1}"),
        (f"year-{start.year - 1}", f"DP year {start.year - 1} to {start.year}"),
    ]


class HoldingMoney:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> Result:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS))

    async def payments(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        holder_id = path_id(request, "holder_id")
        after = request.query_params.get("after", "")[:ID_MAX]
        result = await self._query(
            request, "MyPayments", {"holderId": holder_id, "first": PAGE_SIZE, "after": after or None}
        )
        holder = result.data.get("dpHolder")
        if not holder:
            raise HTTPException(404)
        found = result.data["payments"]
        page = page_number(request)
        return self.client.render(
            request,
            "holder_payments.html",
            holder=holder,
            payments=found["nodes"],
            total=found["totalCount"],
            page=page,
            page_count=max(1, -(-found["totalCount"] // PAGE_SIZE)),
            pages=page_links(f"{HOME}/{holder['id']}/payments", {"after": after}, found, page),
            payment_statuses=PAYMENT_STATUSES,
            payment_methods=PAYMENT_METHODS,
            active=HOME,
        )

    async def budget_statement(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        holder_id = path_id(request, "holder_id")
        today = datetime.now(LONDON).date()
        chosen, first, last, name = period_of(request.query_params.get("period", "")[:20], today)
        result = await self._query(
            request,
            "MyBudgetStatement",
            {"holderId": holder_id, "from": first.isoformat(), "to": last.isoformat()},
        )
        statement = result.data.get("budgetStatement")
        if not statement:
            raise HTTPException(404)
        options = period_options(today)
        if chosen not in dict(options):
            options.append((chosen, name))
        return self.client.render(
            request,
            "holder_budget.html",
            statement=statement,
            holder=statement["holder"],
            period=chosen,
            period_name=name,
            period_options=options,
            active=HOME,
        )
