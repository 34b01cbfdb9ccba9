"""The DP holder's own pages (and their representative's, who acts with them): their home, a support
plan read-only with its matches, sending a care request to a match, and following it.

Whose plan and whose direct payment a page shows is the API's answer, never the page's: `dpHolder`
without an ID is the signed-in holder's own (or the one person a representative acts for); any other
ID the API does not show them is the 404 page. Money pages are in `holding_money`, the choices the
person makes (how the payment is held, their DP support provider) in `holding_choices`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from broker.web import session
from broker.web.api import Result
from broker.web.holding_choices import HoldingChoices
from broker.web.holding_money import HoldingMoney
from broker.web.pages import ID_MAX, PAGE_ERRORS, checked, path_id, sign_in_first
from broker.web.requesting import REQUEST_STATUSES, RequestForm

if TYPE_CHECKING:
    from broker.web.app import WebClient

HOME = "/your-care"
HOLDER_SIDE = ("DP_HOLDER", "REPRESENTATIVE")


class HoldingPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> Result:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS))

    # --- home ----------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        asked = request.path_params.get("holder_id")
        holder_id = str(asked)[:ID_MAX] if asked is not None else None
        result = await self._query(request, "MyHome", {"holderId": holder_id})
        holder = result.data.get("dpHolder")
        if not holder and holder_id is None:
            return await self._people(request)
        if not holder:
            raise HTTPException(404)
        mine = [
            a
            for a in (result.data.get("agreements") or {}).get("nodes", [])
            if (a.get("holder") or {}).get("id") == holder["id"]
        ]
        requests = [
            r
            for r in (result.data.get("careRequests") or {}).get("nodes", [])
            if (r.get("holder") or {}).get("id") == holder["id"]
        ]
        viewer = session.viewer(request)
        return self.client.render(
            request,
            "holder_home.html",
            holder=holder,
            agreements=mine,
            care_requests=requests,
            request_statuses=REQUEST_STATUSES,
            representing=viewer is not None and viewer.role == "REPRESENTATIVE",
            changed=request.query_params.get("changed") == "held",
            active=HOME,
        )

    async def _people(self, request: Request) -> Response:
        """A representative who acts for several people chooses whose care to see; anyone else who is
        not a DP holder has no home here."""
        result = await self._query(request, "MyPeople", {})
        role = (result.data.get("viewer") or {}).get("role")
        if role not in HOLDER_SIDE:
            raise HTTPException(404)
        people: dict[str, str] = {}
        for plan in (result.data.get("supportPlans") or {}).get("nodes", []):
            people.setdefault(plan["holder"]["id"], plan["holder"]["user"]["fullName"])
        return self.client.render(request, "holder_people.html", people=people, active=HOME)

    # --- a plan, read-only, with its matches ---------------------------------------------------

    async def plan(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        plan_id = path_id(request, "plan_id")
        result = await self._query(request, "MyPlan", {"id": plan_id})
        plan = result.data.get("supportPlan")
        if not plan:
            raise HTTPException(404)
        sent = (result.data.get("careRequests") or {}).get("nodes", [])
        return self.client.render(
            request,
            "holder_plan.html",
            plan=plan,
            matches=result.data.get("matchesForPlan") or [],
            requests=[r for r in sent if r["planId"] == plan_id],
            request_statuses=REQUEST_STATUSES,
            active=HOME,
        )

    async def care_request(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        result = await self._query(request, "MyCareRequest", {"id": path_id(request, "request_id")})
        found = result.data.get("node") or {}
        if "status" not in found:
            raise HTTPException(404)
        return self.client.render(
            request,
            "holder_care_request.html",
            care_request=found,
            sent=request.url.path.endswith("/sent"),
            request_statuses=REQUEST_STATUSES,
            active=HOME,
        )


def holding_routes(client: WebClient) -> list[Route]:
    pages, money, choices = HoldingPages(client), HoldingMoney(client), HoldingChoices(client)
    requesting = RequestForm(client, f"{HOME}/plans", "your plan", f"{HOME}/requests", HOME)
    either = ["GET", "POST"]
    return [
        Route(HOME, pages.home),
        Route(f"{HOME}/plans/{{plan_id}}", pages.plan),
        Route(f"{HOME}/plans/{{plan_id}}/requests/new", requesting.page, methods=either),
        Route(f"{HOME}/requests/{{request_id}}", pages.care_request),
        Route(f"{HOME}/requests/{{request_id}}/sent", pages.care_request),
        Route(f"{HOME}/{{holder_id}}", pages.home),
        Route(f"{HOME}/{{holder_id}}/payments", money.payments),
        Route(f"{HOME}/{{holder_id}}/budget-statement", money.budget_statement),
        Route(f"{HOME}/{{holder_id}}/how-it-is-held", choices.holding, methods=either),
        Route(f"{HOME}/{{holder_id}}/support", choices.support, methods=either),
        Route(f"{HOME}/{{holder_id}}/support/services", choices.support_services, methods=either),
        Route(f"{HOME}/{{holder_id}}/support/referrals/{{referral_id}}", choices.referral),
    ]
