"""Writing a support plan, one thing per page: about the plan, each need with its weekly times, the
preferences, then "check your answers" before the plan is made active.

The first page creates the plan as a DRAFT, and every later page saves its answers to it at once:
a broker who is called away loses nothing, a draft is never matched, and the API's own rules (budget,
slots, taxonomy) judge every answer as it is given. The check-answers page is where a draft becomes
ACTIVE. Needs and preferences are sent back whole (`updateSupportPlan` replaces both lists), each
kept need with its ID so its history stays with it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broker.web import answers as typed
from broker.web.forms import errors_from
from broker.web.pages import PAGE_ERRORS, checked, path_id, payload_of, posted_form, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
SLOT_ROWS_MIN = 5
SLOT_ROWS_MAX = 28
TEXT_MAX = 4_000  # the API's own limit on outcomes; longer text is cut here only to bound the form
STRENGTHS = {"PREFERRED": "Would like", "REQUIRED": "Must have"}
PREFERENCE_QUESTIONS = ("gender", "providerKind", "languages", "skills")
PREFERENCE_KINDS = {
    "gender": "GENDER",
    "providerKind": "PROVIDER_KIND",
    "languages": "LANGUAGE",
    "skills": "SKILL",
}
NEED_PATH = re.compile(r"^input\.needs\.(\d+)(?:\.(.+))?$")
PREFERENCE_PATH = re.compile(r"^input\.preferences\.(\d+)")


def _need_input(need: dict[str, Any]) -> dict[str, Any]:
    """A saved need as `updateSupportPlan` takes it back (with its ID, so it is kept, not replaced)."""
    return {
        "id": need["id"],
        "serviceCode": (need.get("service") or {}).get("code", ""),
        "hoursPerWeek": need["hoursPerWeek"],
        "budgetedRatePence": need["budgetedRate"],
        "slots": [{"day": s["day"], "start": s["start"], "end": s["end"]} for s in need["slots"]],
    }


def _preference_inputs(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"kind": p["kind"], "value": p["value"], "strength": p["strength"]} for p in plan["preferences"]]


def _preference_answers(plan: dict[str, Any]) -> dict[str, str]:
    """The saved preferences as the preferences page's answers (lists as comma-separated text)."""
    answers = {q: "" for q in PREFERENCE_QUESTIONS} | {
        f"{q}Strength": "PREFERRED" for q in PREFERENCE_QUESTIONS
    }
    for question, kind in PREFERENCE_KINDS.items():
        chosen = [p for p in plan["preferences"] if p["kind"] == kind]
        if chosen:
            answers[question] = ", ".join(p["value"] for p in chosen)
            answers[f"{question}Strength"] = chosen[0]["strength"]
    return answers


