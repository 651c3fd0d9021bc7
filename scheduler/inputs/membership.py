"""Who the members are, as the membership file says: ``Member`` and ``Membership``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scheduler.errors import Problem


@dataclass(frozen=True)
class Member:
    email: str  # lower-case, the member's identity
    name: str
    organisation: str
    sector: str
    role: str = ""
    joined: date | None = None
    left: date | None = None
    share_introduction: bool = False  # opt-in: introductions are shared only on a yes
    preferred_name: str = ""  # what they are called in a greeting ("Peter"), if the file says
    line: int = 0

    def is_active(self, today: date) -> bool:
        if self.joined is not None and self.joined > today:
            return False
        return not (self.left is not None and self.left <= today)


@dataclass(frozen=True)
class Membership:
    """The good rows; with ``read_members``, also the bad rows left out and why.

    ``held`` are the addresses of rows left out: a tick keeps those members as the
    archive knows them. ``unreadable`` counts rows left out whose address could
    not be read at all: while there are any, nobody counts as removed from the
    file, since the row may be theirs.
    """

    members: tuple[Member, ...]
    warnings: tuple[Problem, ...] = ()
    problems: tuple[Problem, ...] = ()
    held: frozenset[str] = frozenset()
    unreadable: int = 0

    def by_email(self) -> dict[str, Member]:
        return {m.email: m for m in self.members}
