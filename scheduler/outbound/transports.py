"""Transports: the only code that hands a message to the outside world.

Each takes finished bytes and either delivers them or raises a
``TemporaryDeliveryError`` (try again later) or ``PermanentDeliveryError``
(give up for this recipient), keeping the server's own words.
"""

from __future__ import annotations

import mailbox
import re
import ssl
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

import aiosmtplib

from scheduler.errors import PermanentDeliveryError, ServerRefusedError, TemporaryDeliveryError


class Transport(Protocol):
    name: str

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def send(self, *, sender: str, recipient: str, raw: bytes, label: str) -> None: ...


class _NoContext:
    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class MaildirTransport(_NoContext):
    """Delivers into a Maildir any mail client can open (the embedded default)."""

    name = "maildir"

    def __init__(self, *, path: Path) -> None:
        self.path = path
        self._box: mailbox.Maildir | None = None

    async def send(self, *, sender: str, recipient: str, raw: bytes, label: str) -> None:
        if self._box is None:
            for sub in ("tmp", "new", "cur"):
                (self.path / sub).mkdir(parents=True, exist_ok=True)
            self._box = mailbox.Maildir(self.path, create=False)
        try:
            self._box.add(raw)
        except OSError as exc:
            raise TemporaryDeliveryError(f"cannot write to {self.path}: {exc}") from exc


class PreviewTransport(_NoContext):
    """Writes numbered ``.eml`` files in send order, sending nothing."""

    name = "preview"

    def __init__(self, *, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = len(list(self.directory.glob("*.eml")))
        self.recipients: list[str] = []  # of what this transport wrote, in order

    async def send(self, *, sender: str, recipient: str, raw: bytes, label: str) -> None:
        self.count += 1
        self.recipients.append(recipient)
        safe = re.sub(r"[^a-z0-9@._-]+", "-", f"{label}-{recipient}".lower())[:80]
        (self.directory / f"{self.count:05d}-{safe}.eml").write_bytes(raw)


class SmtpTransport:
    """aiosmtplib, one connection reused for a batch, TLS or STARTTLS as configured.

    STARTTLS is required when asked for: a server that does not offer it is an
    error, never a silent fall back to plain text.
    """

    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        username: str = "",
        password: str = "",
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password = username, password
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None and self._client.is_connected:
            try:
                await self._client.quit()
            except aiosmtplib.SMTPException:
                self._client.close()
        self._client = None

    async def _connect(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            timeout=self.timeout,
            tls_context=self.ssl_context,
            validate_certs=True,
        )
        try:
            await client.connect()
            if self.username:
                await client.login(self.username, self.password)
        except aiosmtplib.SMTPAuthenticationError as exc:
            client.close()
            error = ServerRefusedError if exc.code >= 500 else TemporaryDeliveryError
            raise error(
                f"{self.host}: login as {self.username} refused ({exc.code} {exc.message})",
                code=exc.code,
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            client.close()
            error = ServerRefusedError if exc.code >= 500 else TemporaryDeliveryError
            raise error(f"{self.host}: {exc.code} {exc.message}", code=exc.code) from exc
        except ssl.SSLError as exc:
            client.close()
            raise ServerRefusedError(f"{self.host}:{self.port}: TLS failed ({exc})") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            if self.security == "starttls" and "STARTTLS" in str(exc).upper():
                # Never fall back to plain text: nothing is sent until TLS works.
                raise ServerRefusedError(
                    f"{self.host}:{self.port}: {exc} Nothing was sent; the password was not sent."
                ) from exc
            raise TemporaryDeliveryError(f"{self.host}:{self.port}: {exc}") from exc
        self._client = client
        return client

    async def send(self, *, sender: str, recipient: str, raw: bytes, label: str) -> None:
        client = await self._connect()
        try:
            refused, _response = await client.sendmail(sender, [recipient], raw)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0] if exc.recipients else None
            code = first.code if first else 550
            message = first.message if first else str(exc)
            error = PermanentDeliveryError if code >= 500 else TemporaryDeliveryError
            raise error(f"{code} {message}", code=code) from exc
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPHeloError) as exc:
            # Refused before any recipient: the server refuses us, not this member.
            if exc.code >= 500:
                raise ServerRefusedError(
                    f"{self.host}: {exc.code} {exc.message}", code=exc.code
                ) from exc
            self._drop()
            raise TemporaryDeliveryError(f"{exc.code} {exc.message}", code=exc.code) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise PermanentDeliveryError(f"{exc.code} {exc.message}", code=exc.code) from exc
            self._drop()
            raise TemporaryDeliveryError(f"{exc.code} {exc.message}", code=exc.code) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            self._drop()
            raise TemporaryDeliveryError(f"connection to {self.host} lost: {exc}") from exc
        # aiosmtplib returns normally when only some recipients were refused.
        if recipient in refused:
            reply = refused[recipient]
            error = PermanentDeliveryError if reply.code >= 500 else TemporaryDeliveryError
            raise error(f"{reply.code} {reply.message}", code=reply.code)

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None
