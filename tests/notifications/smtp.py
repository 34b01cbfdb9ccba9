"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, started and stopped at will
so a test can take the mail server down and bring it back."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd names its hooks so
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class MailServer:
    port: int
    inbox: Inbox = field(default_factory=Inbox)
    controller: Controller | None = None
    starttls: ssl.SSLContext | None = None  # given: the server offers STARTTLS and requires it

    def start(self) -> None:
        tls = {"tls_context": self.starttls, "require_starttls": True} if self.starttls else {}
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **tls)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """Not started: call `start()` (a test of an outage starts it late)."""
    server = MailServer(port=free_port())
    yield server
    server.stop()