class PlanWriting:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _plan(self, request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        result = checked(
            await self.client.run(
                request, "PlanWriting", {"id": path_id(request, "plan_id")}, allow_errors=PAGE_ERRORS
            )
        )
        plan = result.data.get("supportPlan")
        if not plan:
            raise HTTPException(404)
        return plan, result.data.get("services") or []

    async def _update(
        self, request: Request, changes: dict[str, Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Saves `changes` to the plan; the payload and its errors (request errors count as errors)."""
        result = await self.client.run(
            request,
            "UpdatePlan",
            {"input": {"id": path_id(request, "plan_id"), **changes}},
            allow_errors=PAGE_ERRORS,
        )
        return payload_of(result, "updateSupportPlan")

    # --- about the plan ------------------------------------------------------------------------

    async def new_plan(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        result = checked(
            await self.client.run(
                request, "NewPlanHolder", {"id": path_id(request, "holder_id")}, allow_errors=PAGE_ERRORS
            )
        )
        holder = result.data.get("dpHolder")
        if not holder:
            raise HTTPException(404)
        if request.method == "GET":
            return self._about_page(
                request, holder, None, outcomes="", postcode="", start=typed.date_parts(None)
            )
        form = await posted_form(request)
        outcomes, postcode, start, changes, errors = self._about_answers(form)
        if not errors:
            created = await self.client.run(
                request,
                "CreatePlan",
                {"input": {"holderId": holder["id"], **changes}},
                allow_errors=PAGE_ERRORS,
            )
            answer, errors = payload_of(created, "createSupportPlan")
            plan = answer.get("supportPlan")
            if plan and not errors:
                return RedirectResponse(f"/plans/{plan['id']}/needs/new", status_code=303)
        return self._about_page(
            request, holder, None, outcomes=outcomes, postcode=postcode, start=start, user_errors=errors
        )

    async def about(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        plan, _ = await self._plan(request)
        if request.method == "GET":
            return self._about_page(
                request,
                plan["holder"],
                plan,
                outcomes=plan["outcomes"] or "",
                postcode=plan["postcode"] or "",
                start=typed.date_parts(plan["startDate"]),
            )
        form = await posted_form(request)
        outcomes, postcode, start, changes, errors = self._about_answers(form)
        if not errors:
            _, errors = await self._update(request, changes)
            if not errors:
                return RedirectResponse(f"/plans/{plan['id']}/check", status_code=303)
        return self._about_page(
            request,
            plan["holder"],
            plan,
            outcomes=outcomes,
            postcode=postcode,
            start=start,
            user_errors=errors,
        )

    def _about_answers(
        self, form: FormData
    ) -> tuple[str, str, dict[str, str], dict[str, Any], list[dict[str, Any]]]:
        outcomes = str(form.get("outcomes") or "")[: TEXT_MAX + 1]
        postcode = typed.text(form, "postcode", 12)
        start, start_date, start_error = typed.date_answer(form, "startDate", "Start date")
        errors: list[dict[str, Any]] = []
        if not outcomes.strip():
            errors.append({"field": "input.outcomes", "message": "Enter what the person wants to achieve"})
        if start_error:
            errors.append({"field": "input.startDate", "message": start_error})
        elif not start_date:
            errors.append({"field": "input.startDate", "message": "Enter the date the plan starts"})
        changes: dict[str, Any] = {"outcomes": outcomes, "startDate": start_date}
        if postcode:
            changes["postcode"] = postcode
        return outcomes, postcode, start, changes, errors

    def _about_page(
        self,
        request: Request,
        holder: dict[str, Any],
        plan: dict[str, Any] | None,
        *,
        user_errors: list[dict[str, Any]] | None = None,
        **answers: Any,
    ) -> Response:
        errors, field_errors = errors_from(user_errors or [], fields=("outcomes", "postcode", "startDate"))
        return self.client.render(
            request,
            "plan_about.html",
            holder=holder,
            plan=plan,
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active="/caseload",
            **answers,
        )

    # --- needs ---------------------------------------------------------------------------------

    async def need(self, request: Request) -> Response:
        """Adds a need (`/needs/new`) or changes one (`/needs/{need_id}`)."""
        if redirect := sign_in_first(request):
            return redirect
        plan, services = await self._plan(request)
        need_id = request.path_params.get("need_id")
        index = next((i for i, n in enumerate(plan["needs"]) if n["id"] == need_id), None)
        if need_id is not None and index is None:
            raise HTTPException(404)
        saved = plan["needs"][index] if index is not None else None
        if request.method == "GET":
            answers = {
                "serviceCode": (saved.get("service") or {}).get("code", "") if saved else "",
                "hoursPerWeek": f"{saved['hoursPerWeek']:g}" if saved else "",
                "budgetedRate": f"{saved['budgetedRate'] / 100:.2f}" if saved else "",
            }
            slots = [dict(s) for s in saved["slots"]] if saved else []
            return self._need_page(request, plan, services, saved, answers, slots)
        form = await posted_form(request)
        answers = {
            "serviceCode": typed.text(form, "serviceCode", 40),
            "hoursPerWeek": typed.text(form, "hoursPerWeek", 12),
            "budgetedRate": typed.text(form, "budgetedRate", 12),
        }
        counted = typed.text(form, "slotRows", 2)
        rows = min(int(counted), SLOT_ROWS_MAX) if counted.isdigit() else 0
        slots = [
            {part: typed.text(form, f"slots-{row}-{part}", 10) for part in ("day", "start", "end")}
            for row in range(rows)
        ]
        filled = [row for row, slot in enumerate(slots) if any(slot.values())]
        errors: list[dict[str, Any]] = []
        hours, rate = typed.hours(answers["hoursPerWeek"]), typed.pence(answers["budgetedRate"], most=10_000)
        if not answers["serviceCode"]:
            errors.append({"field": "serviceCode", "message": "Select the service needed"})
        if hours is None:
            errors.append(
                {"field": "hoursPerWeek", "message": "Enter the hours a week as a number, like 7.5"}
            )
        if rate is None:
            errors.append(
                {"field": "budgetedRate", "message": "Enter the hourly rate in pounds, for example 16.50"}
            )
        if not filled:
            errors.append({"field": "slots-0-day", "message": "Enter at least one time in the week"})
        for row in filled:
            if slots[row]["day"] not in WEEKDAYS:
                errors.append({"field": f"slots-{row}-day", "message": f"Select the day of time {row + 1}"})
        if not errors:
            need = {
                "serviceCode": answers["serviceCode"],
                "hoursPerWeek": hours,
                "budgetedRatePence": rate,
                "slots": [slots[row] for row in filled],
            }
            needs = [_need_input(n) for n in plan["needs"]]
            position = len(needs) if index is None else index
            if index is None:
                needs.append(need)
            else:
                needs[index] = {"id": need_id, **need}
            _, user_errors = await self._update(request, {"needs": needs})
            if not user_errors:
                return RedirectResponse(f"/plans/{plan['id']}/check", status_code=303)
            errors = self._need_errors(user_errors, position, filled)
        return self._need_page(request, plan, services, saved, answers, slots, errors=errors)

    @staticmethod
    def _need_errors(
        user_errors: list[dict[str, Any]], position: int, filled: list[int]
    ) -> list[dict[str, Any]]:
        """The API's paths (`input.needs.2.slots.1.end`) as this page's fields (`slots-4-end`): the slot
        index counts only the rows that were filled in, the form's counts every row."""
        mapped = []
        for error in user_errors:
            path = error.get("field") or (error.get("extensions") or {}).get("field") or ""
            found = NEED_PATH.match(path)
            field = None
            if found and int(found.group(1)) == position and found.group(2):
                rest = found.group(2).split(".")
                if rest[0] == "slots" and len(rest) > 1 and rest[1].isdigit() and int(rest[1]) < len(filled):
                    field = f"slots-{filled[int(rest[1])]}-{rest[2] if len(rest) > 2 else 'day'}"
                elif rest[0] == "budgetedRatePence":
                    field = "budgetedRate"
                elif rest[0] in ("serviceCode", "hoursPerWeek"):
                    field = rest[0]
            mapped.append({"field": field, "message": error.get("message")})
        return mapped

    def _need_page(
        self,
        request: Request,
        plan: dict[str, Any],
        services: list[dict[str, Any]],
        saved: dict[str, Any] | None,
        answers: dict[str, str],
        slots: list[dict[str, str]],
        errors: list[dict[str, Any]] | None = None,
    ) -> Response:
        rows = max(len(slots) + 2, SLOT_ROWS_MIN)
        slots = [*slots, *({"day": "", "start": "", "end": ""} for _ in range(rows - len(slots)))][
            :SLOT_ROWS_MAX
        ]
        summary = [
            {"field": e["field"], "message": str(e.get("message") or "Check this answer")}
            for e in errors or []
        ]
        inline: dict[str, str] = {}
        for error in summary:
            if error["field"] and error["field"] not in inline:
                inline[error["field"]] = error["message"]
        return self.client.render(
            request,
            "plan_need.html",
            plan=plan,
            need=saved,
            answers=answers,
            slots=slots,
            weekdays=WEEKDAYS,
            service_options=[("", "Choose a service"), *((s["code"], s["label"]) for s in services)],
            errors=summary,
            field_errors=inline,
            status=400 if errors else 200,
            active="/caseload",
        )

    async def remove_need(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        plan, _ = await self._plan(request)
        need_id = request.path_params["need_id"]
        need = next((n for n in plan["needs"] if n["id"] == need_id), None)
        if need is None:
            raise HTTPException(404)
        if request.method == "POST":
            await posted_form(request)
            kept = [_need_input(n) for n in plan["needs"] if n["id"] != need_id]
            _, errors = await self._update(request, {"needs": kept})
            if not errors:
                return RedirectResponse(f"/plans/{plan['id']}/check", status_code=303)
            return self._check_page(request, plan, errors)
        return self.client.render(request, "plan_remove_need.html", plan=plan, need=need, active="/caseload")

    # --- preferences ---------------------------------------------------------------------------

    async def preferences(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        plan, _ = await self._plan(request)
        if request.method == "GET":
            return self._preferences_page(request, plan, _preference_answers(plan))
        form = await posted_form(request)
        answers = {q: typed.text(form, q) for q in PREFERENCE_QUESTIONS} | {
            f"{q}Strength": typed.text(form, f"{q}Strength", 10) for q in PREFERENCE_QUESTIONS
        }
        preferences: list[dict[str, str]] = []
        origins: list[str] = []
        for question, kind in PREFERENCE_KINDS.items():
            strength = answers[f"{question}Strength"]
            strength = strength if strength in STRENGTHS else "PREFERRED"
            values = [v.strip() for v in answers[question].split(",") if v.strip()][:10]
            for value in values:
                preferences.append({"kind": kind, "value": value, "strength": strength})
                origins.append(question)
        _, user_errors = await self._update(request, {"preferences": preferences})
        if not user_errors:
            return RedirectResponse(f"/plans/{plan['id']}/check", status_code=303)
        errors = []
        for error in user_errors:
            found = PREFERENCE_PATH.match(error.get("field") or "")
            index = int(found.group(1)) if found else -1
            errors.append(
                {"field": origins[index] if 0 <= index < len(origins) else None, "message": error["message"]}
            )
        return self._preferences_page(request, plan, answers, errors)

    def _preferences_page(
        self,
        request: Request,
        plan: dict[str, Any],
        answers: dict[str, str],
        errors: list[dict[str, Any]] | None = None,
    ) -> Response:
        summary, inline = errors_from(errors or [], fields=PREFERENCE_QUESTIONS)
        return self.client.render(
            request,
            "plan_preferences.html",
            plan=plan,
            answers=answers,
            strengths=STRENGTHS,
            errors=summary,
            field_errors=inline,
            status=400 if errors else 200,
            active="/caseload",
        )

    # --- check your answers, then activate -----------------------------------------------------

    async def check(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        plan, _ = await self._plan(request)
        if request.method == "GET":
            return self._check_page(request, plan)
        await posted_form(request)
        if plan["status"] != "DRAFT":
            return RedirectResponse(f"/plans/{plan['id']}", status_code=303)
        errors: list[dict[str, Any]] = []
        if not plan["needs"]:
            errors = [{"field": None, "message": "Add at least one need before the plan is made active"}]
        else:
            _, errors = await self._update(request, {"status": "ACTIVE"})
        if not errors:
            return RedirectResponse(f"/plans/{plan['id']}?activated=1", status_code=303)
        return self._check_page(request, plan, errors)

    def _check_page(
        self, request: Request, plan: dict[str, Any], errors: list[dict[str, Any]] | None = None
    ) -> Response:
        summary = [
            {"field": None, "message": str(e.get("message") or "Check the plan")} for e in errors or []
        ]
        return self.client.render(
            request,
            "plan_check.html",
            plan=plan,
            strengths=STRENGTHS,
            errors=summary,
            status=400 if errors else 200,
            active="/caseload",
        )


def plan_writing_routes(client: WebClient) -> list[Route]:
    pages = PlanWriting(client)
    either = ["GET", "POST"]
    return [
        Route("/holders/{holder_id}/plans/new", pages.new_plan, methods=either),
        Route("/plans/{plan_id}/about", pages.about, methods=either),
        Route("/plans/{plan_id}/needs/new", pages.need, methods=either),
        Route("/plans/{plan_id}/needs/{need_id}", pages.need, methods=either),
        Route("/plans/{plan_id}/needs/{need_id}/remove", pages.remove_need, methods=either),
        Route("/plans/{plan_id}/preferences", pages.preferences, methods=either),
        Route("/plans/{plan_id}/check", pages.check, methods=either),
    ]
