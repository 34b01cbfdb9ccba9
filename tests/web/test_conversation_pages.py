"""Messages and notifications over HTTP, as a browser without JavaScript would: Jo (a PA) and Amina's
side write about Amina's care request, the inbox shows what is unread, opening a thread marks it
read, a message can be reported to the council, and everyone reads and tunes their own notifications.
Who may see a thread and what a message may say are the API's answers; these tests check the pages
pass them on, keep what was typed and save nothing from a refused or forged form."""

from __future__ import annotations

import base64

import httpx
import pytest
from sqlalchemy import select

from broker.conversations.models import Message, MessageReport
from broker.notifications.models import Notification, NotificationPreference
from tests.conversations.world import World, accept, gid, world
from tests.factories import PASSWORD, count
from tests.web.reading import csrf_of, links_in, page_text, page_title, sign_in


def _start(w: World) -> str:
    return f"/conversations/start/{gid('CareRequest', w.request)}"


async def _post(browser: httpx.AsyncClient, path: str, **answers: str) -> httpx.Response:
    form = await browser.get(path)
    assert form.status_code == 200, form.text
    return await browser.post(path, data={"csrf_token": csrf_of(form.text), **answers})


async def _jo_writes_first(browser: httpx.AsyncClient, w: World, body: str = "Hello Amina") -> str:
    """Jo opens the thread from her request page; returns the thread's path."""
    await sign_in(browser, w.jo.email, PASSWORD)
    request_page = await browser.get(f"/provider/requests/{gid('CareRequest', w.request)}")
    assert _start(w) in links_in(request_page.text, "/conversations/start/")
    sent = await _post(browser, _start(w), body=body)
    assert sent.status_code == 303, sent.text
    thread = sent.headers["location"].split("?")[0]
    await browser.post("/sign-out", data={"csrf_token": csrf_of((await browser.get("/")).text)})
    return thread


async def test_a_provider_and_the_holder_exchange_messages_and_reading_marks_them_read(browser, db):
    w = await world(db)
    thread = await _jo_writes_first(browser, w)

    await sign_in(browser, w.amina.email, PASSWORD)
    inbox = await browser.get("/conversations")
    assert page_title(inbox.text) == "Messages"
    assert "1 unread" in page_text(inbox.text)
    assert thread in links_in(inbox.text, "/conversations/")
    opened = await browser.get(thread)
    assert opened.status_code == 200
    assert "Hello Amina" in page_text(opened.text)
    assert "1 unread" not in page_text((await browser.get("/conversations")).text)
    async with db.session() as session:
        [first] = (await session.execute(select(Message))).scalars()
    assert first.read_at is not None

    reply = await _post(browser, thread, body="Hello Jo, Tuesday suits me")
    assert reply.status_code == 303
    assert "Your message is sent" in page_text((await browser.get(reply.headers["location"])).text)
    assert await count(db, Message) == 2


async def test_the_sender_sees_when_their_message_was_read(browser, db):
    w = await world(db)
    thread = await _jo_writes_first(browser, w)
    await sign_in(browser, w.son.email, PASSWORD)
    await browser.get(thread)  # Amina's son reads it for her side
    await browser.post("/sign-out", data={"csrf_token": csrf_of((await browser.get("/")).text)})

    await sign_in(browser, w.jo.email, PASSWORD)
    seen = page_text((await browser.get(thread)).text)

    assert "Read " in seen and "Not read yet" not in seen


async def test_contact_details_before_acceptance_are_refused_with_the_text_kept(browser, db):
    w = await world(db)
    await sign_in(browser, w.jo.email, PASSWORD)

    refused = await _post(browser, _start(w), body="Ring me on 07700 900123")

    assert refused.status_code == 400
    assert page_title(refused.text).startswith("Error: ")
    assert "There is a problem" in page_text(refused.text)
    assert 'href="#body"' in refused.text
    assert 'id="body-error"' in refused.text
    assert "Ring me on 07700 900123</textarea>" in refused.text
    assert await count(db, Message) == 0


