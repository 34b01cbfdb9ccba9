"""The council records a provider's accreditation checks (DBS, CQC, insurance, training): the checks
on record and what is missing, and a form for one check's result, which replaces its last one.

The check records are the API's to show (DBS outcomes are criminal-record data): a user it does not
show them to gets an empty list, and the form is refused by `recordAccreditation` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broker.web import answers
from broker.web.forms import errors_from
from broker.web.pages import PAGE_ERRORS, checked, path_id, posted_form, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

CHECK_TYPES = {
    "DBS_ENHANCED": "Enhanced DBS check",
    "CQC_REGISTRATION": "CQC registration",
    "COUNCIL_APPROVAL": "Council approval",
    "PUBLIC_LIABILITY_INSURANCE": "Public liability insurance",
    "EMPLOYERS_LIABILITY_INSURANCE": "Employer's liability insurance",
    "TRAINING": "Training",
}
CHECK_STATUSES = {"PASSED": "Passed", "PENDING": "Pending", "FAILED": "Failed", "REVOKED": "Revoked"}
CQC_RATINGS = {
    "OUTSTANDING": "Outstanding",
    "GOOD": "Good",
    "REQUIRES_IMPROVEMENT": "Requires improvement",
    "INADEQUATE": "Inadequate",
    "NOT_YET_RATED": "Not yet rated",
}
CHECK_FIELDS = ("checkType", "status", "reference", "checkedOn", "expiresOn", "dbsUpdateService", "cqcRating")


class AccreditationPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def checks(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        found = checked(
            await self.client.run(
                request,
                "AccreditationPage",
                {"id": path_id(request, "provider_id")},
                allow_errors=PAGE_ERRORS,
            )
        )
        provider = found.data.get("provider")
        if not provider:
            raise HTTPException(404)
        if request.method == "GET":
            given = {
                "checkType": request.query_params.get("check", "")
                if request.query_params.get("check") in CHECK_TYPES
                else "",
                "status": "",
                "reference": "",
                "checkedOn": answers.date_parts(None),
                "expiresOn": answers.date_parts(None),
                "dbsUpdateService": "",
                "cqcRating": "",
            }
            return self._page(request, provider, given, [])
        form = await posted_form(request)
        checked_parts, checked_on, checked_error = answers.date_answer(form, "checkedOn", "Date checked")
        expires_parts, expires_on, expires_error = answers.date_answer(form, "expiresOn", "Expiry date")
        given = {
            "checkType": answers.text(form, "checkType", 40),
            "status": answers.text(form, "status", 20),
            "reference": answers.text(form, "reference", 200),
            "checkedOn": checked_parts,
            "expiresOn": expires_parts,
            "dbsUpdateService": answers.text(form, "dbsUpdateService", 5),
            "cqcRating": answers.text(form, "cqcRating", 30),
        }
        errors: list[dict[str, Any]] = []
        if given["checkType"] not in CHECK_TYPES:
            errors.append({"field": "checkType", "message": "Select the check"})
        if given["status"] not in CHECK_STATUSES:
            errors.append({"field": "status", "message": "Select the result of the check"})
        if checked_error or not checked_on:
            errors.append({"field": "checkedOn", "message": checked_error or "Enter the date of the check"})
        if expires_error:
            errors.append({"field": "expiresOn", "message": expires_error})
        if given["cqcRating"] and given["cqcRating"] not in CQC_RATINGS:
            errors.append({"field": "cqcRating", "message": "Select the CQC rating, or none"})
        if not errors:
            check: dict[str, Any] = {
                "providerId": provider["id"],
                "checkType": given["checkType"],
                "status": given["status"],
                "reference": given["reference"],
                "checkedOn": checked_on,
                "expiresOn": expires_on,
            }
            if given["dbsUpdateService"] in ("yes", "no"):
                check["dbsUpdateService"] = given["dbsUpdateService"] == "yes"
            if given["cqcRating"]:
                check["cqcRating"] = given["cqcRating"]
            result = await self.client.run(
                request, "RecordAccreditation", {"input": check}, allow_errors=PAGE_ERRORS
            )
            if "FORBIDDEN" in result.error_codes():
                checked(result)
            answer = result.data.get("recordAccreditation") or {}
            errors = result.errors or answer.get("userErrors", [])
            if answer.get("accreditation") and not errors:
                return RedirectResponse(
                    f"/providers/{provider['id']}/checks?recorded={given['checkType']}", status_code=303
                )
        return self._page(request, provider, given, errors)

    def _page(
        self,
        request: Request,
        provider: dict[str, Any],
        given: dict[str, Any],
        user_errors: list[dict[str, Any]],
    ) -> Response:
        errors, field_errors = errors_from(user_errors, fields=CHECK_FIELDS)
        recorded = request.query_params.get("recorded", "")
        return self.client.render(
            request,
            "checks.html",
            provider=provider,
            given=given,
            recorded=CHECK_TYPES.get(recorded) if not user_errors else None,
            check_types=CHECK_TYPES,
            check_statuses=CHECK_STATUSES,
            cqc_ratings=CQC_RATINGS,
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active="/caseload",
        )


def accreditation_routes(client: WebClient) -> list[Route]:
    pages = AccreditationPages(client)
    return [Route("/providers/{provider_id}/checks", pages.checks, methods=["GET", "POST"])]
