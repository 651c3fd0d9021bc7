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
    ref: str
    raw: bytes


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

    def __init__(self, *, path: Path, batch_size: int = 500) -> None:
        self.path = path
        self.batch_size = batch_size
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
        found: list[tuple[float, Path]] = []
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.is_file() and not entry.name.startswith("."):
                    found.append((entry.stat().st_mtime, Path(entry.path)))
        found.sort()
        return [
            FetchedMail(ref=str(path), raw=path.read_bytes())
            for _, path in found[: self.batch_size]
        ]

    async def acknowledge(self, ref: str) -> bool:
        source = Path(ref)
        name = source.name if ":2," in source.name else source.name + ":2,S"
        try:
            os.replace(source, self.done / "cur" / name)
        except FileNotFoundError:
            return False
        return True
