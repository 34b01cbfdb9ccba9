"""A broker adds a person to the caseload: first their sign-in (name, email, a first password), then
their direct payment (weekly budget, how it is held, home postcode).

Two pages because the API makes them in two steps (`createUser`, then `createDpHolder` for that
user): a sign-in made on the first page is kept even if the second page is left, and the second page's
address names it, so the broker can come back to it instead of making a second sign-in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broker.web import answers
from broker.web.forms import errors_from
from broker.web.pages import PAGE_ERRORS, checked, path_id, posted_form, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

SIGN_IN_FIELDS = ("fullName", "email", "password")
PROFILE_FIELDS = ("weeklyBudget", "heldAs", "homePostcode")
PASSWORD_MAX = 256


class HolderSetup:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def sign_in_page(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        if request.method == "GET":
            return self._sign_in_form(request, {"fullName": "", "email": ""}, [])
        form = await posted_form(request)
        given = {"fullName": answers.text(form, "fullName", 200), "email": answers.text(form, "email", 320)}
        password = str(form.get("password") or "")[: PASSWORD_MAX + 1]
        errors: list[dict[str, Any]] = [
            {"field": name, "message": message}
            for name, value, message in (
                ("fullName", given["fullName"], "Enter the person's full name"),
                ("email", given["email"], "Enter the person's email address"),
                ("password", password, "Enter a first password for the person"),
            )
            if not value
        ]
        if not errors:
            result = await self.client.run(
                request,
                "CreateHolderSignIn",
                {"input": {**given, "password": password, "role": "DP_HOLDER"}},
                allow_errors=PAGE_ERRORS,
            )
            if "FORBIDDEN" in result.error_codes():
                checked(result)
            answer = result.data.get("createUser") or {}
            user = answer.get("user")
            if user and not result.errors:
                return RedirectResponse(f"/caseload/add/{user['id']}", status_code=303)
            errors = result.errors or answer.get("userErrors", [])
        return self._sign_in_form(request, given, errors)

    def _sign_in_form(
        self, request: Request, given: dict[str, str], user_errors: list[dict[str, Any]]
    ) -> Response:
        errors, field_errors = errors_from(user_errors, fields=SIGN_IN_FIELDS)
        return self.client.render(
            request,
            "holder_new_sign_in.html",
            given=given,
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active="/caseload",
        )

    async def profile_page(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        user_id = path_id(request, "user_id")
        found = checked(
            await self.client.run(request, "NewHolderUser", {"id": user_id}, allow_errors=PAGE_ERRORS)
        )
        user = found.data.get("node") or {}
        if user.get("role") != "DP_HOLDER":
            raise HTTPException(404)
        if request.method == "GET":
            blank = {"weeklyBudget": "", "heldAs": "", "homePostcode": ""}
            return self._profile_form(request, user, blank, [])
        form = await posted_form(request)
        given = {
            "weeklyBudget": answers.text(form, "weeklyBudget", 20),
            "heldAs": answers.text(form, "heldAs", 40),
            "homePostcode": answers.text(form, "homePostcode", 12),
        }
        budget = answers.pence(given["weeklyBudget"], most=100_000)
        errors: list[dict[str, Any]] = []
        if budget is None:
            errors.append(
                {"field": "weeklyBudget", "message": "Enter the weekly budget in pounds, for example 325.00"}
            )
        if given["heldAs"] not in cast("dict[str, str]", self.client.templates.globals["holdings"]):
            errors.append({"field": "heldAs", "message": "Select how the payment is held"})
        if not given["homePostcode"]:
            errors.append({"field": "homePostcode", "message": "Enter the person's home postcode"})
        if not errors:
            result = await self.client.run(
                request,
                "CreateHolderProfile",
                {
                    "input": {
                        "userId": user["id"],
                        "weeklyBudgetPence": budget,
                        "heldAs": given["heldAs"],
                        "homePostcode": given["homePostcode"],
                    }
                },
                allow_errors=PAGE_ERRORS,
            )
            if "FORBIDDEN" in result.error_codes():
                checked(result)
            answer = result.data.get("createDpHolder") or {}
            holder = answer.get("dpHolder")
            if holder and not result.errors:
                return RedirectResponse(f"/holders/{holder['id']}?added=1", status_code=303)
            errors = answers.renamed(
                result.errors or answer.get("userErrors", []), {"weeklyBudgetPence": "weeklyBudget"}
            )
        return self._profile_form(request, user, given, errors)

    def _profile_form(
        self,
        request: Request,
        user: dict[str, Any],
        given: dict[str, str],
        user_errors: list[dict[str, Any]],
    ) -> Response:
        errors, field_errors = errors_from(user_errors, fields=PROFILE_FIELDS)
        return self.client.render(
            request,
            "holder_new_profile.html",
            person=user,
            given=given,
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active="/caseload",
        )


def holder_setup_routes(client: WebClient) -> list[Route]:
    pages = HolderSetup(client)
    return [
        Route("/caseload/add", pages.sign_in_page, methods=["GET", "POST"]),
        Route("/caseload/add/{user_id}", pages.profile_page, methods=["GET", "POST"]),
    ]
