"""The provider's own pages: their home (the listing as the public will read it), editing it one
thing per page, publishing it, and the way in to their requests, agreements and payments.

A page about "your listing" needs a listing the signed-in user signs in for: that is the API's
answer (`viewer { provider }`), so a user without one (a broker, a holder) gets the 403 page, and a
provider without one yet is offered to create it. Publishing is judged by the API alone; when it
refuses, each thing missing links to the field on the page where it is filled in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from broker.web.forms import errors_from
from broker.web.listing_answers import (
    LISTING_FIELDS,
    SECTIONS,
    SLOT_ROWS_MAX,
    SLOT_ROWS_MIN,
    WEEKDAYS,
    answers_from,
    api_field,
    form_text,
    on_this_page,
    saved_answers,
    slot_error,
)
from broker.web.pages import PAGE_ERRORS, Forbidden, checked, posted_form, sign_in_first
from broker.web.provider_answers import provider_answer_routes
from broker.web.provider_records import provider_record_routes

if TYPE_CHECKING:
    from broker.web.app import WebClient

HOME = "/provider"
PROVIDER_KINDS = {
    "PA": "Personal assistant",
    "AGENCY": "Care agency",
    "SUPPORT_ORG": "DP support organisation",
}
PROVIDER_STATUSES = {"DRAFT": "Not published", "PUBLISHED": "Published", "SUSPENDED": "Suspended"}
CHECK_NAMES = {
    "DBS_ENHANCED": "enhanced DBS check",
    "CQC_REGISTRATION": "CQC registration",
    "COUNCIL_APPROVAL": "council approval",
    "PUBLIC_LIABILITY_INSURANCE": "public liability insurance",
    "EMPLOYERS_LIABILITY_INSURANCE": "employer's liability insurance",
    "TRAINING": "training certificates",
}
PROVIDER_NAVIGATION = [
    (HOME, "Your listing"),
    ("/provider/requests", "Requests"),
    ("/provider/agreements", "Agreements"),
    ("/provider/payments", "Payments"),
    ("/provider/reviews", "Reviews"),
]


class ListingPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _listing(self, request: Request) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The signed-in user's listing (None when they have none) and the page's vocabularies."""
        result = checked(await self.client.run(request, "ProviderListing", allow_errors=PAGE_ERRORS))
        viewer = result.data.get("viewer") or {}
        return viewer.get("provider"), result.data | {"role": viewer.get("role")}

    async def _own_listing(self, request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
        listing, data = await self._listing(request)
        if listing is None:
            raise Forbidden()
        return listing, data

    # --- home ----------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        listing, data = await self._listing(request)
        if listing is None:
            if data["role"] != "PROVIDER":
                raise Forbidden()
            return self._new_listing_page(request, {"kind": "", "name": ""})
        return self._home_page(request, listing, data)

    def _home_page(
        self,
        request: Request,
        listing: dict[str, Any],
        data: dict[str, Any],
        user_errors: list[dict[str, Any]] | None = None,
    ) -> Response:
        missing = []
        for error in user_errors or []:
            place = LISTING_FIELDS.get(api_field(error))
            href = f"{HOME}/listing/{place[0]}#{place[1]}" if place else None
            missing.append({"href": href, "message": str(error.get("message") or "Check your listing")})
        return self.client.render(
            request,
            "provider_home.html",
            listing=listing,
            waiting=(data.get("careRequests") or {}).get("totalCount", 0),
            errors=missing,
            published=request.query_params.get("published") == "1" and listing["status"] == "PUBLISHED",
            saved=request.query_params.get("saved", "") in SECTIONS,
            provider_kinds=PROVIDER_KINDS,
            provider_statuses=PROVIDER_STATUSES,
            check_names=CHECK_NAMES,
            status=400 if missing else 200,
            active=HOME,
        )

    # --- creating a listing ----------------------------------------------------------------------

    async def new_listing(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        form = await posted_form(request)
        answers = {"kind": form_text(form, "kind", 20), "name": form_text(form, "name")}
        errors: list[dict[str, Any]] = []
        if answers["kind"] not in PROVIDER_KINDS:
            errors.append({"field": "kind", "message": "Select what kind of provider you are"})
        if not answers["name"]:
            errors.append({"field": "name", "message": "Enter the name people will see"})
        if not errors:
            result = await self.client.run(
                request,
                "ProviderCreateListing",
                {"input": {"kind": answers["kind"], "name": answers["name"]}},
                allow_errors=PAGE_ERRORS,
            )
            if "FORBIDDEN" in result.error_codes():
                checked(result)
            answer = result.data.get("createProvider") or {}
            if answer.get("provider") and not result.errors:
                return RedirectResponse(HOME, status_code=303)
            errors = result.errors or answer.get("userErrors", [])
        return self._new_listing_page(request, answers, errors)

    def _new_listing_page(
        self, request: Request, answers: dict[str, str], user_errors: list[dict[str, Any]] | None = None
    ) -> Response:
        errors, field_errors = errors_from(user_errors or [], fields=("kind", "name"))
        return self.client.render(
            request,
            "provider_new_listing.html",
            answers=answers,
            kind_options=list(PROVIDER_KINDS.items()),
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active=HOME,
        )

    # --- editing, one thing per page -------------------------------------------------------------

    async def edit(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        section = str(request.path_params["section"])
        if section not in SECTIONS:
            raise HTTPException(404)
        listing, data = await self._own_listing(request)
        if request.method == "GET":
            return self._edit_page(request, section, listing, data, saved_answers(listing))
        form = await posted_form(request)
        if section == "availability":
            return await self._save_availability(request, listing, data, form)
        answers, changes, errors = answers_from(section, listing, form)
        if not errors:
            result = await self.client.run(
                request,
                "ProviderUpdateListing",
                {"input": {"id": listing["id"], **changes}},
                allow_errors=PAGE_ERRORS,
            )
            if "FORBIDDEN" in result.error_codes():
                checked(result)
            answer = result.data.get("updateProvider") or {}
            if answer.get("provider") and not result.errors:
                return RedirectResponse(f"{HOME}?saved={section}", status_code=303)
            errors = [on_this_page(e) for e in result.errors or answer.get("userErrors", [])]
        return self._edit_page(request, section, listing, data, answers, errors)

    async def _save_availability(
        self, request: Request, listing: dict[str, Any], data: dict[str, Any], form: FormData
    ) -> Response:
        counted = form_text(form, "slotRows", 2)
        rows = min(int(counted), SLOT_ROWS_MAX) if counted.isdigit() else 0
        slots = [
            {part: form_text(form, f"slots-{row}-{part}", 10) for part in ("day", "start", "end")}
            for row in range(rows)
        ]
        filled = [row for row, slot in enumerate(slots) if any(slot.values())]
        errors: list[dict[str, Any]] = [
            {"field": f"slots-{row}-day", "message": f"Select the day of time {row + 1}"}
            for row in filled
            if slots[row]["day"] not in WEEKDAYS
        ]
        if not errors:
            result = await self.client.run(
                request,
                "ProviderSetAvailability",
                {"input": {"providerId": listing["id"], "slots": [slots[row] for row in filled]}},
                allow_errors=PAGE_ERRORS,
            )
            if "FORBIDDEN" in result.error_codes():
                checked(result)
            answer = result.data.get("setAvailability") or {}
            if answer.get("provider") and not result.errors:
                return RedirectResponse(f"{HOME}?saved=availability", status_code=303)
            errors = [slot_error(e, filled) for e in result.errors or answer.get("userErrors", [])]
        answers = saved_answers(listing) | {"slots": slots}
        return self._edit_page(request, "availability", listing, data, answers, errors)

    def _edit_page(
        self,
        request: Request,
        section: str,
        listing: dict[str, Any],
        data: dict[str, Any],
        answers: dict[str, Any],
        errors: list[dict[str, Any]] | None = None,
    ) -> Response:
        summary: list[dict[str, Any]] = [
            {"field": e.get("field"), "message": str(e.get("message") or "Check this answer")}
            for e in errors or []
        ]
        inline: dict[str, str] = {}
        for error in summary:
            if error["field"] and error["field"] not in inline:
                inline[error["field"]] = error["message"]
        slots = answers["slots"]
        rows = max(len(slots) + 3, SLOT_ROWS_MIN)
        slots = [*slots, *({"day": "", "start": "", "end": ""} for _ in range(rows - len(slots)))]
        languages = data.get("languages") or []
        known = {language["code"] for language in languages}
        return self.client.render(
            request,
            f"provider_edit_{section}.html",
            section=section,
            heading=SECTIONS[section].heading,
            listing=listing,
            answers=answers,
            slots=slots[:SLOT_ROWS_MAX],
            weekdays=WEEKDAYS,
            service_options=[(s["code"], s["label"]) for s in data.get("services") or []],
            language_options=[(language["code"], language["name"]) for language in languages]
            + [(code, code) for code in answers["languages"] if code not in known],
            gender_options=[
                ("", "Prefer not to say"),
                ("FEMALE", "Female"),
                ("MALE", "Male"),
                ("NON_BINARY", "Non-binary"),
            ],
            errors=summary,
            field_errors=inline,
            status=400 if errors else 200,
            active=HOME,
        )

    # --- publishing ----------------------------------------------------------------------------

    async def publish(self, request: Request) -> Response:
        return await self._change_status(request, "ProviderPublishListing", "publishProvider", "?published=1")

    async def withdraw(self, request: Request) -> Response:
        return await self._change_status(request, "ProviderWithdrawListing", "withdrawProvider", "")

    async def _change_status(self, request: Request, operation: str, mutation: str, then: str) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        await posted_form(request)
        listing, data = await self._own_listing(request)
        result = await self.client.run(
            request, operation, {"input": {"id": listing["id"]}}, allow_errors=PAGE_ERRORS
        )
        if "FORBIDDEN" in result.error_codes():
            checked(result)
        answer = result.data.get(mutation) or {}
        errors = result.errors or answer.get("userErrors", [])
        if not errors:
            return RedirectResponse(HOME + then, status_code=303)
        return self._home_page(request, listing, data, errors)


def providing_routes(client: WebClient) -> list[BaseRoute]:
    pages = ListingPages(client)
    either = ["GET", "POST"]
    return [
        Route(HOME, pages.home),
        Route(f"{HOME}/listing/new", pages.new_listing, methods=["POST"]),
        Route(f"{HOME}/listing/publish", pages.publish, methods=["POST"]),
        Route(f"{HOME}/listing/withdraw", pages.withdraw, methods=["POST"]),
        Route(f"{HOME}/listing/{{section}}", pages.edit, methods=either),
        *provider_answer_routes(client),
        *provider_record_routes(client),
    ]
