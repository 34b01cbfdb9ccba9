"""The broker's matching pages beyond a plan's own matches: why a provider is not a match, a team when
no single provider covers the schedule, and allocating several plans at once then sending the
requests the proposal suggests. Every verdict is the API's (`matchExplanation`, `teamForPlan`,
`proposeAllocation`); the pages only show it."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from broker.web.api import Result
from broker.web.brokering import SCORE_COMPONENTS
from broker.web.forms import errors_from
from broker.web.pages import ID_MAX, PAGE_ERRORS, Forbidden, checked, path_id, posted_form, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

# A mutation's refusal (FORBIDDEN) is the 403 page; INVALID input comes back to the form.
MUTATION_ERRORS = ("INVALID", "FORBIDDEN")

CONSTRAINTS = {
    "PUBLISHED": "Listing published",
    "ACCREDITED": "Checks current",
    "SERVICES": "Offers the services",
    "TRAVEL_RADIUS": "Travels that far",
    "RATE": "Rate within the budget",
    "REQUIRED_PREFERENCES": "Meets required preferences",
    "SCHEDULE": "Free at the times needed",
    "CAPACITY": "Has the hours free",
}
MAX_PLANS = 20  # the most plans one allocation form sends; the API sets its own limit
MAX_ASSIGNMENTS = 200
SEPARATOR = " "


class MatchingPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> Result:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS))

    # --- why not this provider? ----------------------------------------------------------------

    async def why_not(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        plan_id = path_id(request, "plan_id")
        provider_id = request.query_params.get("provider", "")[:ID_MAX]
        explanation = None
        if provider_id:
            result = await self._query(
                request, "WhyNotProvider", {"planId": plan_id, "providerId": provider_id}
            )
            explanation = result.data.get("matchExplanation")
            if not explanation:
                raise HTTPException(404)
        else:
            result = await self._query(request, "WhyNotChoices", {"planId": plan_id})
        plan = result.data.get("supportPlan")
        if not plan:
            raise HTTPException(404)
        errors: list[dict[str, str | None]] = []
        field_errors: dict[str, str] = {}
        if "provider" in request.query_params and not provider_id:
            message = "Select a provider to see why they are or are not a match"
            errors, field_errors = [{"field": "provider", "message": message}], {"provider": message}
        providers = (result.data.get("providers") or {}).get("nodes", [])
        return self.client.render(
            request,
            "matching_why_not.html",
            status=400 if errors else 200,
            plan=plan,
            explanation=explanation,
            provider_options=[("", "Choose a provider"), *((p["id"], p["name"]) for p in providers)],
            chosen=provider_id,
            constraints=CONSTRAINTS,
            score_components=SCORE_COMPONENTS,
            errors=errors,
            field_errors=field_errors,
            active="/caseload",
        )

    # --- a team ------------------------------------------------------------------------------

    async def team(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        result = await self._query(request, "TeamPage", {"planId": path_id(request, "plan_id")})
        plan = result.data.get("supportPlan")
        if not plan:
            raise HTTPException(404)
        return self.client.render(
            request, "matching_team.html", plan=plan, team=result.data.get("teamForPlan"), active="/caseload"
        )

    # --- allocating several plans --------------------------------------------------------------

    async def allocation(self, request: Request) -> Response:
        """GET: choose plans. POST: the proposal for the chosen plans, each assignment ready to send."""
        if redirect := sign_in_first(request):
            return redirect
        if request.method == "GET":
            return await self._choose(request, chosen=[])
        form = await posted_form(request)
        plan_ids = [str(p)[:ID_MAX] for p in form.getlist("planIds")[:MAX_PLANS]]
        if not plan_ids:
            message = "Select at least one support plan to allocate"
            return await self._choose(
                request,
                chosen=[],
                errors=[{"field": "planIds", "message": message}],
                field_errors={"planIds": message},
                status=400,
            )
        result = await self.client.run(
            request, "ProposeAllocation", {"input": {"planIds": plan_ids}}, allow_errors=MUTATION_ERRORS
        )
        refused(result)
        answer = result.data.get("proposeAllocation") or {}
        proposal = answer.get("allocation")
        if result.errors or not proposal:
            problems = result.errors or answer.get("userErrors", [])
            errors, field_errors = errors_from(problems, fields=("planIds",))
            return await self._choose(
                request, chosen=plan_ids, errors=errors, field_errors=field_errors, status=400
            )
        return self.client.render(
            request, "matching_allocation.html", proposal=proposal, separator=SEPARATOR, active="/caseload"
        )

    async def _choose(self, request: Request, *, chosen: list[str], **values: Any) -> Response:
        result = await self._query(request, "AllocationChoices", {})
        plans = result.data["supportPlans"]
        return self.client.render(
            request,
            "matching_allocation_choose.html",
            plans=plans["nodes"],
            total=plans["totalCount"],
            chosen=chosen,
            active="/caseload",
            **values,
        )

    async def send_allocation(self, request: Request) -> Response:
        """Sends one request per plan and provider for the assignments the broker kept ticked."""
        if redirect := sign_in_first(request):
            return redirect
        form = await posted_form(request)
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for value in form.getlist("assignments")[:MAX_ASSIGNMENTS]:
            parts = str(value).split(SEPARATOR)
            if len(parts) != 3 or not all(parts):
                raise HTTPException(404)
            plan_id, provider_id, need_id = (p[:ID_MAX] for p in parts)
            groups[(plan_id, provider_id)].append(need_id)
        if not groups:
            message = "Select at least one assignment to send as a request"
            result = await self._query(request, "AllocationChoices", {})
            return self.client.render(
                request,
                "matching_allocation_choose.html",
                status=400,
                plans=result.data["supportPlans"]["nodes"],
                total=result.data["supportPlans"]["totalCount"],
                chosen=[],
                errors=[{"field": None, "message": message}],
                active="/caseload",
            )
        outcomes = []
        for (plan_id, provider_id), need_ids in groups.items():
            result = await self.client.run(
                request,
                "SendAllocatedRequest",
                {"input": {"planId": plan_id, "providerId": provider_id, "needIds": need_ids}},
                allow_errors=MUTATION_ERRORS,
            )
            refused(result)
            answer = result.data.get("sendRequest") or {}
            problems = result.errors or answer.get("userErrors", [])
            label = str(form.get(f"label{SEPARATOR}{plan_id}{SEPARATOR}{provider_id}") or "")[:300]
            outcomes.append(
                {
                    "label": label or "A request",
                    "needs": len(need_ids),
                    "request": answer.get("careRequest"),
                    "problems": [str(p.get("message") or "Not sent") for p in problems],
                }
            )
        return self.client.render(
            request, "matching_allocation_sent.html", outcomes=outcomes, active="/caseload"
        )


def refused(result: Result) -> None:
    """The API would not let this user do it: the 403 page, as for a page it would not show them."""
    if "FORBIDDEN" in result.error_codes():
        raise Forbidden()


def matching_routes(client: WebClient) -> list[Route]:
    pages = MatchingPages(client)
    return [
        Route("/plans/{plan_id}/why-not", pages.why_not),
        Route("/plans/{plan_id}/team", pages.team),
        Route("/allocation", pages.allocation, methods=["GET", "POST"]),
        Route("/allocation/send", pages.send_allocation, methods=["POST"]),
    ]
