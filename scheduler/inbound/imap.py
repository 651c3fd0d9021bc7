"""Read reply emails from an IMAP folder, and move each away once it is archived.

``ImapInbox.fetch`` returns the messages still waiting in ``folder`` (read with
``BODY.PEEK[]``, so they stay unread for anyone looking at the mailbox);
``acknowledge`` moves one to ``done_folder``. The caller acknowledges only after
its database commit, so a crash in between means the message is fetched again
next time, never lost.

Built on the standard library's imaplib, run in a worker thread through
``asyncio.to_thread``, rather than aioimaplib: imaplib speaks STARTTLS (aioimaplib
2.0.3 cannot), applies the timeout to every socket read as well as the connect,
and is maintained with Python itself.

Errors (both derive from ``scheduler.errors.ReflectError``)::

    InboxError            the server cannot be reached, spoken to securely, or used
    └── InboxLoginError   the server refused the username or password
"""

from __future__ import annotations

import asyncio
import base64
import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Literal, Self, TypeVar

from scheduler.errors import InboxError, InboxLoginError
from scheduler.inbound.inboxes import FetchedMail

__all__ = ["FetchedMail", "ImapInbox"]

log = logging.getLogger(__name__)

Security = Literal["tls", "starttls", "none"]
_SECURITIES: tuple[Security, ...] = ("tls", "starttls", "none")
_T = TypeVar("_T")

# The separator in a LIST answer: (\flags) "." "name", or NIL for a flat server.
_LIST_SEPARATOR = re.compile(rb'^\([^)]*\)\s+(?:NIL|"((?:\\.|[^"\\])*)")', re.IGNORECASE)
_FETCH_UID = re.compile(rb"\bUID\s+(\d+)", re.IGNORECASE)
_REF = re.compile(r"^(\d+):(\d+)$")