async def test_after_acceptance_contact_details_may_pass(browser, db):
    w = await world(db)
    await accept(db, w)
    await sign_in(browser, w.jo.email, PASSWORD)

    sent = await _post(browser, _start(w), body="Ring me on 07700 900123")

    assert sent.status_code == 303
    assert await count(db, Message) == 1


async def test_the_councils_broker_reads_and_writes_for_the_holders_side(browser, db):
    w = await world(db)
    thread = await _jo_writes_first(browser, w)
    await sign_in(browser, w.broker.email, PASSWORD)

    inbox = await browser.get("/conversations")
    assert 'href="/conversations"' in inbox.text and 'href="/notifications"' in inbox.text
    assert thread in links_in(inbox.text, "/conversations/")
    assert (await _post(browser, thread, body="I can help arrange this")).status_code == 303


@pytest.mark.parametrize(
    "who", ["other_provider", "stranger_holder", "other_broker", "commissioner", "platform_admin"]
)
async def test_nobody_else_reads_or_writes_in_the_thread(browser, db, who):
    w = await world(db)
    thread = await _jo_writes_first(browser, w)
    await sign_in(browser, getattr(w, who).email, PASSWORD)

    assert (await browser.get(thread)).status_code == 404
    start = await browser.get(_start(w))
    if who == "platform_admin":  # sees the request, is no party to its thread: the API refuses
        refused = await browser.post(_start(w), data={"csrf_token": csrf_of(start.text), "body": "Hi"})
        assert refused.status_code == 403
    else:
        assert start.status_code == 404
    inbox = await browser.get("/conversations")
    assert inbox.status_code == 200 and thread not in inbox.text
    assert await count(db, Message) == 1


@pytest.mark.parametrize(
    "path", ["/conversations", "/conversations/abc", "/notifications", "/notifications/settings"]
)
async def test_anonymous_visitors_are_sent_to_sign_in(browser, path):
    answer = await browser.get(path)

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in?next=")


async def test_forms_without_the_csrf_token_are_refused_and_change_nothing(browser, db):
    w = await world(db)
    thread = await _jo_writes_first(browser, w)
    await sign_in(browser, w.amina.email, PASSWORD)
    async with db.session() as session:
        [message] = (await session.execute(select(Message))).scalars()
    report = f"{thread}/messages/{gid('Message', message)}/report"

    for path, data in (
        (thread, {"body": "Forged"}),
        (_start(w), {"body": "Forged"}),
        (report, {"reason": "Forged"}),
        ("/notifications/read", {}),
        ("/notifications/settings", {}),
    ):
        forged = await browser.post(path, data={"csrf_token": "forged", **data})
        assert forged.status_code == 400, path

    assert await count(db, Message) == 1
    assert await count(db, MessageReport) == 0
    assert await count(db, NotificationPreference) == 0
    async with db.session() as session:
        unread = (await session.execute(select(Notification).where(Notification.read_at.is_(None)))).all()
    assert len(unread) == await count(db, Notification)


@pytest.mark.parametrize(
    "hostile",
    [
        "not-an-id",
        base64.b64encode(b"Conversation:999999").decode(),
        base64.b64encode(b"Agreement:1").decode(),
        "x" * 5_000,
        "%27%20OR%201%3D1",
    ],
)
async def test_hostile_ids_are_not_found(browser, db, hostile):
    w = await world(db)
    await sign_in(browser, w.amina.email, PASSWORD)

    assert (await browser.get(f"/conversations/{hostile}")).status_code == 404
    assert (await browser.get(f"/conversations/start/{hostile}")).status_code == 404


async def test_a_message_is_reported_to_the_council_with_a_reason(browser, db):
    w = await world(db)
    thread = await _jo_writes_first(browser, w, "Something unkind")
    await sign_in(browser, w.amina.email, PASSWORD)
    [report] = links_in((await browser.get(thread)).text, thread + "/messages/")

    empty = await _post(browser, report, reason="")
    assert empty.status_code == 400
    assert "There is a problem" in page_text(empty.text)
    assert await count(db, MessageReport) == 0

    sent = await _post(browser, report, reason="It is unkind")
    assert sent.status_code == 303
    assert "reported to the council" in page_text((await browser.get(sent.headers["location"])).text)
    async with db.session() as session:
        [saved] = (await session.execute(select(MessageReport))).scalars()
    assert saved.reason == "It is unkind"


