"""Conversations in the web client: the inbox (threads with unread counts, most recently active
first), a thread (its messages with sent and read times, and a form to write), starting a thread from
a care request, and reporting a message to the council.

Who sees a thread and what a message may say (no contact details before the provider accepts) are
the API's answers: the pages send what was typed and show its `userErrors`, keeping the text.
Opening a thread marks it read through `markConversationRead`, as reading it in any client would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broker.web.forms import errors_from
from broker.web.pages import (
    PAGE_ERRORS,
    checked,
    page_links,
    page_number,
    path_id,
    payload_of,
    posted_form,
    sign_in_first,
)
from broker.web.requesting import REQUEST_STATUSES

if TYPE_CHECKING:
    from broker.web.app import WebClient

INBOX = "/conversations"
TEXT_FORM_MAX = 10_000  # the API refuses over its limit in its own words; this bounds a form


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "")[:TEXT_FORM_MAX]


def about(thread: dict[str, Any]) -> dict[str, Any]:
    """Who the thread is with and what it is about, in words: the provider for the holder's side,
    the person (when the API shows them) for the provider."""
    subject = thread.get("careRequest") or thread.get("agreement") or {}
    provider = (subject.get("provider") or {}).get("name") or "the provider"
    person = ((subject.get("holder") or {}).get("user") or {}).get("fullName")
    if thread.get("yourSide") == "PROVIDER":
        with_whom = person or "the person who asked for care"
    else:
        with_whom = f"{provider} and {person}" if person and thread.get("viewerRole") in STAFF else provider
    if thread.get("careRequest"):
        status = REQUEST_STATUSES.get(subject.get("status", ""), subject.get("status", "").title())
        return {"with": with_whom, "what": "Care request", "status": status, "sent_at": subject.get("sentAt")}
    return {
        "with": with_whom,
        "what": "Agreement",
        "status": subject.get("status", "").title(),
        "sent_at": None,
    }


STAFF = ("BROKER", "ADMIN")


class ConversationPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS)).data

    async def inbox(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        after = request.query_params.get("after", "")[:200] or None
        data = await self._query(request, "Inbox", {"after": after})
        role = (data.get("viewer") or {}).get("role")
        threads = data.get("conversations") or {}
        page = page_number(request)
        rows = [t | {"about": about(t | {"viewerRole": role})} for t in threads.get("nodes", [])]
        return self.client.render(
            request,
            "conversations.html",
            threads=rows,
            total=threads.get("totalCount", 0),
            page=page,
            pages=page_links(INBOX, {"after": after or ""}, threads, page),
            active=INBOX,
        )

    async def _thread(self, request: Request) -> tuple[dict[str, Any], str | None]:
        after = request.query_params.get("after", "")[:200] or None
        data = await self._query(
            request, "ConversationPage", {"id": path_id(request, "conversation_id"), "after": after}
        )
        thread = data.get("node") or {}
        if not thread.get("id"):
            raise HTTPException(404)
        return thread | {"viewerRole": (data.get("viewer") or {}).get("role")}, after

    async def thread(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        thread, after = await self._thread(request)
        answers = {"body": ""}
        if request.method == "POST":
            form = await posted_form(request)
            answers = {"body": _text(form, "body")}
            errors = await self._send(request, thread, answers["body"])
            if not errors:
                return RedirectResponse(f"{INBOX}/{thread['id']}?sent=1#write", status_code=303)
            return self._thread_page(request, thread, after, answers, errors)
        if thread.get("unreadCount"):
            await self.client.run(
                request,
                "MarkConversationRead",
                {"input": {"conversationId": thread["id"]}},
                allow_errors=PAGE_ERRORS,
            )
        return self._thread_page(request, thread, after, answers)

    async def _send(self, request: Request, thread: dict[str, Any], body: str) -> list[dict[str, Any]]:
        message: dict[str, Any] = {"body": body}
        if thread.get("careRequest"):
            message["requestId"] = thread["careRequest"]["id"]
        else:
            message["agreementId"] = (thread.get("agreement") or {}).get("id")
        result = await self.client.run(
            request, "SendMessage", {"input": message}, allow_errors=("INVALID", "NOT_FOUND")
        )
        _, errors = payload_of(result, "sendMessage")
        return errors

    def _thread_page(
        self,
        request: Request,
        thread: dict[str, Any] | None,
        after: str | None,
        answers: dict[str, str],
        user_errors: list[dict[str, Any]] | None = None,
        *,
        subject: dict[str, Any] | None = None,
        action: str = "",
    ) -> Response:
        errors, field_errors = errors_from(user_errors or [], fields=["body"])
        messages = (thread or {}).get("messages") or {}
        page = page_number(request)
        path = f"{INBOX}/{thread['id']}" if thread else action
        return self.client.render(
            request,
            "conversation.html",
            status=400 if errors else 200,
            thread=thread,
            about=subject or about(thread or {}),
            messages=messages.get("nodes", []),
            total=messages.get("totalCount", 0),
            page=page,
            pages=page_links(path, {"after": after or ""}, messages, page),
            action=path,
            answers=answers,
            sent=request.query_params.get("sent") == "1",
            reported=request.query_params.get("reported") == "1",
            errors=errors,
            field_errors=field_errors,
            active=INBOX,
        )

    async def start(self, request: Request) -> Response:
        """The first message about a care request: the thread begins with it."""
        if redirect := sign_in_first(request):
            return redirect
        request_id = path_id(request, "request_id")
        data = await self._query(request, "ConversationOfRequest", {"id": request_id})
        care_request = data.get("node") or {}
        if not care_request.get("id"):
            raise HTTPException(404)
        begun = (data.get("conversations") or {}).get("nodes") or []
        if begun and request.method == "GET":
            return RedirectResponse(f"{INBOX}/{begun[0]['id']}", status_code=303)
        role = (data.get("viewer") or {}).get("role")
        side = "PROVIDER" if role == "PROVIDER" else "HOLDER"
        subject = about({"careRequest": care_request, "yourSide": side, "viewerRole": role})
        action = f"{INBOX}/start/{care_request['id']}"
        answers = {"body": ""}
        if request.method == "GET":
            return self._thread_page(request, None, None, answers, subject=subject, action=action)
        form = await posted_form(request)
        answers = {"body": _text(form, "body")}
        result = await self.client.run(
            request,
            "SendMessage",
            {"input": {"requestId": care_request["id"], "body": answers["body"]}},
            allow_errors=("INVALID", "NOT_FOUND"),
        )
        payload, errors = payload_of(result, "sendMessage")
        if errors or not payload.get("conversation"):
            return self._thread_page(request, None, None, answers, errors, subject=subject, action=action)
        return RedirectResponse(f"{INBOX}/{payload['conversation']['id']}?sent=1#write", status_code=303)

    async def report(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        thread, _ = await self._thread(request)
        data = await self._query(request, "MessageToReport", {"id": path_id(request, "message_id")})
        message = data.get("node") or {}
        if not message.get("id") or message.get("conversationId") != thread["id"]:
            raise HTTPException(404)
        answers = {"reason": ""}
        errors: list[dict[str, Any]] = []
        if request.method == "POST":
            form = await posted_form(request)
            answers = {"reason": _text(form, "reason")}
            result = await self.client.run(
                request,
                "ReportMessage",
                {"input": {"messageId": message["id"], "reason": answers["reason"]}},
                allow_errors=("INVALID", "NOT_FOUND"),
            )
            _, errors = payload_of(result, "reportMessage")
            if not errors:
                return RedirectResponse(f"{INBOX}/{thread['id']}?reported=1", status_code=303)
        summary, field_errors = errors_from(errors, fields=["reason"])
        return self.client.render(
            request,
            "conversation_report.html",
            status=400 if summary else 200,
            thread=thread,
            about=about(thread),
            message=message,
            answers=answers,
            errors=summary,
            field_errors=field_errors,
            active=INBOX,
        )


def conversation_routes(client: WebClient) -> list[Route]:
    pages = ConversationPages(client)
    either = ["GET", "POST"]
    return [
        Route(INBOX, pages.inbox),
        Route(f"{INBOX}/start/{{request_id}}", pages.start, methods=either),
        Route(f"{INBOX}/{{conversation_id}}", pages.thread, methods=either),
        Route(f"{INBOX}/{{conversation_id}}/messages/{{message_id}}/report", pages.report, methods=either),
    ]
