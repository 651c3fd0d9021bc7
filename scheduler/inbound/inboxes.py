"""Where replies come from: a Maildir folder, or an IMAP account (see imap_inbox).

Every inbox hands over exact bytes with a reference, and is told to
``acknowledge`` a message only after the archive has committed it.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from scheduler.inbound.headers import head_of

log = logging.getLogger("reflect")


@dataclass(frozen=True)
class FetchedMail:
    """One waiting message. One over the size limit comes as its headers alone.

    ``size`` is the whole message's size; when it is more than ``len(raw)`` the
    rest was not read (the message stays whole where the inbox keeps it).
    """

    ref: str
    raw: bytes
    size: int = -1

    @property
    def whole(self) -> bool:
        return self.size < 0 or self.size == len(self.raw)


HEAD_BYTES = 64 * 1024  # what is read of a message too large to read whole


class Inbox(Protocol):
    name: str

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def fetch(self) -> list[FetchedMail]: ...

    async def acknowledge(self, ref: str) -> bool: ...


class MaildirInbox:
    """Reads ``new/`` and ``cur/`` of a Maildir; acknowledged mail moves to ``.Processed``.

    ``.Processed`` is a Maildir++ subfolder, so a mail client pointed at the
    same Maildir shows it as a folder.
    """

    name = "maildir"

    def __init__(self, *, path: Path, batch_size: int = 500, max_bytes: int | None = None) -> None:
        self.path = path
        self.batch_size = batch_size
        self.max_bytes = max_bytes
        self.done = path / ".Processed"

    async def __aenter__(self) -> Self:
        for sub in ("new", "cur", "tmp"):
            (self.path / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
            (self.done / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def fetch(self) -> list[FetchedMail]:
        """The oldest waiting messages; a link or anything but a plain file is never read.

        A mail server delivers plain files. A symbolic link (to ``/etc/passwd``, say)
        would put that file's bytes in the archive, so it is left where it is, unread,
        with a warning naming it, each round until someone removes it. A message over
        ``max_bytes`` comes as its headers alone, and stays whole in the folder.
        """
        found: list[tuple[float, Path, int]] = []
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.name.startswith("."):
                    continue
                if entry.is_symlink():
                    _skip(Path(entry.path), "it is a symbolic link")
                elif entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    found.append((info.st_mtime, Path(entry.path), info.st_size))
        found.sort()
        fetched = []
        for _, path, size in found[: self.batch_size]:
            too_large = self.max_bytes is not None and size > self.max_bytes
            raw = _read_plain_file(path, HEAD_BYTES if too_large else None)
            if raw is not None:
                fetched.append(
                    FetchedMail(ref=str(path), raw=head_of(raw), size=size)
                    if too_large
                    else FetchedMail(ref=str(path), raw=raw)
                )
        return fetched

    async def acknowledge(self, ref: str) -> bool:
        source = Path(ref)
        name = source.name if ":2," in source.name else source.name + ":2,S"
        try:
            os.replace(source, self.done / "cur" / name)
        except FileNotFoundError:
            return False
        return True


def _read_plain_file(path: Path, limit: int | None = None) -> bytes | None:
    """The file's bytes, or ``None`` (warned) if it became a link or is not a plain file.

    Opened without following a link and checked on the open file, so a link swapped
    in after the folder was listed is refused too.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None  # taken meanwhile (another reader, or a mail client): nothing to say
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            _skip(path, "it is a symbolic link")
            return None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            _skip(path, "it is not a plain file")
            return None
        return handle.read() if limit is None else handle.read(limit)


def _skip(path: Path, why: str) -> None:
    log.warning(
        "inbox: skipped %s, not read: %s, not a message delivered here. It is left in "
        "place; look at it and remove it.",
        ascii(str(path)),
        why,
    )
