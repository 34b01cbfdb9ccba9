"""Reconciling a DP account: the broker uploads the statement the card provider or bank exported,
reads its lines with what reconciliation made of each, and decides about a line that did not match
(attach it to an agreement, allow it with a reason, or mark it for the council to recover).

The file goes to `importStatement` as it was uploaded; the page only checks it is text of a size the
API takes. Importing the same file again changes nothing, and the page says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broker.web.forms import errors_from
from broker.web.pages import (
    ID_MAX,
    PAGE_ERRORS,
    PAGE_SIZE,
    checked,
    page_links,
    page_number,
    path_id,
    posted_form,
    sign_in_first,
)

if TYPE_CHECKING:
    from broker.web.app import WebClient

FORMATS = {
    "PREPAID_CARD": "Pre-paid card export (Date, Merchant, MCC, Amount, Reference)",
    "BANK_CSV": "Bank CSV (Date, Payee, Amount, Reference, optional Balance)",
    "BANK_PAID_OUT_PAID_IN": "Bank CSV with paid out and paid in columns "
    "(Date, Description, Paid out, Paid in)",
    "CUSTOM": "Another layout: name its columns below",
}
# The CUSTOM format's columns: the form's field for each of the API's `columnMapping` fields.
COLUMNS = {
    "date": ("columnDate", "Date column"),
    "payee": ("columnPayee", "Payee or merchant column"),
    "amount": ("columnAmount", "Amount column"),
    "paidOut": ("columnPaidOut", "Paid out column"),
    "paidIn": ("columnPaidIn", "Paid in column"),
    "reference": ("columnReference", "Reference column"),
    "merchantCategoryCode": ("columnMerchantCategoryCode", "Merchant category code column"),
    "balance": ("columnBalance", "Balance column"),
}
REQUIRED_COLUMNS = ("date", "payee")  # the API's input has them always
DATE_FORMATS = {
    "ISO": "Year-month-day (2026-11-02)",
    "DAY_MONTH_YEAR": "Day/month/year (02/11/2026)",
    "MONTH_DAY_YEAR": "Month/day/year (11/02/2026)",
}
MONEY_OUT = {
    "NEGATIVE": "Money out is negative (as banks show it)",
    "POSITIVE": "Spending is positive (as card exports show it)",
}
HEADER_MAX = 100
IMPORT_FIELDS = ("format", "file", *(field for field, _ in COLUMNS.values()), "dateFormat", "moneyOut")
LINE_STATUSES = {
    "MATCHED": "Matched",
    "UNMATCHED": "No agreement",
    "AFTER_AGREEMENT_ENDED": "After the agreement ended",
    "ABOVE_AGREED_RATE": "Above the agreed rate",
    "BLOCKED_CATEGORY": "Blocked card category",
    "MONEY_IN": "Money in",
}
LINE_COLOURS = {
    "MATCHED": "green",
    "UNMATCHED": "red",
    "AFTER_AGREEMENT_ENDED": "orange",
    "ABOVE_AGREED_RATE": "orange",
    "BLOCKED_CATEGORY": "red",
    "MONEY_IN": "grey",
}
RESOLUTIONS = {"ATTACHED": "Attached to an agreement", "ALLOWED": "Allowed", "RECOVER": "To be recovered"}
ACTIONS = {
    "ATTACH_TO_AGREEMENT": "Attach it to an agreement",
    "ALLOW": "Allow it",
    "RECOVER": "Mark it for the council to recover",
}
RESOLVED_CHOICES = {"no": "Not decided yet", "yes": "Decided"}
FILE_MAX_BYTES = 1_000_000  # the API's request limit, 1 MB by default: a larger file cannot reach it
REASON_MAX = 600  # the API allows 500 and says so; this only bounds the form


class StatementPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def lines(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        holder_id = path_id(request, "holder_id")
        params = request.query_params
        status = params.get("status", "") if params.get("status") in LINE_STATUSES else ""
        resolved = params.get("resolved", "") if params.get("resolved") in RESOLVED_CHOICES else ""
        after = params.get("after", "")[:ID_MAX]
        line_filter: dict[str, Any] = {"holderId": holder_id}
        if status:
            line_filter["status"] = status
        if resolved:
            line_filter["resolved"] = resolved == "yes"
        result = checked(
            await self.client.run(
                request,
                "StatementLinesPage",
                {"holderId": holder_id, "first": PAGE_SIZE, "after": after or None, "filter": line_filter},
                allow_errors=PAGE_ERRORS,
            )
        )
        holder = result.data.get("dpHolder")
        if not holder:
            raise HTTPException(404)
        found = result.data["statementLines"]
        page = page_number(request)
        return self.client.render(
            request,
            "statement_lines.html",
            holder=holder,
            lines=found["nodes"],
            total=found["totalCount"],
            chosen_status=status,
            chosen_resolved=resolved,
            status_options=[("", "Any status"), *LINE_STATUSES.items()],
            resolved_options=[("", "Decided or not"), *RESOLVED_CHOICES.items()],
            line_statuses=LINE_STATUSES,
            line_colours=LINE_COLOURS,
            resolutions=RESOLUTIONS,
            page=page,
            pages=page_links(
                f"/holders/{holder['id']}/statement-lines",
                {"status": status, "resolved": resolved, "after": after},
                found,
                page,
            ),
            resolved_line=params.get("decided") == "1",
            active="/caseload",
        )

    # --- importing -----------------------------------------------------------------------------

    async def import_statement(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        holder_id = path_id(request, "holder_id")
        found = checked(
            await self.client.run(
                request,
                "StatementLinesPage",
                {"holderId": holder_id, "first": 1, "filter": {"holderId": holder_id}},
                allow_errors=PAGE_ERRORS,
            )
        )
        holder = found.data.get("dpHolder")
        if not holder:
            raise HTTPException(404)
        given = {"format": "", "dateFormat": "ISO", "moneyOut": "NEGATIVE"}
        given |= {field: "" for field, _ in COLUMNS.values()}
        if request.method == "GET":
            return self._import_form(request, holder, given, [])
        form = await posted_form(request)
        given = {name: str(form.get(name) or "")[:HEADER_MAX].strip() for name in given}
        upload = form.get("file")
        errors: list[dict[str, Any]] = []
        if given["format"] not in FORMATS:
            errors.append({"field": "format", "message": "Select the format of the statement"})
        mapping = _column_mapping(given, errors) if given["format"] == "CUSTOM" else None
        text = await self._file_text(upload, errors)
        if not errors and text is not None:
            statement = {"holderId": holder["id"], "format": given["format"], "file": text}
            result = await self.client.run(
                request,
                "ImportStatement",
                {"input": statement | ({"columnMapping": mapping} if mapping else {})},
                allow_errors=PAGE_ERRORS,
            )
            if "FORBIDDEN" in result.error_codes():
                checked(result)
            answer = result.data.get("importStatement") or {}
            errors = _mapping_named(result.errors or answer.get("userErrors", []))
            if not errors:
                return self.client.render(
                    request,
                    "statement_imported.html",
                    holder=holder,
                    answer=answer,
                    line_statuses=LINE_STATUSES,
                    active="/caseload",
                )
        return self._import_form(request, holder, given, errors)

    @staticmethod
    async def _file_text(upload: Any, errors: list[dict[str, Any]]) -> str | None:
        if not isinstance(upload, UploadFile) or not upload.filename:
            errors.append({"field": "file", "message": "Choose the statement file to upload"})
            return None
        raw = await upload.read(FILE_MAX_BYTES + 1)
        if not raw.strip():
            errors.append({"field": "file", "message": "The file is empty"})
        elif len(raw) > FILE_MAX_BYTES:
            errors.append({"field": "file", "message": "The file must be smaller than 1 MB"})
        else:
            try:
                return raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                errors.append({"field": "file", "message": "The file must be a CSV file saved as UTF-8"})
        return None

    def _import_form(
        self,
        request: Request,
        holder: dict[str, Any],
        given: dict[str, str],
        user_errors: list[dict[str, Any]],
    ) -> Response:
        # The API names the file's problems `input.file` (with the line in the message).
        errors, field_errors = errors_from(user_errors, fields=IMPORT_FIELDS)
        return self.client.render(
            request,
            "statement_import.html",
            holder=holder,
            given=given,
            chosen=given["format"],
            format_options=list(FORMATS.items()),
            columns=list(COLUMNS.values()),
            date_format_options=list(DATE_FORMATS.items()),
            money_out_options=list(MONEY_OUT.items()),
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active="/caseload",
        )

    # --- deciding about a line -----------------------------------------------------------------

    async def line(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        found = checked(
            await self.client.run(
                request, "StatementLinePage", {"id": path_id(request, "line_id")}, allow_errors=PAGE_ERRORS
            )
        )
        line = found.data.get("node") or {}
        if "status" not in line:
            raise HTTPException(404)
        agreements = checked(
            await self.client.run(
                request,
                "StatementLineAgreements",
                {"holderId": line["holder"]["id"]},
                allow_errors=PAGE_ERRORS,
            )
        ).data["agreements"]["nodes"]
        if request.method == "GET":
            given = {"action": "", "agreementId": "", "reason": ""}
            return self._line_page(request, line, agreements, given, [])
        form = await posted_form(request)
        given = {
            "action": str(form.get("action") or "")[:40],
            "agreementId": str(form.get("agreementId") or "")[:ID_MAX],
            "reason": str(form.get("reason") or "")[:REASON_MAX].strip(),
        }
        errors: list[dict[str, Any]] = []
        if given["action"] not in ACTIONS:
            errors.append({"field": "action", "message": "Select what to do about the line"})
        elif given["action"] == "ATTACH_TO_AGREEMENT" and not given["agreementId"]:
            errors.append({"field": "agreementId", "message": "Select the agreement the payment was for"})
        elif given["action"] != "ATTACH_TO_AGREEMENT" and not given["reason"]:
            errors.append({"field": "reason", "message": "Enter why"})
        if not errors:
            decision: dict[str, Any] = {"lineId": line["id"], "action": given["action"]}
            if given["action"] == "ATTACH_TO_AGREEMENT":
                decision["agreementId"] = given["agreementId"]
            if given["reason"]:
                decision["reason"] = given["reason"]
            result = await self.client.run(
                request, "ResolveStatementLine", {"input": decision}, allow_errors=PAGE_ERRORS
            )
            if "FORBIDDEN" in result.error_codes():
                checked(result)
            answer = result.data.get("resolveStatementLine") or {}
            errors = result.errors or answer.get("userErrors", [])
            if not errors:
                return RedirectResponse(
                    f"/holders/{line['holder']['id']}/statement-lines?decided=1", status_code=303
                )
        return self._line_page(request, line, agreements, given, errors)

    def _line_page(
        self,
        request: Request,
        line: dict[str, Any],
        agreements: list[dict[str, Any]],
        given: dict[str, str],
        user_errors: list[dict[str, Any]],
    ) -> Response:
        errors, field_errors = errors_from(user_errors, fields=("action", "agreementId", "reason"))
        long_date = self.client.templates.filters["long_date"]
        return self.client.render(
            request,
            "statement_line.html",
            line=line,
            agreement_options=[
                (a["id"], f"{a['provider']['name']}, from {long_date(a['startDate'])}") for a in agreements
            ],
            given=given,
            actions=ACTIONS,
            line_statuses=LINE_STATUSES,
            line_colours=LINE_COLOURS,
            resolutions=RESOLUTIONS,
            errors=errors,
            field_errors=field_errors,
            status=400 if user_errors else 200,
            active="/caseload",
        )


def _column_mapping(given: dict[str, str], errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The CUSTOM format's `columnMapping` from the headers typed: an empty box is a column the file
    does not have (the date and payee columns are always sent, so the API says when they are missing).
    Only the two choices are checked here: a value that is not one of them cannot be sent at all."""
    if given["dateFormat"] not in DATE_FORMATS:
        errors.append({"field": "dateFormat", "message": "Select how the dates are written"})
    if given["moneyOut"] not in MONEY_OUT:
        errors.append({"field": "moneyOut", "message": "Select how money out is shown"})
    mapping: dict[str, Any] = {
        name: given[field] if name in REQUIRED_COLUMNS else given[field] or None
        for name, (field, _) in COLUMNS.items()
    }
    return mapping | {"dateFormat": given["dateFormat"], "moneyOut": given["moneyOut"]}


def _mapping_named(user_errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API's `input.columnMapping.<column>` paths as the form's fields (`columnDate`, ...); a
    problem with the mapping as a whole sits by its first box."""
    out = []
    for error in user_errors:
        path = str(error.get("field") or (error.get("extensions") or {}).get("field") or "")
        if path.startswith("input.columnMapping"):
            column = path.removeprefix("input.columnMapping").strip(".").split(".", 1)[0]
            kept = column in ("dateFormat", "moneyOut")
            field = column if kept else COLUMNS.get(column, COLUMNS["date"])[0]
            error = {**error, "field": field}
        out.append(error)
    return out


def statement_routes(client: WebClient) -> list[Route]:
    pages = StatementPages(client)
    return [
        Route("/holders/{holder_id}/statement-lines", pages.lines),
        Route("/holders/{holder_id}/statements/import", pages.import_statement, methods=["GET", "POST"]),
        Route("/statement-lines/{line_id}", pages.line, methods=["GET", "POST"]),
    ]
