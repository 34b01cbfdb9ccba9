"""Mail to a council's relay over STARTTLS (port 587): the server's certificate is verified, against
the council's private CA when BROKER_SMTP_CA_FILE names one; an untrusted certificate sends nothing,
and the email stays queued to be tried again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from broker.app import create_app
from broker.notifications.delivery import EmailDrainer
from broker.notifications.email import SmtpMailer
from broker.notifications.models import EmailOutbox
from tests.conversations.world import SEND, world
from tests.factories import count
from tests.notifications import smtp
from tests.notifications.certificates import Certificates, make_certificates


@pytest.fixture
def certificates(tmp_path) -> Certificates:
    return make_certificates(tmp_path)


@pytest.fixture
def tls_mail_server(certificates):
    server = smtp.MailServer(port=smtp.free_port(), starttls=certificates.server_context())
    server.start()
    yield server
    server.stop()


def drainer(db, clock, port: int, *, ca_file=None) -> EmailDrainer:
    mailer = SmtpMailer(
        host="127.0.0.1",
        port=port,
        sender="notifications@leeds.example",
        tls="starttls",
        ca_file=str(ca_file) if ca_file else None,
        timeout_seconds=5,
    )
    return EmailDrainer(db, mailer, base_url="https://broker.leeds.example/", now=clock.now)


async def test_mail_goes_over_starttls_to_a_server_the_councils_ca_vouches_for(
    api, db, clock, tls_mail_server, certificates
):
    w = await world(db)
    await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)

    report = await drainer(db, clock, tls_mail_server.port, ca_file=certificates.ca_file).drain()

    assert (report.sent, report.failed) == (1, 0)
    [mail] = tls_mail_server.inbox.messages
    assert mail["To"] == w.jo.email
    assert await count(db, EmailOutbox) == 0


async def test_an_untrusted_certificate_sends_nothing_and_the_email_waits_to_be_tried_again(
    api, db, clock, tls_mail_server, certificates
):
    w = await world(db)
    await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)
    untrusting = drainer(db, clock, tls_mail_server.port)  # the system's CAs only

    first = await untrusting.drain()
    clock.at += timedelta(minutes=1)
    again = await untrusting.drain()

    assert (first.sent, first.failed) == (0, 1)
    assert (again.sent, again.failed) == (0, 1)
    assert tls_mail_server.inbox.messages == []
    async with db.session() as session:
        [row] = (await session.execute(EmailOutbox.__table__.select())).all()
    assert row.attempts == 2
    assert row.last_error  # the exception's class only
    assert w.jo.email not in row.last_error

    clock.at += timedelta(minutes=1)
    trusted = await drainer(db, clock, tls_mail_server.port, ca_file=certificates.ca_file).drain()

    assert (trusted.sent, trusted.failed) == (1, 0)
    assert len(tls_mail_server.inbox.messages) == 1
    assert await count(db, EmailOutbox) == 0


async def test_a_server_without_starttls_is_refused_rather_than_sent_to_in_clear(api, db, clock):
    w = await world(db)
    plain = smtp.MailServer(port=smtp.free_port())
    plain.start()
    try:
        await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)
        report = await drainer(db, clock, plain.port).drain()
    finally:
        plain.stop()

    assert (report.sent, report.failed) == (0, 1)
    assert plain.inbox.messages == []
    assert await count(db, EmailOutbox) == 1


async def test_the_app_trusts_the_ca_file_its_settings_name(
    api, db, clock, settings, tls_mail_server, certificates
):
    configured = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": tls_mail_server.port,
            "smtp_tls": "starttls",
            "smtp_ca_file": certificates.ca_file,
        }
    )
    w = await world(db)
    await api.data(SEND, w.on_request("Hello Jo"), as_user=w.amina)

    app = create_app(configured, clock=clock, db=db)
    report = await app.state.email_drainer.drain()

    assert report.sent == 1
    assert len(tls_mail_server.inbox.messages) == 1
