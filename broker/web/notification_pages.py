"""Notifications in the web client: the signed-in user's own list (newest first, unread marked, each
linking to the page about what happened), marking them read, and choosing how each kind of event is
told (in the app, by email, both or neither). Everyone's own: the API shows nobody else's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broker.web.forms import errors_from
from broker.web.pages import (
    ID_MAX,
    PAGE_ERRORS,
    checked,
    page_links,
    page_number,
    payload_of,
    posted_form,
    sign_in_first,
)

if TYPE_CHECKING:
    from broker.web.app import WebClient

NOTIFICATIONS = "/notifications"
PREFERENCES = "/notifications/settings"
KIND_NAMES = {
    "REQUEST_SENT": "A care request is sent to you",
    "REQUEST_ACCEPTED": "A care request is accepted",
    "REQUEST_DECLINED": "A care request is declined",
    "REQUEST_EXPIRING": "A care request is about to expire",
    "AGREEMENT_ACTIVATED": "An agreement becomes active",
    "AGREEMENT_ENDING": "An agreement is ending",
    "CHECK_EXPIRING": "An accreditation check expires in 30 days",
    "CHECK_LAPSED": "An accreditation check has lapsed",
    "PAYMENT_FAILED": "A payment failed",
    "TIMESHEET_WAITING": "A timesheet is waiting for you",
    "SUBCONTRACT_PROPOSED": "A subcontract is proposed",
    "REFERRAL_ROUTED": "A DP support referral is routed",
    "NEW_MESSAGE": "A new message",
    "MESSAGE_REPORTED": "A message is reported to the council",
}
# The API links to a page by the object's kind (`/care-requests/<id>`); the web client has one page per
# kind for each role that works on it, so a link is turned into the page this user has.
ROLE_PAGES = {
    "PROVIDER": {
        "/care-requests/": "/provider/requests/",
        "/agreements/": "/provider/agreements/",
        "/subcontracts/": "/provider/subcontracts/",
        "/support-referrals/": "/provider/referrals/",
        "/timesheets/": "/provider/timesheets",
        "/payments/": "/provider/payments",
    },
    "DP_HOLDER": {
        "/care-requests/": "/your-care/requests/",
        "/agreements/": "/your-care",
        "/payments/": "/your-care",
    },
    "REPRESENTATIVE": {
        "/care-requests/": "/your-care/requests/",
        "/agreements/": "/your-care",
        "/payments/": "/your-care",
    },
    "BROKER": {
        "/subcontracts/": "/dp-support",
        "/timesheets/": "/late-timesheets",
        "/payments/": "/caseload",
    },
    "ADMIN": {"/subcontracts/": "/dp-support", "/timesheets/": "/late-timesheets", "/payments/": "/caseload"},
}


def page_for(link: str, role: str | None) -> str:
    """The web client's page for a notification's link, for this user's role; a link outside the
    client's own paths goes nowhere but the list."""
    if not link.startswith("/") or link.startswith("//"):
        return NOTIFICATIONS
    for prefix, page in ROLE_PAGES.get(role or "", {}).items():
        if link.startswith(prefix):
            return page + link.removeprefix(prefix) if page.endswith("/") else page
    return link


class NotificationPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def notifications(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        after = request.query_params.get("after", "")[:200] or None
        result = await self.client.run(
            request, "NotificationsPage", {"after": after}, allow_errors=PAGE_ERRORS
        )
        data = checked(result).data
        viewer = data.get("viewer") or {}
        listed = viewer.get("notifications") or {}
        page = page_number(request)
        rows = [
            n | {"page": page_for(n.get("link", ""), viewer.get("role"))} for n in listed.get("nodes", [])
        ]
        return self.client.render(
            request,
            "notifications.html",
            notifications=rows,
            total=listed.get("totalCount", 0),
            unread=data.get("unreadNotificationCount", 0),
            page=page,
            pages=page_links(NOTIFICATIONS, {"after": after or ""}, listed, page),
            marked=request.query_params.get("marked") == "1",
            active=NOTIFICATIONS,
        )

    async def mark_read(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        form = await posted_form(request)
        chosen = [str(i)[:ID_MAX] for i in form.getlist("id")[:100]]
        marking: dict[str, Any] = {"ids": chosen} if chosen else {}
        result = await self.client.run(
            request, "MarkNotificationsRead", {"input": marking}, allow_errors=("INVALID", "NOT_FOUND")
        )
        payload_of(result, "markNotificationsRead")  # a forged ID is nobody's: nothing is marked
        return RedirectResponse(f"{NOTIFICATIONS}?marked=1", status_code=303)

    async def preferences(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        data = checked(
            await self.client.run(request, "NotificationPreferences", {}, allow_errors=PAGE_ERRORS)
        ).data
        chosen = {p["kind"]: p for p in data.get("notificationPreferences") or []}
        errors: list[dict[str, Any]] = []
        saved = request.query_params.get("saved") == "1"
        if request.method == "POST":
            form = await posted_form(request)
            ticked = {str(v)[:40] for v in form.getlist("inApp")} | {
                f"email:{str(v)[:40]}" for v in form.getlist("email")
            }
            wanted = [
                {"kind": kind, "inApp": kind in ticked, "email": f"email:{kind}" in ticked} for kind in chosen
            ]
            result = await self.client.run(
                request,
                "SetNotificationPreferences",
                {"input": {"preferences": wanted}},
                allow_errors=("INVALID",),
            )
            _, errors = payload_of(result, "setNotificationPreferences")
            if not errors:
                return RedirectResponse(f"{PREFERENCES}?saved=1", status_code=303)
            chosen = {p["kind"]: p for p in wanted}
        summary, field_errors = errors_from(errors, fields=["preferences"])
        return self.client.render(
            request,
            "notification_settings.html",
            status=400 if summary else 200,
            preferences=list(chosen.values()),
            kind_names=KIND_NAMES,
            saved=saved,
            errors=summary,
            field_errors=field_errors,
            active=NOTIFICATIONS,
        )


def notification_routes(client: WebClient) -> list[Route]:
    pages = NotificationPages(client)
    return [
        Route(NOTIFICATIONS, pages.notifications),
        Route(f"{NOTIFICATIONS}/read", pages.mark_read, methods=["POST"]),
        Route(PREFERENCES, pages.preferences, methods=["GET", "POST"]),
    ]
