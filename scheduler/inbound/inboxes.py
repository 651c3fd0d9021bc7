"""Where replies come from: a Maildir folder, or an IMAP account (see imap_inbox).

Every inbox hands over exact bytes with a reference, and is told to
``acknowledge`` a message only after the archive has committed it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self


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


def head_of(data: bytes) -> bytes:
    """The header block of a message's first bytes (all of them if no blank line shows)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        found = data.find(separator)
        if found != -1:
            return data[: found + len(separator)]
    return data


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
            (self.path / sub).mkdir(parents=True, exist_ok=True)
            (self.done / sub).mkdir(parents=True, exist_ok=True)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def fetch(self) -> list[FetchedMail]:
        found: list[tuple[float, Path, int]] = []
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.is_file() and not entry.name.startswith("."):
                    info = entry.stat()
                    found.append((info.st_mtime, Path(entry.path), info.st_size))
        found.sort()
        return [self._read(path, size) for _, path, size in found[: self.batch_size]]

    def _read(self, path: Path, size: int) -> FetchedMail:
        if self.max_bytes is not None and size > self.max_bytes:
            with path.open("rb") as handle:  # too large: its headers are enough to say whose
                return FetchedMail(ref=str(path), raw=head_of(handle.read(HEAD_BYTES)), size=size)
        return FetchedMail(ref=str(path), raw=path.read_bytes())

    async def acknowledge(self, ref: str) -> bool:
        source = Path(ref)
        name = source.name if ":2," in source.name else source.name + ":2,S"
        try:
            os.replace(source, self.done / "cur" / name)
        except FileNotFoundError:
            return False
        return True
