"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests, with scripted faults."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class SinkHandler:
    """Records what arrives; answers chosen codes for chosen addresses."""

    received: list[Received] = field(default_factory=list)
    rcpt_codes: dict[str, str] = field(default_factory=dict)  # address -> "550 5.1.1 No such user"
    data_code: str | None = None  # e.g. "451 4.3.0 Try again later" for every message
    drop_on_data: int = 0  # drop the connection instead of answering DATA this many times
    maildir: Any = None  # a mailbox.Maildir to deliver into as well

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        code = self.rcpt_codes.get(address.lower())
        if code:
            return code
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.drop_on_data > 0:
            self.drop_on_data -= 1
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        if self.data_code:
            return self.data_code
        data = envelope.original_content or b""
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), data))
        if self.maildir is not None:
            self.maildir.add(data)
        return "250 Message accepted"


@dataclass
class SmtpSink:
    handler: SinkHandler
    server: asyncio.base_events.Server
    host: str
    port: int

    def close(self) -> None:
        self.server.close()


async def start_sink(handler: SinkHandler | None = None) -> SmtpSink:
    handler = handler or SinkHandler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", ident="test sink"),
        host="127.0.0.1",
        port=0,
    )
    port = server.sockets[0].getsockname()[1]
    return SmtpSink(handler, server, "127.0.0.1", port)
