"""Sending a care request to a matched provider: one form for the broker's pages (`/plans/...`) and
the DP holder's (`/your-care/plans/...`). The two differ only in where the plan lives, whose plan the
page says it is, where a sent request is shown and which navigation item is current; whether the
user may send it is the API's answer (`sendRequest`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from broker.web.forms import errors_from
from broker.web.pages import ID_MAX, PAGE_ERRORS, checked, path_id, posted_form, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

MESSAGE_FORM_MAX = 10_000  # the API refuses over 2,000 characters in its own words; this bounds the form
NEEDS_FORM_MAX = 50
# A request's status as the person asking (a holder, or a broker for them) reads it.
REQUEST_STATUSES = {
    "PENDING": "Waiting for an answer",
    "ACCEPTED": "Accepted",
    "DECLINED": "Declined",
    "EXPIRED": "Expired",
}
NO_NEED = "Select at least one need to ask about"


@dataclass(frozen=True)
class RequestForm:
    client: WebClient
    plan_base: str  # "/plans" or "/your-care/plans"
    whose_plan: str  # "this plan" or "your plan"
    sent_base: str  # a sent request is shown at f"{sent_base}/{id}/sent"
    active: str  # the navigation item

    async def page(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        plan_id = path_id(request, "plan_id")
        if request.method == "GET":
            provider_id = request.query_params.get("provider", "")[:ID_MAX]
            plan, match = await self._data(request, plan_id, provider_id)
            return self._form(request, plan, match, need_ids=[n["id"] for n in plan["needs"]], message="")
        form = await posted_form(request)
        provider_id = str(form.get("providerId") or "")[:ID_MAX]
        need_ids = [str(n)[:ID_MAX] for n in form.getlist("needIds")[:NEEDS_FORM_MAX]]
        message = str(form.get("message") or "")[:MESSAGE_FORM_MAX]
        plan, match = await self._data(request, plan_id, provider_id)
        errors: list[dict[str, str | None]]
        if not need_ids:
            errors, field_errors = [{"field": "needIds", "message": NO_NEED}], {"needIds": NO_NEED}
        else:
            variables = {
                "planId": plan_id,
                "providerId": provider_id,
                "needIds": need_ids,
                "message": message,
            }
            result = await self.client.run(
                request, "SendCareRequest", {"input": variables}, allow_errors=("INVALID",)
            )
            answer = result.data.get("sendRequest") or {}
            sent = answer.get("careRequest")
            if sent and not result.errors:
                return RedirectResponse(f"{self.sent_base}/{sent['id']}/sent", status_code=303)
            errors, field_errors = errors_from(
                result.errors or answer.get("userErrors", []), fields=("needIds", "message")
            )
        return self._form(
            request,
            plan,
            match,
            need_ids=need_ids,
            message=message,
            errors=errors,
            field_errors=field_errors,
            status=400,
        )

    async def _data(
        self, request: Request, plan_id: str, provider_id: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if not provider_id:
            raise HTTPException(404)
        result = checked(
            await self.client.run(
                request,
                "NewCareRequest",
                {"planId": plan_id, "providerId": provider_id},
                allow_errors=PAGE_ERRORS,
            )
        )
        plan, match = result.data.get("supportPlan"), result.data.get("matchExplanation")
        if not plan or not match:
            raise HTTPException(404)
        return plan, match

    def _form(
        self,
        request: Request,
        plan: dict[str, Any],
        match: dict[str, Any],
        *,
        need_ids: list[str],
        message: str,
        **values: Any,
    ) -> Response:
        return self.client.render(
            request,
            "request_form.html",
            plan_base=self.plan_base,
            whose_plan=self.whose_plan,
            plan=plan,
            match=match,
            need_ids=need_ids,
            message=message,
            active=self.active,
            **values,
        )
