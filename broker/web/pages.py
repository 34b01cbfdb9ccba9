"""What every signed-in page does the same way: ask for sign-in first, turn the API's refusals into
the 403 and 404 pages, read IDs and cursors from the URL within bounds, check a form's CSRF token.

Who may see what is the API's answer, never a page's: a page asks its operation with the signed-in
user's token and shows what comes back. FORBIDDEN becomes the 403 page, an ID the API does not show
this user (null, NOT_FOUND) the 404 page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from broker.web import session
from broker.web.api import Result

PAGE_SIZE = 20
ID_MAX = 200
PAGE_ERRORS = ("FORBIDDEN", "NOT_FOUND", "INVALID")
FORM_EXPIRED = "This form has expired. Go back, reload the page and try again."


class Forbidden(Exception):
    """The API refused this user the page's data (FORBIDDEN): shown as the 403 page."""


def checked(result: Result) -> Result:
    codes = result.error_codes()
    if "FORBIDDEN" in codes:
        raise Forbidden()
    if codes:
        raise HTTPException(404)
    return result


def payload_of(result: Result, field: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A mutation's payload and what went wrong (request errors, else its userErrors). A refusal of
    the user (FORBIDDEN as a request error, PERMISSION_DENIED as a userError) is the 403 page, not a
    form error: no answer on the form would change it."""
    answer = result.data.get(field) or {}
    errors = result.errors or answer.get("userErrors") or []
    if "FORBIDDEN" in result.error_codes() or any(e.get("code") == "PERMISSION_DENIED" for e in errors):
        raise Forbidden()
    return answer, errors


def sign_in_first(request: Request) -> Response | None:
    if session.token(request) is not None:
        return None
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(session.sign_in_url(wanted), status_code=303)


async def posted_form(request: Request) -> FormData:
    """The form of a POST whose CSRF token is this session's; any other is refused before anything runs."""
    form = await request.form()
    if not session.csrf_ok(request, form.get(session.CSRF_FIELD)):
        raise HTTPException(400, FORM_EXPIRED)
    return form


def path_id(request: Request, name: str) -> str:
    return str(request.path_params[name])[:ID_MAX]


def page_number(request: Request) -> int:
    """Which page this is, for the title only (the cursor says where the page starts)."""
    raw = request.query_params.get("page", "1")[:5]
    if not raw.isdigit() or not request.query_params.get("after"):
        return 1
    return max(int(raw), 1)


def page_links(
    path: str, params: dict[str, str], connection: dict[str, Any], page: int
) -> dict[str, str | None]:
    """Next page (forward cursors only: the API pages forwards) and, past the first, the first."""
    info = connection.get("pageInfo") or {}
    kept = {k: v for k, v in params.items() if v and k != "after"}
    next_page = (
        f"{path}?{urlencode({**kept, 'after': info['endCursor'], 'page': page + 1})}"
        if info.get("hasNextPage") and info.get("endCursor")
        else None
    )
    first_page = (f"{path}?{urlencode(kept)}" if kept else path) if params.get("after") else None
    return {"next": next_page, "first": first_page}
