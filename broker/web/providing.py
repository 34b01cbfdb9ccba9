"""The provider's own pages: their home (the listing as the public will read it), editing it one
thing per page, publishing it, and the way in to their requests, agreements and payments.

A page about "your listing" needs a listing the signed-in user signs in for: that is the API's
answer (`viewer { provider }`), so a user without one (a broker, a holder) gets the 403 page, and a
provider without one yet is offered to create it. Publishing is judged by the API alone; when it
refuses, each thing missing links to the field on the page where it is filled in.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from broker.web.forms import errors_from
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
]
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
SLOT_ROWS_MIN = 7
SLOT_ROWS_MAX = 42
NAME_MAX = 200
TEXT_MAX = 5_000  # bounds the form only; the API says how long a bio may be
SLOT_PATH = re.compile(r"^input\.slots\.(\d+)(?:\.(day|start|end))?")


@dataclass(frozen=True)
class Section:
    """One page of the listing: its heading and the form fields on it (named after the input's)."""

    heading: str
    fields: tuple[str, ...]


SECTIONS = {
    "about": Section("About you", ("name", "bio", "gender")),
    "services": Section("Services you offer", ("services",)),
    "languages": Section("Languages you speak", ("languages",)),
    "area": Section("Where you work", ("basePostcode", "travelRadiusKm")),
    "rate": Section("Your rate and hours", ("hourlyRate", "weeklyCapacityHours")),
    "availability": Section("When you are available", ("slots",)),
    "contact": Section("How brokers contact you", ("contactEmail", "contactPhone")),
}
# The listing's fields the API names (in publishing's refusals and in updateProvider's errors), as
# the page and the form field where each is filled in.
LISTING_FIELDS = {
    "name": ("about", "name"),
    "bio": ("about", "bio"),
    "gender": ("about", "gender"),
    "services": ("services", "services"),
    "languages": ("languages", "languages"),
    "basePostcode": ("area", "basePostcode"),
    "travelRadiusKm": ("area", "travelRadiusKm"),
    "hourlyRatePence": ("rate", "hourlyRate"),
    "weeklyCapacityHours": ("rate", "weeklyCapacityHours"),
    "availability": ("availability", "slots-0-day"),
    "slots": ("availability", "slots-0-day"),
    "contactEmail": ("contact", "contactEmail"),
    "contactPhone": ("contact", "contactPhone"),
}


def _text(form: FormData, name: str, limit: int = NAME_MAX) -> str:
    return str(form.get(name) or "")[:limit].strip()


def _number(text: str, *, most: float) -> float | None:
    """A number as typed ("10", "7.5"), when it is one between 0 and `most`; the API judges the rest."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= most else None


def _pounds_in_pence(text: str) -> int | None:
    """An hourly rate in pounds ("16.50", "£16.50") as whole pence; None when it is not money."""
    try:
        pounds = Decimal(text.replace(",", "").removeprefix("£"))
    except InvalidOperation:
        return None
    if not pounds.is_finite() or pounds <= 0 or pounds > 1_000 or pounds != pounds.quantize(Decimal("0.01")):
        return None
    return int(pounds * 100)


def _api_field(error: dict[str, Any]) -> str:
    path = str(error.get("field") or (error.get("extensions") or {}).get("field") or "")
    return path.removeprefix("input.").split(".", 1)[0]


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
            place = LISTING_FIELDS.get(_api_field(error))
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
        answers = {"kind": _text(form, "kind", 20), "name": _text(form, "name")}
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
            return self._edit_page(request, section, listing, data, self._saved_answers(listing))
        form = await posted_form(request)
        if section == "availability":
            return await self._save_availability(request, listing, data, form)
        answers, changes, errors = self._answers(section, listing, form)
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
            errors = [self._on_this_page(e) for e in result.errors or answer.get("userErrors", [])]
        return self._edit_page(request, section, listing, data, answers, errors)

    @staticmethod
    def _on_this_page(error: dict[str, Any]) -> dict[str, Any]:
        """An API error at the form field that holds what it is about (`input.hourlyRatePence` is the
        form's `hourlyRate`)."""
        place = LISTING_FIELDS.get(_api_field(error))
        return {"field": place[1] if place else None, "message": error.get("message")}

    @staticmethod
    def _saved_answers(listing: dict[str, Any]) -> dict[str, Any]:
        contact = listing.get("contact") or {}
        rate = listing.get("hourlyRate")
        hours = listing.get("weeklyCapacityHours")
        radius = listing.get("travelRadiusKm")
        return {
            "name": listing["name"],
            "bio": listing["bio"],
            "gender": listing.get("gender") or "",
            "services": [s["code"] for s in listing["services"]],
            "languages": [language["code"] for language in listing["languages"]],
            "basePostcode": contact.get("basePostcode") or "",
            "travelRadiusKm": f"{radius:g}" if radius is not None else "",
            "hourlyRate": f"{rate / 100:.2f}" if rate is not None else "",
            "weeklyCapacityHours": f"{hours:g}" if hours is not None else "",
            "contactEmail": contact.get("email") or "",
            "contactPhone": contact.get("phone") or "",
            "slots": [dict(slot) for slot in listing["availability"]],
        }

    def _answers(
        self, section: str, listing: dict[str, Any], form: FormData
    ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        """What was typed (to show again), the changes to send, and what is wrong before sending."""
        answers = self._saved_answers(listing)
        changes: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        if section == "about":
            answers |= {
                "name": _text(form, "name"),
                "bio": str(form.get("bio") or "")[:TEXT_MAX],
                "gender": _text(form, "gender", 20),
            }
            changes = {"name": answers["name"], "bio": answers["bio"]}
            if listing["kind"] == "PA" and answers["gender"]:
                changes["gender"] = answers["gender"]
        elif section in ("services", "languages"):
            answers[section] = [str(v)[:40] for v in form.getlist(section)[:60]]
            changes = {section: answers[section]}
        elif section == "area":
            answers |= {
                "basePostcode": _text(form, "basePostcode", 12),
                "travelRadiusKm": _text(form, "travelRadiusKm", 12),
            }
            radius = _number(answers["travelRadiusKm"], most=1_000)
            if not answers["basePostcode"]:
                errors.append({"field": "basePostcode", "message": "Enter the postcode you work from"})
            if radius is None:
                errors.append(
                    {
                        "field": "travelRadiusKm",
                        "message": "Enter how far you will travel in kilometres, like 10",
                    }
                )
            changes = {"basePostcode": answers["basePostcode"], "travelRadiusKm": radius}
        elif section == "rate":
            answers |= {
                "hourlyRate": _text(form, "hourlyRate", 12),
                "weeklyCapacityHours": _text(form, "weeklyCapacityHours", 12),
            }
            rate = _pounds_in_pence(answers["hourlyRate"])
            hours = _number(answers["weeklyCapacityHours"], most=168)
            if rate is None:
                errors.append(
                    {"field": "hourlyRate", "message": "Enter your hourly rate in pounds, for example 16.50"}
                )
            if hours is None:
                errors.append(
                    {
                        "field": "weeklyCapacityHours",
                        "message": "Enter the hours a week you can take on, as a number up to 168",
                    }
                )
            changes = {"hourlyRatePence": rate, "weeklyCapacityHours": hours}
        elif section == "contact":
            answers |= {
                "contactEmail": _text(form, "contactEmail", 254),
                "contactPhone": _text(form, "contactPhone", 40),
            }
            changes = {"contactEmail": answers["contactEmail"], "contactPhone": answers["contactPhone"]}
        return answers, changes, errors

    async def _save_availability(
        self, request: Request, listing: dict[str, Any], data: dict[str, Any], form: FormData
    ) -> Response:
        counted = _text(form, "slotRows", 2)
        rows = min(int(counted), SLOT_ROWS_MAX) if counted.isdigit() else 0
        slots = [
            {part: _text(form, f"slots-{row}-{part}", 10) for part in ("day", "start", "end")}
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
            errors = [self._slot_error(e, filled) for e in result.errors or answer.get("userErrors", [])]
        answers = self._saved_answers(listing) | {"slots": slots}
        return self._edit_page(request, "availability", listing, data, answers, errors)

    @staticmethod
    def _slot_error(error: dict[str, Any], filled: list[int]) -> dict[str, Any]:
        """`input.slots.1.end` counts only the rows filled in; the form's rows count every row."""
        path = str(error.get("field") or "")
        found = SLOT_PATH.match(path)
        field = "slots-0-day" if path.startswith("input") else None
        if found and int(found.group(1)) < len(filled):
            field = f"slots-{filled[int(found.group(1))]}-{found.group(2) or 'day'}"
        return {"field": field, "message": error.get("message")}

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