class ImapInbox:
    """Replies waiting in one IMAP folder; use as ``async with ImapInbox(...) as inbox``."""

    name = "imap"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: Literal["tls", "starttls", "none"],
        username: str,
        password: str,
        folder: str = "INBOX",
        done_folder: str = "Reflections/Processed",
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
        batch_size: int = 100,
        max_bytes: int | None = None,
    ) -> None:
        if security not in _SECURITIES:
            raise InboxError(f'IMAP security "{security}" is not tls, starttls or none.')
        if batch_size < 1:
            raise InboxError(f"IMAP batch_size must be at least 1, not {batch_size}.")
        if timeout <= 0:
            raise InboxError(f"IMAP timeout must be more than 0 seconds, not {timeout}.")
        self.host = host
        self.port = port
        self.security: Security = security
        self.username = username
        self.folder = folder
        self.done_folder = done_folder
        self.timeout = timeout
        self.batch_size = batch_size
        self.max_bytes = max_bytes
        self._password = password
        # imaplib's own default context does not check certificates: never use it.
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._imap: imaplib.IMAP4 | None = None
        self._capabilities: frozenset[str] = frozenset()
        self._separator: str | None = None
        self._done_ready = False
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (
            f"ImapInbox(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"username={self.username!r}, folder={self.folder!r})"
        )

    @property
    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    # -- the async surface ---------------------------------------------------

    async def __aenter__(self) -> Self:
        async with self._lock:
            await asyncio.to_thread(self._connect)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        async with self._lock:
            await asyncio.to_thread(self._close)

    async def fetch(self) -> list[FetchedMail]:
        """Messages still in ``folder``, oldest first, at most ``batch_size``.

        Each ``raw`` is the exact bytes the server stores; the messages are left
        unread and in place until ``acknowledge``.
        """
        return await self._run(self._fetch_sync)

    async def acknowledge(self, ref: str) -> bool:
        """Move the message ``ref`` names to ``done_folder`` (created when missing).

        Call only after the message is safely stored. Returns True when this call
        moved it; False when it is no longer there to move: its folder was
        re-created since the fetch (the UIDVALIDITY in ``ref`` is stale) or the
        message was moved or deleted already.
        """
        match = _REF.match(ref)
        if match is None:
            raise InboxError(f'"{ref}" is not an IMAP message reference (<uidvalidity>:<uid>).')
        validity, uid = int(match.group(1)), int(match.group(2))
        return await self._run(lambda: self._acknowledge_sync(validity, uid))

    async def _run(self, operation: Callable[[], _T]) -> _T:
        """Run one operation in a thread; after a dropped connection, reconnect once."""
        async with self._lock:
            if self._imap is None:
                await asyncio.to_thread(self._connect)
            try:
                return await asyncio.to_thread(operation)
            except (imaplib.IMAP4.abort, OSError) as first:
                log.warning("IMAP connection to %s lost (%s); reconnecting", self._where, first)
                await asyncio.to_thread(self._close)
                await asyncio.to_thread(self._connect)
                try:
                    return await asyncio.to_thread(operation)
                except (imaplib.IMAP4.error, OSError) as second:
                    raise InboxError(
                        f"IMAP server {self._where} dropped the connection twice: {second}"
                    ) from second
            except imaplib.IMAP4.error as error:
                raise InboxError(
                    f"IMAP server {self._where} answered an error: {self._text(error)}"
                ) from error

    # -- connection (worker thread) ------------------------------------------

    def _connect(self) -> None:
        imap = self._open()
        try:
            if self.security == "starttls":
                self._starttls(imap)
            if "LOGINDISABLED" in imap.capabilities:
                raise InboxError(
                    f"IMAP server {self._where} refuses to log in without encryption; "
                    'set security = "starttls", or "tls" with its TLS port (usually 993).'
                )
            self._login(imap)
            self._capabilities = self._read_capabilities(imap)
            self._separator = self._read_separator(imap)
        except BaseException:
            _shut(imap)
            raise
        self._imap = imap

    def _open(self) -> imaplib.IMAP4:
        try:
            if self.security == "tls":
                return imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=self._ssl_context, timeout=self.timeout
                )
            return imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
        except ssl.SSLCertVerificationError as error:
            raise InboxError(
                f"IMAP server {self._where}: its TLS certificate was not accepted "
                f"({error.verify_message}). Check the host name, or give the CA certificate."
            ) from error
        except (OSError, imaplib.IMAP4.error) as error:
            raise InboxError(
                f"Cannot connect to IMAP server {self._where} (security {self.security}): "
                f"{self._text(error)}. Check the host, port and security settings."
            ) from error

    def _starttls(self, imap: imaplib.IMAP4) -> None:
        if "STARTTLS" not in imap.capabilities:
            raise InboxError(
                f"IMAP server {self._where} does not offer STARTTLS, so the connection "
                'cannot be encrypted as security = "starttls" asks; the password was not '
                'sent. Use security = "tls" with its TLS port (usually 993).'
            )
        try:
            imap.starttls(ssl_context=self._ssl_context)
        except ssl.SSLCertVerificationError as error:
            raise InboxError(
                f"IMAP server {self._where}: its TLS certificate was not accepted "
                f"({error.verify_message}). Check the host name, or give the CA certificate."
            ) from error
        except (OSError, imaplib.IMAP4.error) as error:
            raise InboxError(
                f"IMAP server {self._where}: STARTTLS failed ({self._text(error)}); "
                "the password was not sent."
            ) from error

    def _login(self, imap: imaplib.IMAP4) -> None:
        try:
            imap.login(self.username, self._password)
        except UnicodeEncodeError as error:
            raise InboxLoginError(
                f"IMAP login to {self._where} as {self.username!r}: the username or password "
                "has characters other than ASCII, which IMAP LOGIN cannot send."
            ) from error
        except imaplib.IMAP4.abort as error:
            raise InboxError(
                f"IMAP server {self._where} closed the connection during login "
                f"as {self.username!r}: {self._text(error)}"
            ) from error
        except imaplib.IMAP4.error as error:
            raise InboxLoginError(
                f"IMAP login to {self._where} as {self.username!r} was refused "
                f"({self._text(error)}). Check the username, and the password in the "
                "environment variable the config names."
            ) from error

    @staticmethod
    def _read_capabilities(imap: imaplib.IMAP4) -> frozenset[str]:
        # imaplib keeps the pre-login list; servers often announce more (MOVE) after login.
        typ, data = imap.capability()
        words: set[str] = set(imap.capabilities)
        if typ == "OK":
            for line in data:
                if isinstance(line, bytes):
                    words.update(line.decode("ascii", "replace").upper().split())
        return frozenset(words)

    @staticmethod
    def _read_separator(imap: imaplib.IMAP4) -> str | None:
        typ, data = imap.list('""', '""')
        if typ == "OK":
            for line in data:
                if isinstance(line, bytes):
                    match = _LIST_SEPARATOR.match(line)
                    if match and match.group(1) is not None:
                        return re.sub(r"\\(.)", r"\1", match.group(1).decode("ascii", "replace"))
                    if match:
                        return None  # NIL: a flat server
        return "/"

    def _close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is not None:
            try:
                imap.logout()
            except (imaplib.IMAP4.error, OSError) as error:
                log.debug("IMAP logout from %s failed: %s", self._where, error)
            _shut(imap)

    # -- operations (worker thread) ------------------------------------------

    def _session(self) -> imaplib.IMAP4:
        if self._imap is None:  # _run connects first; this is for type narrowing
            raise InboxError("ImapInbox is not connected; use it as `async with ImapInbox(...)`.")
        return self._imap

    def _fetch_sync(self) -> list[FetchedMail]:
        imap = self._session()
        validity = self._select(imap, self.folder)
        typ, data = imap.uid("SEARCH", "UNDELETED")
        self._check(typ, data, f"searching folder {self.folder!r}")
        uids = sorted({int(word) for line in data if line for word in line.split()})
        uids = uids[: self.batch_size]
        if not uids:
            return []
        sizes: dict[int, int] = {}
        if self.max_bytes is not None:
            typ, data = imap.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
            self._check(typ, data, f"reading message sizes in folder {self.folder!r}")
            sizes = _parse_sizes(data)
        large = [uid for uid in uids if sizes.get(uid, 0) > (self.max_bytes or 0)]
        whole = [uid for uid in uids if uid not in large]
        bodies: dict[int, bytes] = {}
        if whole:
            typ, data = imap.uid("FETCH", ",".join(map(str, whole)), "(UID BODY.PEEK[])")
            self._check(typ, data, f"reading messages in folder {self.folder!r}")
            bodies = _parse_fetch(data)
        if large:  # too large to read: the headers say whose it is; it stays whole on the server
            typ, data = imap.uid("FETCH", ",".join(map(str, large)), "(UID BODY.PEEK[HEADER])")
            self._check(typ, data, f"reading message headers in folder {self.folder!r}")
            bodies.update(_parse_fetch(data))
        return [
            FetchedMail(
                f"{validity}:{uid}", bodies[uid], sizes.get(uid, -1) if uid in large else -1
            )
            for uid in uids
            if uid in bodies
        ]

    def _acknowledge_sync(self, validity: int, uid: int) -> bool:
        imap = self._session()
        done = self._ensure_done_folder(imap)
        current = self._select(imap, self.folder)
        if current != validity:
            log.warning(
                "IMAP message %s:%s not moved: folder %r on %s was re-created "
                "(UIDVALIDITY is now %s); it will be fetched again under a new reference",
                validity,
                uid,
                self.folder,
                self._where,
                current,
            )
            return False
        typ, data = imap.uid("SEARCH", f"UID {uid} UNDELETED")
        self._check(typ, data, f"looking for message {uid} in folder {self.folder!r}")
        if str(uid).encode() not in b" ".join(line for line in data if line).split():
            return False
        if "MOVE" in self._capabilities:
            typ, data = imap.uid("MOVE", str(uid), done)
            self._check(typ, data, f"moving message {uid} to {self.done_folder!r}")
            return True
        typ, data = imap.uid("COPY", str(uid), done)
        self._check(typ, data, f"copying message {uid} to {self.done_folder!r}")
        typ, data = imap.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
        self._check(typ, data, f"marking message {uid} deleted in {self.folder!r}")
        if "UIDPLUS" in self._capabilities:
            typ, data = imap.uid("EXPUNGE", str(uid))
            self._check(typ, data, f"expunging message {uid} from {self.folder!r}")
        # Without UIDPLUS a plain EXPUNGE would also remove other people's deleted
        # messages; the copy is left marked \Deleted, which fetch skips.
        return True

    def _select(self, imap: imaplib.IMAP4, folder: str) -> int:
        typ, data = imap.select(self._mailbox(folder))
        if typ != "OK":
            raise InboxError(
                f"IMAP folder {folder!r} on {self._where} cannot be opened for "
                f"{self.username!r}: {_decode(data)}. Check the folder name in the config."
            )
        _, codes = imap.response("UIDVALIDITY")
        for code in codes:
            if isinstance(code, bytes) and code.strip().isdigit():
                return int(code)
        raise InboxError(f"IMAP server {self._where} gave no UIDVALIDITY for folder {folder!r}.")

    def _ensure_done_folder(self, imap: imaplib.IMAP4) -> str:
        name = self._mailbox(self.done_folder)
        if self._done_ready:
            return name
        typ, data = imap.list('""', name)
        exists = typ == "OK" and any(
            isinstance(line, bytes) and b"\\NONEXISTENT" not in line.upper()
            for line in data
            if line
        )
        if not exists:
            typ, data = imap.create(name)
            if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(
                line for line in data if isinstance(line, bytes)
            ):
                raise InboxError(
                    f"IMAP folder {self.done_folder!r} cannot be created on {self._where}: "
                    f"{_decode(data)}. Create it in your mail client, or change done_folder."
                )
            imap.subscribe(name)  # so that mail clients show it; failure is harmless
        self._done_ready = True
        return name

    def _mailbox(self, folder: str) -> str:
        """``folder`` as an IMAP argument: hierarchy translated, UTF-7 encoded, quoted."""
        if folder.upper() == "INBOX":
            return "INBOX"
        if self._separator is not None and self._separator != "/":
            folder = folder.replace("/", self._separator)
        encoded = _utf7_imap(folder)
        return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def _check(self, typ: str, data: Sequence[object], doing: str) -> None:
        if typ != "OK":
            raise InboxError(
                f"IMAP server {self._where} refused {doing} for {self.username!r}: {_decode(data)}"
            )

    def _text(self, error: BaseException) -> str:
        """An error's words, decoded, and never containing the password."""
        text = _decode(list(error.args)) if error.args else type(error).__name__
        if self._password:
            text = text.replace(self._password, "***")
        return text