async def test_a_message_of_another_thread_is_not_reported_through_this_one(browser, db):
    w = await world(db)
    thread = await _jo_writes_first(browser, w)
    await sign_in(browser, w.amina.email, PASSWORD)

    wrong = await browser.get(f"{thread}/messages/{base64.b64encode(b'Message:999').decode()}/report")

    assert wrong.status_code == 404


async def test_your_own_message_offers_no_report_and_a_forced_one_is_refused(browser, db):
    w = await world(db)
    thread = await _jo_writes_first(browser, w)
    await sign_in(browser, w.jo.email, PASSWORD)
    page = await browser.get(thread)
    assert links_in(page.text, thread + "/messages/") == []
    async with db.session() as session:
        [message] = (await session.execute(select(Message))).scalars()

    refused = await _post(browser, f"{thread}/messages/{gid('Message', message)}/report", reason="Mine")

    assert refused.status_code == 400
    assert "You cannot report your own message" in page_text(refused.text)
    assert await count(db, MessageReport) == 0


async def test_notifications_link_to_the_thread_and_are_marked_read(browser, db):
    w = await world(db)
    thread = await _jo_writes_first(browser, w)
    await sign_in(browser, w.amina.email, PASSWORD)

    listed = await browser.get("/notifications")
    assert page_title(listed.text) == "Notifications"
    assert "You have a new message" in page_text(listed.text)
    assert thread in links_in(listed.text, "/conversations/")
    assert "1 unread of 1" in page_text(listed.text)
    marked = await browser.post("/notifications/read", data={"csrf_token": csrf_of(listed.text)})
    assert marked.status_code == 303
    assert "0 unread of 1" in page_text((await browser.get(marked.headers["location"])).text)


async def test_a_provider_is_sent_to_their_own_request_page(browser, db):
    w = await world(db)
    await sign_in(browser, w.amina.email, PASSWORD)
    await _post(browser, _start(w), body="Hello Jo")
    await browser.post("/sign-out", data={"csrf_token": csrf_of((await browser.get("/")).text)})
    await sign_in(browser, w.jo.email, PASSWORD)

    listed = await browser.get("/notifications")

    assert links_in(listed.text, "/conversations/")  # the new message, Jo's own thread page


async def test_notification_choices_are_saved_and_shown(browser, db):
    w = await world(db)
    await sign_in(browser, w.jo.email, PASSWORD)
    form = await browser.get("/notifications/settings")
    assert page_title(form.text) == "How you are told"
    assert 'id="email-NEW_MESSAGE"' in form.text

    saved = await browser.post(
        "/notifications/settings",
        data={
            "csrf_token": csrf_of(form.text),
            "inApp": ["NEW_MESSAGE", "REQUEST_SENT"],
            "email": ["REQUEST_SENT"],
        },
    )

    assert saved.status_code == 303
    shown = (await browser.get(saved.headers["location"])).text
    assert "Your choices are saved" in page_text(shown)
    assert 'id="inApp-NEW_MESSAGE" name="inApp" type="checkbox" value="NEW_MESSAGE" checked' in shown
    assert 'id="email-NEW_MESSAGE" name="email" type="checkbox" value="NEW_MESSAGE">' in shown
    assert 'id="inApp-PAYMENT_FAILED" name="inApp" type="checkbox" value="PAYMENT_FAILED">' in shown


async def test_the_navigation_of_roles_with_threads_offers_messages_and_notifications(browser, db):
    w = await world(db)
    for user, has in ((w.amina, True), (w.jo, True), (w.broker, True), (w.commissioner, False)):
        await sign_in(browser, user.email, PASSWORD)
        page = (await browser.get("/")).text
        assert ('govuk-service-navigation__link" href="/conversations"' in page) is has, user.role
        await browser.post("/sign-out", data={"csrf_token": csrf_of(page)})
