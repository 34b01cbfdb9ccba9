"""The broker's DP support pages: the council's lead contracts and their subcontracts (with who still
has to accept a proposal), recording a lead contract, proposing a subcontract, and a person's choice
of DP support provider with the route the API gave it (straight to the lead, under a subcontract, or
waiting for one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broker.web.answers import date_answer, date_parts, pence, renamed, text
from broker.web.api import Result
from broker.web.forms import errors_from
from broker.web.matching_pages import refused
from broker.web.pages import ID_MAX, PAGE_ERRORS, checked, path_id, payload_of, posted_form, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

MUTATION_ERRORS = ("INVALID", "FORBIDDEN")

SUBCONTRACT_STATUSES = {"PROPOSED": "Proposed", "ACTIVE": "Active", "DECLINED": "Declined", "ENDED": "Ended"}
REFERRAL_STATUSES = {
    "WAITING_FOR_SUBCONTRACT": "Waiting for a subcontract",
    "SUBCONTRACT_DECLINED": "Subcontract declined",
    "SENT": "Sent to the provider",
    "ACCEPTED": "Accepted",
    "DECLINED": "Declined",
}
ROUTES = {"DIRECT": "Direct to the lead provider", "SUBCONTRACT": "Under a subcontract"}
SUPPORT_ROLES = {"LEAD": "the lead provider", "SUBCONTRACTOR": "the subcontractor"}
SUPPORT_COLOURS = {
    "WAITING_FOR_SUBCONTRACT": "yellow",
    "SUBCONTRACT_DECLINED": "red",
    "SENT": "blue",
    "ACCEPTED": "green",
    "DECLINED": "red",
    "PROPOSED": "yellow",
    "ACTIVE": "green",
    "ENDED": "grey",
}
DP_SUPPORT_GROUP = "DP_SUPPORT"
LEAD_CONTRACT_FIELDS = ("leadProviderId", "services", "startDate", "endDate", "annualValue")
MAX_ANNUAL_POUNDS = 20_000_000  # bounds the form (the API's Int is 32-bit pence); the API says what it allows
MAX_SERVICES = 20


class SupportPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> Result:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS))

    async def _council_id(self, request: Request) -> str:
        """The signed-in broker's council: DP support contracts are a council's own."""
        viewer = (await self._query(request, "SupportCouncil", {})).data.get("viewer") or {}
        council = viewer.get("council")
        if not council:
            raise HTTPException(404)
        return str(council["id"])

    def _render(self, request: Request, template: str, **values: Any) -> Response:
        return self.client.render(
            request,
            template,
            subcontract_statuses=SUBCONTRACT_STATUSES,
            referral_statuses=REFERRAL_STATUSES,
            routes=ROUTES,
            support_roles=SUPPORT_ROLES,
            support_colours=SUPPORT_COLOURS,
            **values,
        )

    # --- contracts -----------------------------------------------------------------------------

    async def contracts(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        council = await self._council_id(request)
        result = await self._query(request, "SupportContracts", {"council": council})
        return self._render(
            request,
            "support_contracts.html",
            contracts=result.data["leadContracts"]["nodes"],
            subcontracts=result.data["subcontracts"]["nodes"],
            referral_counts=result.data.get("supportReferralCounts"),
            proposed=request.query_params.get("proposed") == "1",
            contracted=request.query_params.get("contracted") == "1",
            active="/caseload",
        )

    async def new_subcontract(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        council = await self._council_id(request)
        if request.method == "GET":
            return await self._subcontract_form(request, council, {"services": []})
        form = await posted_form(request)
        answers: dict[str, Any] = {
            "leadContractId": str(form.get("leadContractId") or "")[:ID_MAX],
            "subcontractorId": str(form.get("subcontractorId") or "")[:ID_MAX],
            "services": [str(s)[:40] for s in form.getlist("services")[:MAX_SERVICES]],
        }
        missing = [
            (name, message)
            for name, message in (
                ("leadContractId", "Select the lead contract"),
                ("subcontractorId", "Select the organisation to subcontract to"),
                ("services", "Select at least one service"),
            )
            if not answers[name]
        ]
        if missing:
            errors: list[dict[str, str | None]] = [{"field": n, "message": m} for n, m in missing]
            return await self._subcontract_form(
                request, council, answers, errors=errors, field_errors=dict(missing), status=400
            )
        result = await self.client.run(
            request, "ProposeSubcontract", {"input": answers}, allow_errors=MUTATION_ERRORS
        )
        refused(result)
        answer = result.data.get("proposeSubcontract") or {}
        if answer.get("subcontract") and not result.errors:
            return RedirectResponse("/dp-support?proposed=1", status_code=303)
        errors, field_errors = errors_from(
            result.errors or answer.get("userErrors", []),
            fields=("leadContractId", "subcontractorId", "services"),
        )
        return await self._subcontract_form(
            request, council, answers, errors=errors, field_errors=field_errors, status=400
        )

    async def _subcontract_form(
        self, request: Request, council: str, answers: dict[str, Any], **values: Any
    ) -> Response:
        result = await self._query(request, "SubcontractForm", {"council": council})
        contracts = result.data["leadContracts"]["nodes"]
        organisations = result.data["supportProviders"]["nodes"]
        services: dict[str, str] = {}
        for contract in contracts:
            services |= {s["code"]: s["label"] for s in contract["services"]}
        return self._render(
            request,
            "support_subcontract_form.html",
            answers=answers,
            contract_options=[
                ("", "Choose a lead contract"),
                *(
                    (c["id"], f"{c['leadProvider']['name']}, to {c['endDate']}")
                    for c in contracts
                    if c["inForce"]
                ),
            ],
            provider_options=[
                ("", "Choose an organisation"),
                *((p["provider"]["id"], p["provider"]["name"]) for p in organisations),
            ],
            service_options=list(services.items()),
            active="/caseload",
            **values,
        )

    # --- recording a lead contract ---------------------------------------------------------------

    async def new_lead_contract(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        council = await self._council_id(request)
        if request.method == "GET":
            empty = {"leadProviderId": "", "services": [], "annualValue": ""}
            return await self._lead_contract_form(
                request,
                council,
                empty | {"startDate": date_parts(None), "endDate": date_parts(None)},
            )
        form = await posted_form(request)
        start_parts, start, start_error = date_answer(form, "startDate", "Start date")
        end_parts, end, end_error = date_answer(form, "endDate", "End date")
        given: dict[str, Any] = {
            "leadProviderId": text(form, "leadProviderId", ID_MAX),
            "services": [str(s)[:40] for s in form.getlist("services")[:MAX_SERVICES]],
            "startDate": start_parts,
            "endDate": end_parts,
            "annualValue": text(form, "annualValue", 20),
        }
        value = pence(given["annualValue"], most=MAX_ANNUAL_POUNDS)
        errors: list[dict[str, Any]] = [
            {"field": name, "message": message}
            for name, wrong, message in (
                ("leadProviderId", not given["leadProviderId"], "Select the lead provider"),
                ("services", not given["services"], "Select at least one service"),
                ("startDate", start_error or not start, start_error or "Enter the first day of the contract"),
                ("endDate", end_error or not end, end_error or "Enter the last day of the contract"),
                (
                    "annualValue",
                    value is None,
                    "Enter what the contract is worth a year in pounds, for example 120000",
                ),
            )
            if wrong
        ]
        if not errors:
            contract = {
                "leadProviderId": given["leadProviderId"],
                "services": given["services"],
                "startDate": start,
                "endDate": end,
                "annualValuePence": value,
            }
            result = await self.client.run(
                request, "CreateLeadContract", {"input": contract}, allow_errors=MUTATION_ERRORS
            )
            answer, errors = payload_of(result, "createLeadContract")
            if answer.get("leadContract") and not errors:
                return RedirectResponse("/dp-support?contracted=1", status_code=303)
            errors = renamed(errors, {"annualValuePence": "annualValue"})
        summary, inline = errors_from(errors, fields=LEAD_CONTRACT_FIELDS)
        return await self._lead_contract_form(
            request, council, given, errors=summary, field_errors=inline, status=400
        )

    async def _lead_contract_form(
        self, request: Request, council: str, given: dict[str, Any], **values: Any
    ) -> Response:
        result = await self._query(request, "LeadContractForm", {"council": council})
        return self._render(
            request,
            "support_lead_contract_form.html",
            given=given,
            **_support_choices(result.data),
            active="/caseload",
            **{"errors": [], "field_errors": {}} | values,
        )

    # --- a person's choice ---------------------------------------------------------------------

    async def holder_support(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        holder_id = path_id(request, "holder_id")
        if request.method == "GET":
            return await self._holder_page(request, holder_id, {"services": []})
        form = await posted_form(request)
        answers: dict[str, Any] = {
            "providerId": str(form.get("providerId") or "")[:ID_MAX],
            "services": [str(s)[:40] for s in form.getlist("services")[:MAX_SERVICES]],
        }
        missing = [
            (name, message)
            for name, message in (
                ("providerId", "Select the organisation they chose"),
                ("services", "Select at least one service"),
            )
            if not answers[name]
        ]
        if missing:
            errors: list[dict[str, str | None]] = [{"field": n, "message": m} for n, m in missing]
            return await self._holder_page(
                request, holder_id, answers, errors=errors, field_errors=dict(missing), status=400
            )
        result = await self.client.run(
            request,
            "ChooseSupportProvider",
            {"input": {"holderId": holder_id, **answers}},
            allow_errors=MUTATION_ERRORS,
        )
        refused(result)
        answer = result.data.get("chooseSupportProvider") or {}
        referral = answer.get("referral")
        if referral and not result.errors:
            return RedirectResponse(f"/support-referrals/{referral['id']}?chosen=1", status_code=303)
        errors, field_errors = errors_from(
            result.errors or answer.get("userErrors", []), fields=("providerId", "services")
        )
        return await self._holder_page(
            request, holder_id, answers, errors=errors, field_errors=field_errors, status=400
        )

    async def _holder_page(
        self, request: Request, holder_id: str, answers: dict[str, Any], **values: Any
    ) -> Response:
        council = await self._council_id(request)
        result = await self._query(request, "HolderSupport", {"holderId": holder_id, "council": council})
        holder = result.data.get("dpHolder")
        if not holder:
            raise HTTPException(404)
        return self._render(
            request,
            "support_holder.html",
            holder=holder,
            answers=answers,
            referrals=result.data["supportReferrals"]["nodes"],
            **_support_choices(result.data),
            active="/caseload",
            **values,
        )

    async def referral(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        result = await self._query(request, "SupportReferralPage", {"id": path_id(request, "referral_id")})
        found = result.data.get("node") or {}
        if "route" not in found or not found.get("holder"):
            raise HTTPException(404)
        return self._render(
            request,
            "support_referral.html",
            referral=found,
            chosen=request.query_params.get("chosen") == "1",
            active="/caseload",
        )


def _support_choices(data: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The DP support organisations (with their part in the council's contracts) and services to
    choose from, as a form's options."""
    return {
        "provider_options": [
            ("", "Choose an organisation"),
            *(
                (p["provider"]["id"], p["provider"]["name"] + _role_note(p["roles"]))
                for p in data["supportProviders"]["nodes"]
            ),
        ],
        "service_options": [
            (s["code"], s["label"]) for s in data["services"] if s["group"] == DP_SUPPORT_GROUP
        ],
    }


def _role_note(roles: list[str]) -> str:
    if "LEAD" in roles:
        return " (lead provider)"
    if "SUBCONTRACTOR" in roles:
        return " (subcontractor)"
    return ""


def support_routes(client: WebClient) -> list[Route]:
    pages = SupportPages(client)
    return [
        Route("/dp-support", pages.contracts),
        Route("/dp-support/lead-contracts/new", pages.new_lead_contract, methods=["GET", "POST"]),
        Route("/dp-support/subcontracts/new", pages.new_subcontract, methods=["GET", "POST"]),
        Route("/holders/{holder_id}/dp-support", pages.holder_support, methods=["GET", "POST"]),
        Route("/support-referrals/{referral_id}", pages.referral),
    ]
