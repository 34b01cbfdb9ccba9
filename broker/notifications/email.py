"""Sending email: the `Mailer` protocol the outbox drainer writes to, and its SMTP twin.

The contract: `send` returns once the mail server accepted the message, and raises `MailError` when it
did not (server down, refused, timed out), so the drainer keeps the row and tries again later. A
message carries a Message-ID made from the notification's key, so a retry after a crash between the
server's acceptance and our commit is recognisable as the same message downstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal, Protocol

import aiosmtplib


class MailError(Exception):
    """The mail server did not take the message."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    message_id: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    """Delivers through one SMTP server: plain (a local catcher), STARTTLS (port 587) or implicit TLS
    (port 465), with credentials when the server wants them. The server's certificate is verified
    against the system's certificate authorities, or only those in `ca_file` (a council's private CA):
    an untrusted certificate is a `MailError`, so the row waits and is tried again."""

    host: str
    port: int
    sender: str
    tls: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout_seconds: float = 10.0

    def message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = mail.message_id
        message.set_content(mail.body)
        return message

    async def send(self, mail: Mail) -> None:
        try:
            await aiosmtplib.send(
                self.message(mail),
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls == "tls",
                start_tls=self.tls == "starttls",
                validate_certs=True,
                cert_bundle=self.ca_file,
                timeout=self.timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            # The server's words name no recipient here: only the exception's class is kept.
            raise MailError(type(error).__name__) from error
