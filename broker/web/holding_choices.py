"""The choices that are the person's own: how their direct payment is held, and which organisation
gives them DP support (payroll, a managed account, audit...).

Both are the API's rules: `updateDpHolder` lets the holder and their representatives change `heldAs`
and nothing else; `chooseSupportProvider` works out the route (the council's lead provider directly,
another organisation under a subcontract, or a subcontract proposed first) and says what happens
next. These pages ask one thing each and show the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from broker.web.api import Result
from broker.web.forms import errors_from
from broker.web.pages import ID_MAX, PAGE_ERRORS, checked, path_id, posted_form, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

HOME = "/your-care"
DP_SUPPORT = "DP_SUPPORT"
# Every way the API holds a DP (`DPHolding`), with what it means for the person.
HOLDING_HINTS = {
    "PREPAID_CARD": "The council pays the money onto a card in your name; some shops may decline it.",
    "BANK_ACCOUNT": "The money goes into a bank account you open only for your direct payment.",
    "MANAGED_ACCOUNT": "An organisation holds the money for you and pays for your support as you tell them.",
    "INDIVIDUAL_SERVICE_FUND": "A care provider holds your budget and arranges your support as you direct.",
}
REFERRAL_STATUSES = {
    "WAITING_FOR_SUBCONTRACT": "Waiting for the organisations to agree",
    "SUBCONTRACT_DECLINED": "Not possible",
    "SENT": "Sent",
    "ACCEPTED": "Accepted",
    "DECLINED": "Declined",
}
REFERRAL_COLOURS = {
    "WAITING_FOR_SUBCONTRACT": "yellow",
    "SUBCONTRACT_DECLINED": "red",
    "SENT": "blue",
    "ACCEPTED": "green",
    "DECLINED": "red",
}


class HoldingChoices:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> Result:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS))

    # --- how the payment is held ---------------------------------------------------------------

    async def holding(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        holder_id = path_id(request, "holder_id")
        result = await self._query(request, "MyHolding", {"holderId": holder_id})
        holder = result.data.get("dpHolder")
        if not holder:
            raise HTTPException(404)
        if request.method == "GET":
            return self._holding_page(request, holder, holder["heldAs"])
        form = await posted_form(request)
        chosen = str(form.get("heldAs") or "")[:40]
        if chosen not in HOLDING_HINTS:
            message = "Select how you want your direct payment to be held"
            return self._holding_page(request, holder, chosen, [{"field": "heldAs", "message": message}])
        if chosen == holder["heldAs"]:
            return RedirectResponse(f"{HOME}/{holder['id']}", status_code=303)
        result = await self.client.run(
            request,
            "HolderChangeHolding",
            {"input": {"id": holder["id"], "heldAs": chosen}},
            allow_errors=PAGE_ERRORS,
        )
        if "FORBIDDEN" in result.error_codes():
            checked(result)
        answer = result.data.get("updateDpHolder") or {}
        errors = result.errors or answer.get("userErrors", [])
        if not errors:
            return RedirectResponse(f"{HOME}/{holder['id']}?changed=held", status_code=303)
        return self._holding_page(request, holder, chosen, errors)

    def _holding_page(
        self,
        request: Request,
        holder: dict[str, Any],
        chosen: str,
        user_errors: list[dict[str, Any]] | None = None,
    ) -> Response:
        errors, field_errors = errors_from(user_errors or [], fields=("heldAs",))
        return self.client.render(
            request,
            "holder_holding.html",
            holder=holder,
            chosen=chosen,
            hints=HOLDING_HINTS,
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active=HOME,
        )

    # --- choosing a DP support provider --------------------------------------------------------

    async def _support_data(self, request: Request) -> tuple[dict[str, Any], list[dict[str, Any]], list[Any]]:
        """The holder, their referrals so far, and their council's DP support organisations."""
        result = await self._query(request, "MySupport", {"holderId": path_id(request, "holder_id")})
        holder = result.data.get("dpHolder")
        if not holder:
            raise HTTPException(404)
        referrals = (result.data.get("supportReferrals") or {}).get("nodes", [])
        listed = await self._query(request, "MySupportProviders", {"council": holder["council"]["id"]})
        organisations = []
        for found in (listed.data.get("supportProviders") or {}).get("nodes", []):
            services = [s for s in found["provider"]["services"] if s["group"] == DP_SUPPORT]
            if services:
                organisations.append(
                    {**found["provider"], "services": services, "lead": "LEAD" in found["roles"]}
                )
        organisations.sort(key=lambda o: (not o["lead"], o["name"]))
        return holder, referrals, organisations

    async def support(self, request: Request) -> Response:
        """Page one: which organisation (the council's lead provider first)."""
        if redirect := sign_in_first(request):
            return redirect
        holder, referrals, organisations = await self._support_data(request)
        errors: list[dict[str, Any]] = []
        chosen = ""
        if request.method == "POST":
            form = await posted_form(request)
            chosen = str(form.get("providerId") or "")[:ID_MAX]
            if chosen in {o["id"] for o in organisations}:
                return RedirectResponse(
                    f"{HOME}/{holder['id']}/support/services?provider={chosen}", status_code=303
                )
            errors = [{"field": "providerId", "message": "Select the organisation you want to support you"}]
        summary, field_errors = errors_from(errors, fields=("providerId",))
        return self.client.render(
            request,
            "holder_support.html",
            holder=holder,
            referrals=referrals,
            organisations=organisations,
            chosen=chosen,
            referral_statuses=REFERRAL_STATUSES,
            referral_colours=REFERRAL_COLOURS,
            errors=summary,
            field_errors=field_errors,
            status=400 if errors else 200,
            active=HOME,
        )

    async def support_services(self, request: Request) -> Response:
        """Page two: which of that organisation's DP support services; then the API routes the choice."""
        if redirect := sign_in_first(request):
            return redirect
        holder, _, organisations = await self._support_data(request)
        if request.method == "GET":
            provider_id = request.query_params.get("provider", "")[:ID_MAX]
            chosen: list[str] = []
        else:
            form = await posted_form(request)
            provider_id = str(form.get("providerId") or "")[:ID_MAX]
            chosen = [str(code)[:40] for code in form.getlist("services")[:20]]
        organisation = next((o for o in organisations if o["id"] == provider_id), None)
        if organisation is None:
            raise HTTPException(404)
        user_errors: list[dict[str, Any]] = []
        if request.method == "POST":
            if not chosen:
                user_errors = [{"field": "services", "message": "Select at least one service you want"}]
            else:
                result = await self.client.run(
                    request,
                    "HolderChooseSupportProvider",
                    {"input": {"holderId": holder["id"], "providerId": provider_id, "services": chosen}},
                    allow_errors=PAGE_ERRORS,
                )
                if "FORBIDDEN" in result.error_codes():
                    checked(result)
                answer = result.data.get("chooseSupportProvider") or {}
                referral = answer.get("referral")
                if referral and not result.errors:
                    return RedirectResponse(
                        f"{HOME}/{holder['id']}/support/referrals/{referral['id']}?chosen=1", status_code=303
                    )
                user_errors = result.errors or answer.get("userErrors", [])
        errors, field_errors = errors_from(user_errors, fields=("services",))
        return self.client.render(
            request,
            "holder_support_services.html",
            holder=holder,
            organisation=organisation,
            chosen=chosen,
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active=HOME,
        )

    async def referral(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        result = await self._query(request, "MySupportReferral", {"id": path_id(request, "referral_id")})
        referral = result.data.get("node") or {}
        holder = referral.get("holder") or {}
        if "route" not in referral or holder.get("id") != path_id(request, "holder_id"):
            raise HTTPException(404)
        return self.client.render(
            request,
            "holder_referral.html",
            referral=referral,
            holder=holder,
            chosen=request.query_params.get("chosen") == "1",
            referral_statuses=REFERRAL_STATUSES,
            referral_colours=REFERRAL_COLOURS,
            active=HOME,
        )
