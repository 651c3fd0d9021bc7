"""The convenor's decisions by reply to a quarantine notice: ``accept 3``, ``reject all``.

A reply is a command only when it came to the notice's own reply address (a token
signed for this purpose alone, ``compose/tokens.py``) and from the convenor's own
address; either without the other does nothing and is held. The numbers are those
the notice lists (it names them in its ``X-Reflect-Items`` header); ``all`` means
every one of them still held. Each command is carried out by the very functions
``reflect quarantine accept|reject`` uses (``quarantine.decide``: all or nothing),
and answered by email: what was done, or, for words or numbers not understood, a
short help and nothing done. Only the first lines are read, up to the first that
is not a command (a signature, the quoted notice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from scheduler.archive.convenor_store import ConvenorStore, OurMessage
from scheduler.archive.database import Archive
from scheduler.archive.inbound_store import InboundStore
from scheduler.archive.sent_store import SentMessage
from scheduler.compose.convenor_mail import ITEMS_HEADER, ConvenorMail
from scheduler.compose.wording import SEEMS
from scheduler.errors import ReflectError
from scheduler.inbound.headers import headers_of
from scheduler.inbound.held import seems
from scheduler.inbound.machine_mail import SentUids
from scheduler.inbound.outcome import Outcome
from scheduler.inbound.quarantine import decide
from scheduler.replies import ReplyKind, body_text, parse_reply
from scheduler.safety import printable
from scheduler.vocabulary import InboundStatus

MAX_COMMAND_LINES = 10
_WORDS = {"accept": "accept", "reject": "reject"}


@dataclass(frozen=True)
class Command:
    action: str  # accept | reject
    items: tuple[int, ...]  # empty: all the notice lists
    line: str  # as written, made printable


def read_commands(text: str) -> tuple[list[Command], str]:
    """The commands on the first lines of ``text``, and the first line when there are none."""
    found: list[Command] = []
    first = ""
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        first = first or printable(line, 80)
        command = _command(line)
        if command is None or len(found) == MAX_COMMAND_LINES:
            break
        found.append(command)
    return found, first


def _command(line: str) -> Command | None:
    words = re.sub(r"[#,;.]", " ", line.lower()).split()
    if len(words) < 2 or words[0] not in _WORDS:
        return None
    rest = words[1:]
    if rest == ["all"]:
        return Command(_WORDS[words[0]], (), printable(line, 80))
    if not all(w.isdigit() and len(w) <= 12 for w in rest):
        return None
    return Command(_WORDS[words[0]], tuple(int(w) for w in rest), printable(line, 80))


def notice_items(notice: OurMessage) -> tuple[int, ...]:
    """The numbers a notice listed, from the header it carries."""
    value = str(headers_of(notice.raw).get(ITEMS_HEADER) or "")
    return tuple(int(w) for w in value.split() if w.isdigit())


class Commands:
    """Carries out the convenor's commands by reply, and answers each by email."""

    def __init__(
        self, archive: Archive, mail: ConvenorMail, *, convenor: str, uids: SentUids
    ) -> None:
        self.archive = archive
        self.mail = mail
        self.convenor = convenor.lower()
        self.uids = uids
        self.store = ConvenorStore(archive)

    def outcome(
        self,
        inbound_id: int,
        raw: bytes,
        notice: SentMessage,
        sender: str | None,
        from_problem: str | None,
        now: datetime,
    ) -> Outcome:
        if from_problem or sender != self.convenor:
            return Outcome(
                InboundStatus.QUARANTINED,
                f"a command for the quarantine notice, but from "
                f"{sender or 'an unreadable address'}, not the convenor's address"
                f"{f' ({from_problem})' if from_problem else ''}: nothing was done",
            )
        parsed = parse_reply(raw)
        if parsed.kind == ReplyKind.AUTO_REPLY:
            return Outcome(
                InboundStatus.AUTO_REPLY, f"an automatic reply to the notice ({parsed.reason})"
            )
        if parsed.kind not in (ReplyKind.ANSWER, ReplyKind.EMPTY):
            return Outcome(
                InboundStatus.QUARANTINED,
                f"came to the notice's reply address but is no command ({parsed.reason})",
            )
        ours = self.store.our_message(notice.id)
        if ours is None:  # pragma: no cover - the proof found this very row
            return Outcome(
                InboundStatus.QUARANTINED, "a command for a notice no longer in the outbox"
            )
        commands, first = read_commands(body_text(raw))
        listed = notice_items(ours)
        why = _not_understood(commands, first, listed)
        asked = "; ".join(c.line for c in commands) or first or "(nothing)"
        if why:
            answer = self.mail.command_answer(
                inbound_id, asked=asked, notice_key=ours.key, notice_sent=ours.sent_at,
                listed=listed, why=why, now=now,
            )  # fmt: skip
            return Outcome(
                InboundStatus.COMMAND,
                f"the convenor's reply to a notice, not understood: {asked}",
                then=lambda: self.store.queue(answer, now),
            )
        return Outcome(
            InboundStatus.COMMAND,
            f"the convenor's command by reply: {asked}",
            then=lambda: self._carry_out(inbound_id, commands, listed, ours, asked, now),
        )

    def _carry_out(
        self,
        inbound_id: int,
        commands: list[Command],
        listed: tuple[int, ...],
        notice: OurMessage,
        asked: str,
        now: datetime,
    ) -> None:
        """Inside the reader's transaction: decide, all or nothing, and queue the answer."""
        held = set(_still_held(self.archive, listed))
        done: list[str] = []
        problems: list[str] = []
        try:
            with self.archive.transaction():
                for command in commands:
                    items = command.items or tuple(n for n in listed if n in held)
                    if not items:
                        done.append(f"Nothing to {command.action}: that notice lists nothing "
                                    "still held back.")  # fmt: skip
                        continue
                    described = [self._described(command.action, n) for n in items]
                    decide(self.archive, command.action, items, now, uids=self.uids)
                    done.extend(described)
        except ReflectError as exc:
            problems = [line.strip() for line in str(exc).splitlines()[1:] or [str(exc)]]
        answer = self.mail.command_answer(
            inbound_id, asked=asked, notice_key=notice.key, notice_sent=notice.sent_at,
            listed=listed, done=done, problems=problems, now=now,
        )  # fmt: skip
        self.store.queue(answer, now)

    def _described(self, action: str, item: int) -> str:
        row = InboundStore(self.archive).message(item)
        if row is None:
            return f"{action.title()}ed #{item}."
        what = SEEMS.get(seems(row), "a message")
        sender = printable(row["from_address"] or "an unreadable address", 120)
        subject = printable(row["subject"] or "", 100)
        about = f" (\u201c{subject}\u201d)" if subject else ""
        return f"{action.title()}ed #{item}: {what} from {sender}{about}."


def _still_held(archive: Archive, items: tuple[int, ...]) -> list[int]:
    store = InboundStore(archive)
    return [n for n in items if (row := store.message(n)) and row["status"] == "quarantined"]


def _not_understood(commands: list[Command], first: str, listed: tuple[int, ...]) -> str:
    """Why a reply to a notice is not carried out, or empty when it can be."""
    if not commands:
        return (
            f"The first line, \u201c{first}\u201d, is not a command."
            if first
            else "The reply had no words in it."
        )
    unknown = [n for c in commands for n in c.items if n not in listed]
    if unknown:
        shown = ", ".join(f"#{n}" for n in dict.fromkeys(unknown))
        named = ", ".join(f"#{n}" for n in listed) or "nothing"
        return f"That notice does not list {shown}; it listed {named}."
    return ""