def _parse_fetch(data: Sequence[object]) -> dict[int, bytes]:
    """UID -> message bytes from a UID FETCH (UID BODY.PEEK[]) answer."""
    bodies: dict[int, bytes] = {}
    waiting: bytes | None = None  # a body whose UID comes after the literal
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            head, body = item
            if not (isinstance(head, bytes) and isinstance(body, bytes)):
                continue
            if b"BODY[]" not in head.upper() and b"BODY[HEADER]" not in head.upper():
                continue
            match = _FETCH_UID.search(head)
            if match:
                bodies[int(match.group(1))] = body
                waiting = None
            else:
                waiting = body
        elif isinstance(item, bytes) and waiting is not None:
            match = _FETCH_UID.search(item)
            if match:
                bodies[int(match.group(1))] = waiting
            waiting = None
    return bodies


_FETCH_SIZE = re.compile(
    rb"\bUID\s+(\d+)\s+RFC822\.SIZE\s+(\d+)|\bRFC822\.SIZE\s+(\d+)\s+UID\s+(\d+)", re.IGNORECASE
)


def _parse_sizes(data: Sequence[object]) -> dict[int, int]:
    """UID -> size from a UID FETCH (UID RFC822.SIZE) answer."""
    sizes: dict[int, int] = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) and item else item
        if isinstance(line, bytes):
            for found in _FETCH_SIZE.finditer(line):
                if found.group(1):
                    sizes[int(found.group(1))] = int(found.group(2))
                else:
                    sizes[int(found.group(4))] = int(found.group(3))
    return sizes


def _decode(data: Sequence[object]) -> str:
    parts = []
    for item in data:
        if isinstance(item, bytes):
            parts.append(item.decode("utf-8", "replace"))
        elif item is not None:
            parts.append(str(item))
    return " ".join(parts) or "no details"


def _utf7_imap(name: str) -> str:
    """Encode a folder name in IMAP's modified UTF-7 (RFC 3501, section 5.1.3)."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            packed = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + packed.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _shut(imap: imaplib.IMAP4) -> None:
    try:
        imap.shutdown()
    except OSError as error:
        log.debug("closing IMAP socket: %s", error)
