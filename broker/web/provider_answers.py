"""What a provider answers: care requests to their listing (accept, or decline with a reason, before
the request expires) and, for DP support organisations, subcontracts proposed to them and referrals
of people who chose them. The API decides who may answer what; these pages ask and pass it on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Answerable:
    """What a provider answers yes or no to: a care request, a subcontract or a referral."""

    path_param: str  # the ID's name in the route
    page_operation: str  # reads the node and the viewer's listing
    respond_operation: str
    mutation: str  # the payload's field in the answer
    id_input: str  # the ID's name in the mutation's input
    base: str  # the pages' path; the answered page is f"{base}/{id}?answered=1"
    template: str
    name: str  # what the template calls the node
    shown: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]  # None: not this listing's
    no_reason: str | None = None  # what an accept without a reason sends


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

    # --- answering one of them ----------------------------------------------------------------

    async def answer(self, request: Request, kind: Answerable) -> Response:
        """The page of one request, subcontract or referral, and its yes/no form (a decline says why)."""
        if redirect := sign_in_first(request):
            return redirect
        item_id = path_id(request, kind.path_param)
        listing, result = await own_query(self.client, request, kind.page_operation, {"id": item_id})
        found = result.data.get("node") or {}
        shown = kind.shown(listing, found) if "status" in found else None
        if shown is None:
            raise HTTPException(404)
        answers: dict[str, str] = {"answer": "", "reason": ""}
        errors: list[dict[str, Any]] = []
        if request.method == "POST":
            answers, errors = _answer(await posted_form(request))
            if not errors:
                errors = await self._respond(
                    request,
                    kind.respond_operation,
                    kind.mutation,
                    {
                        kind.id_input: item_id,
                        "accept": answers["answer"] == "accept",
                        "reason": answers["reason"].strip() or kind.no_reason,
                    },
                )
                if not errors:
                    return RedirectResponse(f"{kind.base}/{item_id}?answered=1", status_code=303)
        summary, inline = errors_from(errors, fields=("answer", "reason"))
        answered = shown.pop("answered", True) and request.query_params.get("answered") == "1"
        return self.client.render(
            request,
            kind.template,
            listing=listing,
            answers=answers,
            answered=answered,
            errors=summary,
            field_errors=inline,
            status=400 if errors else 200,
            **{kind.name: found, **shown},
        )

    def answering(self, kind: Answerable) -> Callable[[Request], Awaitable[Response]]:
        async def page(request: Request) -> Response:
            return await self.answer(request, kind)

        return page


def _request_shown(listing: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    return {
        "answered": found["status"] != "PENDING",  # shown as answered once it is no longer pending
        "request_statuses": REQUEST_STATUSES,
        "active": "/provider/requests",
    }


def _subcontract_shown(listing: dict[str, Any], found: dict[str, Any]) -> dict[str, Any] | None:
    role = AnswerPages._role(listing, found)
    if role is None:
        return None
    return {
        "can_answer": role in found["awaitingAcceptanceFrom"],
        "role": role,
        "subcontract_statuses": SUBCONTRACT_STATUSES,
        "active": "/provider",
    }


def _referral_shown(listing: dict[str, Any], found: dict[str, Any]) -> dict[str, Any] | None:
    if found["provider"]["id"] != listing["id"]:
        return None
    return {"referral_statuses": REFERRAL_STATUSES, "routes": ROUTES, "active": "/provider"}


CARE_REQUEST = Answerable(
    "request_id",
    "ProviderRequest",
    "ProviderRespondToRequest",
    "respondToRequest",
    "requestId",
    "/provider/requests",
    "provider_request.html",
    "care_request",
    _request_shown,
    no_reason="",
)
SUBCONTRACT = Answerable(
    "subcontract_id",
    "ProviderSubcontract",
    "ProviderRespondToSubcontract",
    "respondToSubcontract",
    "id",
    "/provider/subcontracts",
    "provider_subcontract.html",
    "subcontract",
    _subcontract_shown,
)
REFERRAL = Answerable(
    "referral_id",
    "ProviderReferral",
    "ProviderRespondToReferral",
    "respondToSupportReferral",
    "id",
    "/provider/referrals",
    "provider_referral.html",
    "referral",
    _referral_shown,
)


def provider_answer_routes(client: WebClient) -> list[BaseRoute]:
    pages = AnswerPages(client)
    either = ["GET", "POST"]
    return [
        Route("/provider/requests", pages.requests),
        Route("/provider/requests/{request_id}", pages.answering(CARE_REQUEST), methods=either),
        Route("/provider/subcontracts", pages.subcontracts),
        Route("/provider/subcontracts/{subcontract_id}", pages.answering(SUBCONTRACT), methods=either),
        Route("/provider/referrals", pages.referrals),
        Route("/provider/referrals/{referral_id}", pages.answering(REFERRAL), methods=either),
    ]
