"""What a provider answers: care requests to their listing (accept, or decline with a reason, before
the request expires) and, for DP support organisations, subcontracts proposed to them and referrals
of people who chose them. The API decides who may answer what; these pages ask and pass it on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    posted_form,
    sign_in_first,
)

if TYPE_CHECKING:
    from broker.web.app import WebClient

REASON_MAX = 2_000  # bounds the form; the API says how long a reason may be
REQUEST_STATUSES = {
    "PENDING": "Waiting for your answer",
    "ACCEPTED": "Accepted",
    "DECLINED": "Declined",
    "EXPIRED": "Expired",
}
SUBCONTRACT_STATUSES = {"PROPOSED": "Proposed", "ACTIVE": "Active", "DECLINED": "Declined", "ENDED": "Ended"}
REFERRAL_STATUSES = {
    "WAITING_FOR_SUBCONTRACT": "Waiting for a subcontract",
    "SUBCONTRACT_DECLINED": "Subcontract declined",
    "SENT": "Waiting for your answer",
    "ACCEPTED": "Accepted",
    "DECLINED": "Declined",
}
ROUTES = {"DIRECT": "Directly, as the lead provider", "SUBCONTRACT": "Under a subcontract from the lead"}


async def own_query(
    client: WebClient, request: Request, name: str, variables: dict[str, Any] | None = None
) -> tuple[dict[str, Any], Result]:
    """Runs a provider page's operation: the listing the user signs in for (the 403 page without one)
    and the answer."""
    result = checked(await client.run(request, name, variables, allow_errors=PAGE_ERRORS))
    listing = (result.data.get("viewer") or {}).get("provider")
    if listing is None:
        raise Forbidden()
    return listing, result


def _answer(form: Any) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The yes/no and the reason as typed, and what is missing: a decline always says why."""
    answers = {
        "answer": str(form.get("answer") or "")[:10],
        "reason": str(form.get("reason") or "")[:REASON_MAX],
    }
    errors: list[dict[str, Any]] = []
    if answers["answer"] not in ("accept", "decline"):
        errors.append({"field": "answer", "message": "Select whether you accept"})
    elif answers["answer"] == "decline" and not answers["reason"].strip():
        errors.append({"field": "reason", "message": "Enter why you are declining"})
    return answers, errors


class AnswerPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _respond(
        self, request: Request, operation: str, mutation: str, variables: dict[str, Any]
    ) -> list[dict[str, Any]]:
        result = await self.client.run(request, operation, {"input": variables}, allow_errors=PAGE_ERRORS)
        if "FORBIDDEN" in result.error_codes():
            checked(result)
        answer = result.data.get(mutation) or {}
        return result.errors or answer.get("userErrors", [])

    # --- care requests -------------------------------------------------------------------------

    async def requests(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        status = request.query_params.get("status", "")
        status = status if status in REQUEST_STATUSES else ""
        after = request.query_params.get("after", "")[:ID_MAX]
        listing, result = await own_query(
            self.client,
            request,
            "ProviderRequests",
            {"first": PAGE_SIZE, "after": after or None, "status": status or None},
        )
        found = result.data["careRequests"]
        page = page_number(request)
        return self.client.render(
            request,
            "provider_requests.html",
            listing=listing,
            care_requests=found["nodes"],
            total=found["totalCount"],
            chosen_status=status,
            status_options=[("", "Any status"), *REQUEST_STATUSES.items()],
            request_statuses=REQUEST_STATUSES,
            page=page,
            pages=page_links("/provider/requests", {"status": status, "after": after}, found, page),
            active="/provider/requests",
        )

    async def care_request(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        request_id = path_id(request, "request_id")
        listing, result = await own_query(self.client, request, "ProviderRequest", {"id": request_id})
        found = result.data.get("node") or {}
        if "status" not in found:
            raise HTTPException(404)
        answers: dict[str, str] = {"answer": "", "reason": ""}
        errors: list[dict[str, Any]] = []
        if request.method == "POST":
            answers, errors = _answer(await posted_form(request))
            if not errors:
                errors = await self._respond(
                    request,
                    "ProviderRespondToRequest",
                    "respondToRequest",
                    {
                        "requestId": request_id,
                        "accept": answers["answer"] == "accept",
                        "reason": answers["reason"].strip(),
                    },
                )
                if not errors:
                    return RedirectResponse(f"/provider/requests/{request_id}?answered=1", status_code=303)
        summary, inline = errors_from(errors, fields=("answer", "reason"))
        return self.client.render(
            request,
            "provider_request.html",
            listing=listing,
            care_request=found,
            answers=answers,
            answered=request.query_params.get("answered") == "1" and found["status"] != "PENDING",
            request_statuses=REQUEST_STATUSES,
            errors=summary,
            field_errors=inline,
            status=400 if errors else 200,
            active="/provider/requests",
        )

    # --- DP support: subcontracts --------------------------------------------------------------

    async def subcontracts(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        listing, _ = await own_query(self.client, request, "ProviderViewer")
        result = checked(
            await self.client.run(
                request, "ProviderSubcontracts", {"providerId": listing["id"]}, allow_errors=PAGE_ERRORS
            )
        )
        rows: dict[str, dict[str, Any]] = {}
        for group in (result.data["proposed"], result.data["asSubcontractor"]):
            rows |= {s["id"]: s for s in group["nodes"]}
        for contract in result.data["leadContracts"]["nodes"]:
            rows |= {s["id"]: s for s in contract["subcontracts"]}
        mine = [s for s in rows.values() if self._role(listing, s)]
        waiting = [s for s in mine if self._role(listing, s) in s["awaitingAcceptanceFrom"]]
        return self.client.render(
            request,
            "provider_subcontracts.html",
            listing=listing,
            waiting=waiting,
            others=[s for s in mine if s not in waiting],
            subcontract_statuses=SUBCONTRACT_STATUSES,
            active="/provider",
        )

    @staticmethod
    def _role(listing: dict[str, Any], subcontract: dict[str, Any]) -> str | None:
        """Which side of the subcontract this organisation is on, if either."""
        if subcontract["leadContract"]["leadProvider"]["id"] == listing["id"]:
            return "LEAD"
        return "SUBCONTRACTOR" if subcontract["subcontractor"]["id"] == listing["id"] else None

    async def subcontract(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        subcontract_id = path_id(request, "subcontract_id")
        listing, result = await own_query(self.client, request, "ProviderSubcontract", {"id": subcontract_id})
        found = result.data.get("node") or {}
        role = self._role(listing, found) if "status" in found else None
        if role is None:
            raise HTTPException(404)
        answers: dict[str, str] = {"answer": "", "reason": ""}
        errors: list[dict[str, Any]] = []
        if request.method == "POST":
            answers, errors = _answer(await posted_form(request))
            if not errors:
                errors = await self._respond(
                    request,
                    "ProviderRespondToSubcontract",
                    "respondToSubcontract",
                    {
                        "id": subcontract_id,
                        "accept": answers["answer"] == "accept",
                        "reason": answers["reason"].strip() or None,
                    },
                )
                if not errors:
                    return RedirectResponse(
                        f"/provider/subcontracts/{subcontract_id}?answered=1", status_code=303
                    )
        summary, inline = errors_from(errors, fields=("answer", "reason"))
        return self.client.render(
            request,
            "provider_subcontract.html",
            listing=listing,
            subcontract=found,
            can_answer=role in found["awaitingAcceptanceFrom"],
            role=role,
            answers=answers,
            answered=request.query_params.get("answered") == "1",
            subcontract_statuses=SUBCONTRACT_STATUSES,
            errors=summary,
            field_errors=inline,
            status=400 if errors else 200,
            active="/provider",
        )

    # --- DP support: referrals -----------------------------------------------------------------

    async def referrals(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        after = request.query_params.get("after", "")[:ID_MAX]
        listing, result = await own_query(
            self.client, request, "ProviderReferrals", {"first": PAGE_SIZE, "after": after or None}
        )
        found = result.data["supportReferrals"]
        page = page_number(request)
        return self.client.render(
            request,
            "provider_referrals.html",
            listing=listing,
            referrals=found["nodes"],
            total=found["totalCount"],
            referral_statuses=REFERRAL_STATUSES,
            routes=ROUTES,
            page=page,
            pages=page_links("/provider/referrals", {"after": after}, found, page),
            active="/provider",
        )

    async def referral(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        referral_id = path_id(request, "referral_id")
        listing, result = await own_query(self.client, request, "ProviderReferral", {"id": referral_id})
        found = result.data.get("node") or {}
        if "status" not in found or found["provider"]["id"] != listing["id"]:
            raise HTTPException(404)
        answers: dict[str, str] = {"answer": "", "reason": ""}
        errors: list[dict[str, Any]] = []
        if request.method == "POST":
            answers, errors = _answer(await posted_form(request))
            if not errors:
                errors = await self._respond(
                    request,
                    "ProviderRespondToReferral",
                    "respondToSupportReferral",
                    {
                        "id": referral_id,
                        "accept": answers["answer"] == "accept",
                        "reason": answers["reason"].strip() or None,
                    },
                )
                if not errors:
                    return RedirectResponse(f"/provider/referrals/{referral_id}?answered=1", status_code=303)
        summary, inline = errors_from(errors, fields=("answer", "reason"))
        return self.client.render(
            request,
            "provider_referral.html",
            listing=listing,
            referral=found,
            answers=answers,
            answered=request.query_params.get("answered") == "1",
            referral_statuses=REFERRAL_STATUSES,
            routes=ROUTES,
            errors=summary,
            field_errors=inline,
            status=400 if errors else 200,
            active="/provider",
        )


def provider_answer_routes(client: WebClient) -> list[BaseRoute]:
    pages = AnswerPages(client)
    either = ["GET", "POST"]
    return [
        Route("/provider/requests", pages.requests),
        Route("/provider/requests/{request_id}", pages.care_request, methods=either),
        Route("/provider/subcontracts", pages.subcontracts),
        Route("/provider/subcontracts/{subcontract_id}", pages.subcontract, methods=either),
        Route("/provider/referrals", pages.referrals),
        Route("/provider/referrals/{referral_id}", pages.referral, methods=either),
    ]
