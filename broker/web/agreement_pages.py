"""From an accepted care request to care paid for: the broker sets out the agreement (times, hours,
rate, dates), makes it active, and records payments under it.

The card warning is the API's: an agreement is saved even when the person's pre-paid card would
decline the provider, and `warnings` says so, with the ways round it; the page shows it every time the
agreement is opened, not only once after saving, so it is not missed.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broker.web import answers
from broker.web.forms import errors_from
from broker.web.pages import ID_MAX, PAGE_ERRORS, checked, path_id, posted_form, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

AGREEMENT_FIELDS = ("slots", "hoursPerWeek", "hourlyRate", "startDate", "endDate", "needIds")
PAYMENT_FIELDS = ("periodStart", "periodEnd", "hours", "amount", "method", "supplementaryReason")
PAYMENT_METHODS = {
    "BANK_TRANSFER": "Bank transfer",
    "PREPAID_CARD": "Pre-paid card",
    "PAYROLL": "Through payroll",
}
PAYMENT_STATUSES = {
    "PENDING": "Pending",
    "PROCESSING": "Processing",
    "SUCCEEDED": "Paid",
    "FAILED": "Failed",
    "PARTIALLY_REFUNDED": "Partly refunded",
    "REFUNDED": "Refunded",
}
REASON_MAX = 600  # the API allows 500 and says so; this only bounds the form
SLOT_CHOICES_MAX = 60


def _slot_key(slot: dict[str, Any]) -> str:
    return f"{slot['day']}|{slot['start']}|{slot['end']}"


def _slot_input(key: str) -> dict[str, str] | None:
    parts = key.split("|")
    return {"day": parts[0], "start": parts[1], "end": parts[2]} if len(parts) == 3 else None


class AgreementPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS)).data

    async def _mutate(
        self, request: Request, name: str, variables: dict[str, Any], key: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The payload, and its errors (request errors such as a malformed date count as errors)."""
        result = await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS)
        if "FORBIDDEN" in result.error_codes():
            checked(result)
        answer = result.data.get(key) or {}
        return answer, result.errors or answer.get("userErrors", [])

    # --- setting out the agreement -------------------------------------------------------------

    async def new_agreement(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        data = await self._query(request, "NewAgreement", {"id": path_id(request, "request_id")})
        care_request = data.get("node") or {}
        if "status" not in care_request:
            raise HTTPException(404)
        slots = [s for need in care_request["needs"] for s in need["slots"]][:SLOT_CHOICES_MAX]
        if request.method == "GET":
            rate = (care_request["provider"] or {}).get("hourlyRate")
            given: dict[str, Any] = {
                "slots": [_slot_key(s) for s in slots],
                "hoursPerWeek": f"{sum(n['hoursPerWeek'] for n in care_request['needs']):g}",
                "hourlyRate": f"{rate / 100:.2f}" if rate else "",
                "startDate": answers.date_parts(None),
                "endDate": answers.date_parts(None),
            }
            return self._agreement_form(request, care_request, slots, given, [])
        form = await posted_form(request)
        chosen = [str(k)[:40] for k in form.getlist("slots")[:SLOT_CHOICES_MAX]]
        start_parts, start, start_error = answers.date_answer(form, "startDate", "Start date")
        end_parts, end, end_error = answers.date_answer(form, "endDate", "End date")
        given = {
            "slots": chosen,
            "hoursPerWeek": answers.text(form, "hoursPerWeek", 12),
            "hourlyRate": answers.text(form, "hourlyRate", 20),
            "startDate": start_parts,
            "endDate": end_parts,
        }
        hours, rate = answers.hours(given["hoursPerWeek"]), answers.pence(given["hourlyRate"], most=1_000)
        errors: list[dict[str, Any]] = []
        slot_inputs = [s for s in (_slot_input(k) for k in chosen) if s]
        if not slot_inputs:
            errors.append({"field": "slots", "message": "Select the times of the week the provider works"})
        if hours is None:
            errors.append(
                {"field": "hoursPerWeek", "message": "Enter the hours a week as a number, like 7.5"}
            )
        if rate is None:
            errors.append(
                {"field": "hourlyRate", "message": "Enter the hourly rate in pounds, for example 16.50"}
            )
        if start_error or not start:
            errors.append({"field": "startDate", "message": start_error or "Enter the date care starts"})
        if end_error:
            errors.append({"field": "endDate", "message": end_error})
        if not errors:
            answer, errors = await self._mutate(
                request,
                "CreateAgreement",
                {
                    "input": {
                        "requestId": care_request["id"],
                        "slots": slot_inputs,
                        "hoursPerWeek": hours,
                        "hourlyRatePence": rate,
                        "startDate": start,
                        "endDate": end,
                    }
                },
                "createAgreement",
            )
            made = answer.get("agreement")
            if made and not errors:
                return RedirectResponse(f"/agreements/{made['id']}?created=1", status_code=303)
            errors = answers.renamed(errors, {"hourlyRatePence": "hourlyRate", "requestId": "slots"})
        return self._agreement_form(request, care_request, slots, given, errors)

    def _agreement_form(
        self,
        request: Request,
        care_request: dict[str, Any],
        slots: list[dict[str, Any]],
        given: dict[str, Any],
        user_errors: list[dict[str, Any]],
    ) -> Response:
        errors, field_errors = errors_from(user_errors, fields=AGREEMENT_FIELDS)
        return self.client.render(
            request,
            "agreement_new.html",
            care_request=care_request,
            slot_options=[(_slot_key(s), f"{s['day'].title()} {s['start']} to {s['end']}") for s in slots],
            given=given,
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active="/care-requests",
        )

    # --- the agreement, activating it ----------------------------------------------------------

    async def agreement(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        return await self._agreement_page(request, [])

    async def _agreement_page(self, request: Request, user_errors: list[dict[str, Any]]) -> Response:
        data = await self._query(request, "AgreementPage", {"id": path_id(request, "agreement_id")})
        agreement = data.get("agreement")
        if not agreement:
            raise HTTPException(404)
        errors, _ = errors_from(user_errors, fields=())
        notice = next(
            (
                message
                for flag, message in (
                    ("created", "Agreement saved. Check it with the person, then make it active."),
                    ("activated", "Agreement active: the provider's hours are reserved."),
                    ("paid", "Payment recorded."),
                )
                if request.query_params.get(flag) == "1"
            ),
            None,
        )
        return self.client.render(
            request,
            "agreement.html",
            agreement=agreement,
            notice=None if errors else notice,
            payment_methods=PAYMENT_METHODS,
            payment_statuses=PAYMENT_STATUSES,
            errors=errors,
            status=400 if errors else 200,
            active="/caseload",
        )

    async def activate(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        await posted_form(request)
        agreement_id = path_id(request, "agreement_id")
        answer, errors = await self._mutate(
            request, "ActivateAgreement", {"input": {"agreementId": agreement_id}}, "activateAgreement"
        )
        if answer.get("agreement") and not errors:
            return RedirectResponse(f"/agreements/{agreement_id}?activated=1", status_code=303)
        # An ID the API will not show this user is the 404 page there, whatever the mutation said.
        return await self._agreement_page(request, errors)

    # --- recording a payment -------------------------------------------------------------------

    async def new_payment(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        data = await self._query(request, "AgreementPage", {"id": path_id(request, "agreement_id")})
        agreement = data.get("agreement")
        if not agreement:
            raise HTTPException(404)
        if request.method == "GET":
            given: dict[str, Any] = {
                "periodStart": answers.date_parts(None),
                "periodEnd": answers.date_parts(None),
                "hours": "",
                "amount": "",
                "method": "",
                "supplementary": False,
                "supplementaryReason": "",
                # One key per form shown: sending the same form twice records one payment.
                "idempotencyKey": secrets.token_urlsafe(18),
            }
            return self._payment_form(request, agreement, given, [])
        form = await posted_form(request)
        start_parts, start, start_error = answers.date_answer(form, "periodStart", "First day")
        end_parts, end, end_error = answers.date_answer(form, "periodEnd", "Last day")
        given = {
            "periodStart": start_parts,
            "periodEnd": end_parts,
            "hours": answers.text(form, "hours", 12),
            "amount": answers.text(form, "amount", 20),
            "method": answers.text(form, "method", 20),
            "supplementary": form.get("supplementary") == "yes",
            "supplementaryReason": str(form.get("supplementaryReason") or "")[:REASON_MAX].strip(),
            "idempotencyKey": answers.text(form, "idempotencyKey", ID_MAX) or secrets.token_urlsafe(18),
        }
        hours, amount = answers.hours(given["hours"]), answers.pence(given["amount"], most=20_000_000)
        errors: list[dict[str, Any]] = []
        for name, day, problem, missing in (
            ("periodStart", start, start_error, "Enter the first day paid for"),
            ("periodEnd", end, end_error, "Enter the last day paid for"),
        ):
            if problem or not day:
                errors.append({"field": name, "message": problem or missing})
        if hours is None:
            errors.append({"field": "hours", "message": "Enter the hours of care paid for, like 10.5"})
        if amount is None:
            errors.append(
                {"field": "amount", "message": "Enter the amount paid in pounds, for example 145.00"}
            )
        if given["method"] not in PAYMENT_METHODS:
            errors.append({"field": "method", "message": "Select how the provider was paid"})
        if not errors:
            answer, errors = await self._mutate(
                request,
                "RecordPayment",
                {
                    "input": {
                        "agreementId": agreement["id"],
                        "periodStart": start,
                        "periodEnd": end,
                        "hours": hours,
                        "amountPence": amount,
                        "method": given["method"],
                        "idempotencyKey": given["idempotencyKey"],
                        "supplementary": given["supplementary"],
                        "supplementaryReason": given["supplementaryReason"] or None,
                    }
                },
                "recordPayment",
            )
            if answer.get("payment") and not errors:
                return RedirectResponse(f"/agreements/{agreement['id']}?paid=1", status_code=303)
            errors = answers.renamed(errors, {"amountPence": "amount", "agreementId": "periodStart"})
        return self._payment_form(request, agreement, given, errors)

    def _payment_form(
        self,
        request: Request,
        agreement: dict[str, Any],
        given: dict[str, Any],
        user_errors: list[dict[str, Any]],
    ) -> Response:
        errors, field_errors = errors_from(user_errors, fields=PAYMENT_FIELDS)
        return self.client.render(
            request,
            "agreement_payment.html",
            agreement=agreement,
            given=given,
            method_options=list(PAYMENT_METHODS.items()),
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active="/caseload",
        )


def agreement_routes(client: WebClient) -> list[Route]:
    pages = AgreementPages(client)
    return [
        Route("/care-requests/{request_id}/agreement", pages.new_agreement, methods=["GET", "POST"]),
        Route("/agreements/{agreement_id}", pages.agreement),
        Route("/agreements/{agreement_id}/activate", pages.activate, methods=["POST"]),
        Route("/agreements/{agreement_id}/payments/new", pages.new_payment, methods=["GET", "POST"]),
    ]
