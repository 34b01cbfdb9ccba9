"""The broker's pages: the council's caseload of DP holders, a holder, a plan with its matches, sending
a care request to a matched provider, and the requests' statuses. Who may see them is the API's
answer (`broker.web.pages`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from broker.web import answers
from broker.web.api import Result
from broker.web.forms import errors_from
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
from broker.web.requesting import REQUEST_STATUSES, RequestForm

if TYPE_CHECKING:
    from broker.web.app import WebClient

CASELOAD_TEXT_MAX = 100  # the API's own limit: longer text would be refused, so it is cut here
CASELOAD_SORTS = (
    ("OLDEST", "Set up first"),
    ("NEWEST", "Set up most recently"),
    ("NAME", "Name, A to Z"),
    ("WEEKLY_BUDGET", "Weekly budget, largest first"),
)
SCORE_COMPONENTS = {
    "SCHEDULE_COVERAGE": "Covers the times needed",
    "DISTANCE": "Distance",
    "PREFERENCES": "Preferences met",
    "SKILLS": "Skills",
    "PRICE_HEADROOM": "Rate within the budget",
    "CAPACITY": "Hours free",
    "ACCREDITATION_FRESHNESS": "Checks recently renewed",
}


class BrokerPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> Result:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS))

    # --- caseload ------------------------------------------------------------------------------

    async def caseload(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        params = request.query_params
        holdings = cast("dict[str, str]", self.client.templates.globals["holdings"])
        after = params.get("after", "")[:ID_MAX]
        chosen = {
            "text": params.get("text", "")[:CASELOAD_TEXT_MAX].strip(),
            "heldAs": params.get("heldAs", "") if params.get("heldAs") in holdings else "",
            "sort": params.get("sort", "") if params.get("sort") in dict(CASELOAD_SORTS) else "",
        }
        holder_filter = {k: v for k, v in chosen.items() if v} or None
        result = await self.client.run(
            request,
            "Caseload",
            {"first": PAGE_SIZE, "after": after or None, "filter": holder_filter},
            allow_errors=PAGE_ERRORS,
        )
        # Only the search text is the broker's to correct; anything else wrong (a cursor) is the 404 page.
        text_errors = [e for e in result.errors if (e.get("extensions") or {}).get("field") == "filter.text"]
        if len(text_errors) < len(result.errors):
            checked(result)
        errors, field_errors = errors_from(answers.renamed(text_errors, {}), fields=("text",))
        holders = result.data.get("dpHolders") or {"nodes": [], "totalCount": 0}
        page = page_number(request)
        return self.client.render(
            request,
            "caseload.html",
            status=400 if errors else 200,
            holders=holders["nodes"],
            total=holders["totalCount"],
            chosen=chosen,
            filtered=holder_filter is not None and bool(chosen["text"] or chosen["heldAs"]),
            held_as_options=[("", "Any way"), *holdings.items()],
            sort_options=list(CASELOAD_SORTS),
            page=page,
            page_count=max(1, -(-holders["totalCount"] // PAGE_SIZE)),
            pages=page_links("/caseload", {**chosen, "after": after}, holders, page) if not errors else {},
            errors=errors,
            field_errors=field_errors,
        )

    async def holder(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        result = await self._query(request, "HolderPage", {"id": path_id(request, "holder_id")})
        holder = result.data.get("dpHolder")
        if not holder:
            raise HTTPException(404)
        return self.client.render(
            request,
            "holder.html",
            holder=holder,
            agreements=(result.data.get("agreements") or {}).get("nodes", []),
            added=request.query_params.get("added") == "1",
            active="/caseload",
        )

    async def plan(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        plan_id = path_id(request, "plan_id")
        result = await self._query(request, "PlanPage", {"id": plan_id})
        plan = result.data.get("supportPlan")
        if not plan:
            raise HTTPException(404)
        requests = (result.data.get("careRequests") or {}).get("nodes", [])
        return self.client.render(
            request,
            "plan.html",
            plan=plan,
            matches=result.data.get("matchesForPlan") or [],
            requests=requests,
            request_statuses=REQUEST_STATUSES,
            score_components=SCORE_COMPONENTS,
            activated=request.query_params.get("activated") == "1" and plan["status"] == "ACTIVE",
            active="/caseload",
        )

    # --- requests' statuses --------------------------------------------------------------------

    async def care_request(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        result = await self._query(request, "CareRequestPage", {"id": path_id(request, "request_id")})
        found = result.data.get("node") or {}
        if "status" not in found:
            raise HTTPException(404)
        return self.client.render(
            request,
            "care_request.html",
            care_request=found,
            sent=request.url.path.endswith("/sent"),
            request_statuses=REQUEST_STATUSES,
            active="/care-requests",
        )

    async def care_requests(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        status = request.query_params.get("status", "")
        status = status if status in REQUEST_STATUSES else ""
        after = request.query_params.get("after", "")[:ID_MAX]
        result = await self._query(
            request,
            "CareRequests",
            {"first": PAGE_SIZE, "after": after or None, "status": status or None},
        )
        found = result.data["careRequests"]
        page = page_number(request)
        return self.client.render(
            request,
            "care_requests.html",
            care_requests=found["nodes"],
            total=found["totalCount"],
            chosen_status=status,
            status_options=[("", "Any status"), *REQUEST_STATUSES.items()],
            request_statuses=REQUEST_STATUSES,
            page=page,
            pages=page_links("/care-requests", {"status": status, "after": after}, found, page),
        )


def broker_routes(client: WebClient) -> list[Route]:
    pages = BrokerPages(client)
    requesting = RequestForm(client, "/plans", "this plan", "/care-requests", "/caseload")
    return [
        Route("/caseload", pages.caseload),
        Route("/holders/{holder_id}", pages.holder),
        Route("/plans/{plan_id}", pages.plan),
        Route("/plans/{plan_id}/requests/new", requesting.page, methods=["GET", "POST"]),
        Route("/care-requests", pages.care_requests),
        Route("/care-requests/{request_id}", pages.care_request),
        Route("/care-requests/{request_id}/sent", pages.care_request),
    ]
