"""Notifications go by email through a real SMTP server: only what happened and a link, never a care
detail; an outage delays mail but loses none and sends none twice."""

from __future__ import annotations

from datetime import timedelta

from broker.app import create_app
from broker.notifications.delivery import EmailDrainer
from broker.notifications.email import SmtpMailer
from broker.notifications.models import EmailOutbox, Notification
from broker.settings import Settings
from tests import log_capture
from tests.conversations.world import SEND, world
from tests.factories import count
from tests.notifications import smtp

mail_server = smtp.mail_server
service_log = log_capture.service_log


def drainer(db, clock, port: int) -> EmailDrainer:
    mailer = SmtpMailer(host="127.0.0.1", port=port, sender="notifications@leeds.example", timeout_seconds=2)
    return EmailDrainer(db, mailer, base_url="https://broker.leeds.example/", now=clock.now)


async def test_a_new_message_is_emailed_with_what_happened_and_a_link_only(api, db, clock, mail_server):
    w = await world(db)
    mail_server.start()
    await api.data(SEND, w.on_request("Planted care detail: dementia, Tuesdays"), as_user=w.amina)

    report = await drainer(db, clock, mail_server.port).drain()

    assert (report.sent, report.failed) == (1, 0)
    [mail] = mail_server.inbox.messages
    assert mail["To"] == w.jo.email
    assert mail["From"] == "notifications@leeds.example"
    assert mail["Subject"] == "You have a new message"
    body = mail.get_payload(decode=True).decode()
    assert "https://broker.leeds.example/conversations/" in body
    for detail in ("dementia", "Tuesdays", "Amina", "Jo", w.amina.email):
        assert detail not in body and detail not in mail["Subject"]
    assert await count(db, EmailOutbox) == 0
    assert await count(db, Notification) == 1


async def test_an_email_outage_loses_nothing_and_sends_once_when_the_server_is_back(
    api, db, clock, mail_server, service_log
):
    w = await world(db)
    await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)
    emails = drainer(db, clock, mail_server.port)

    down = await emails.drain()  # nothing listens on the port yet
    clock.at += timedelta(seconds=1)
    too_soon = await emails.drain()  # the row waits for its backoff
    mail_server.start()
    clock.at += timedelta(minutes=1)
    back = await emails.drain()
    after = await emails.drain()

    assert (down.sent, down.failed) == (0, 1)
    assert too_soon.rows == 0
    assert (back.sent, back.failed) == (1, 0)
    assert after.rows == 0
    assert len(mail_server.inbox.messages) == 1
    assert await count(db, EmailOutbox) == 0
    # The service's own lines (aiosmtpd, the test's mail server, logs as `mail.log`).
    written = "\n".join(line for line in service_log.getvalue().splitlines() if '"mail.log"' not in line)
    assert "notification email not sent; will retry" in written
    assert w.jo.email not in written and "Hello Jo" not in written


async def test_the_server_stopping_mid_way_keeps_the_rest_for_later(api, db, clock, mail_server):
    w = await world(db)
    mail_server.start()
    await api.data(SEND, w.on_request("First"), as_user=w.amina)
    emails = drainer(db, clock, mail_server.port)
    await emails.drain()
    mail_server.stop()
    await api.data(SEND, w.on_request("Second"), as_user=w.son)

    failed = await emails.drain()
    mail_server.start()
    clock.at += timedelta(minutes=1)
    sent = await emails.drain()

    assert failed.failed == 1
    assert sent.sent == 1
    assert len(mail_server.inbox.messages) == 2


async def test_a_mail_left_unsent_past_its_age_is_dropped_and_the_in_app_one_stays(
    api, db, clock, mail_server
):
    w = await world(db)
    await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)
    mail_server.start()

    clock.at += timedelta(hours=73)
    report = await drainer(db, clock, mail_server.port).drain()

    assert report.dropped == 1
    assert mail_server.inbox.messages == []
    assert await count(db, Notification) == 1


async def test_the_app_sends_through_the_smtp_server_its_settings_name(db, clock, mail_server, settings):
    mail_server.start()
    configured = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": mail_server.port, "public_url": "https://b.example"}
    )

    app = create_app(configured, clock=clock, db=db)
    unconfigured = create_app(settings, clock=clock, db=db)

    assert app.state.email_drainer is not None
    assert app.state.email_drainer.base_url == "https://b.example"
    assert unconfigured.state.email_drainer is None


def test_smtp_settings_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("BROKER_SMTP_HOST", "mail.leeds.example")
    monkeypatch.setenv("BROKER_SMTP_PORT", "587")
    monkeypatch.setenv("BROKER_SMTP_TLS", "starttls")
    monkeypatch.setenv("BROKER_SMTP_USERNAME", "broker")
    monkeypatch.setenv("BROKER_SMTP_PASSWORD", "s3cret-value")

    settings = Settings(environment="test")

    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == (
        "mail.leeds.example",
        587,
        "starttls",
    )
    assert settings.smtp_password_value == "s3cret-value"
    assert "s3cret-value" not in repr(settings)
