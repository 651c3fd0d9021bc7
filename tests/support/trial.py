"""A partnership run day by day through the real tick, with members who answer.

``Trial`` writes a config and a membership file, then ``run_until`` ticks once a
day (in process, through ``Services.tick``: the same code ``reflect tick`` runs),
delivering into the outbox Maildir. Each new email is parsed and handed to
``respond``, which may drop replies into the inbox Maildir for the next tick:
members answer from Gmail, Outlook and iPhone styles (``scheduler.demo.replies``),
and every calendar accepts every invitation automatically, as Outlook and Google
do when set to.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from scheduler.app.services import Services, read_config
from scheduler.demo.replies import compose_reply, compose_rsvp


@dataclass(frozen=True)
class Sent:
    """One email the service sent, as the recipient's client reads it."""

    day: datetime  # the tick that sent it (UTC)
    to: str
    kind: str
    msg: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.msg["Subject"] or "")

    def text(self) -> str:
        body = self.msg.get_body(("plain",))
        return body.get_content() if body is not None else ""

    def has_calendar(self) -> bool:
        return any(p.get_content_type() == "text/calendar" for p in self.msg.walk())


Responder = Callable[["Trial", Sent], list[bytes]]


@dataclass
class Trial:
    folder: Path
    config_text: str
    members_csv: str
    now: datetime
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    sent: list[Sent] = field(default_factory=list)
    replies: list[tuple[datetime, bytes]] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "config.toml").write_text(self.config_text, encoding="utf-8")
        (self.folder / "members.csv").write_text(self.members_csv, encoding="utf-8")
        for sub in ("new", "cur", "tmp"):
            (self.inbox / sub).mkdir(parents=True, exist_ok=True)

    @property
    def config(self) -> Path:
        return self.folder / "config.toml"

    @property
    def inbox(self) -> Path:
        return self.folder / "var" / "inbox"

    @property
    def outbox(self) -> Path:
        return self.folder / "var" / "outbox"

    def deliver(self, raw: bytes) -> None:
        """Drop one message into the inbox, to be read at the next tick."""
        name = f"{self.now:%Y%m%d%H%M}-{self.rng.getrandbits(40):010x}.eml"
        (self.inbox / "new" / name).write_bytes(raw)
        self.replies.append((self.now, raw))

    def run_until(self, end: datetime, respond: Responder, *, step: timedelta) -> None:
        while self.now < end:
            self.tick_once()
            for item in self._new_mail():
                for raw in respond(self, item):
                    self.deliver(raw)
            self.now += step

    def tick_once(self) -> None:
        services = Services(read_config(self.config), environ={})
        try:
            report = asyncio.run(services.tick(self.now))
        finally:
            services.close()
        assert not report.problems, report.problems

    def _new_mail(self) -> list[Sent]:
        found = []
        for folder in ("new", "cur"):
            path = self.outbox / folder
            if not path.is_dir():
                continue
            for file in sorted(path.iterdir()):
                if file.name in self._seen:
                    continue
                self._seen.add(file.name)
                msg = message_from_bytes(file.read_bytes(), policy=policy.default)
                assert isinstance(msg, EmailMessage)
                to = msg["To"].addresses[0].addr_spec.lower()
                kind = str(msg.get("X-Reflect-Kind", "other"))
                found.append(Sent(self.now.astimezone(UTC), to, kind, msg))
        self.sent.extend(found)
        return found

    def to(self, address: str) -> list[Sent]:
        return [s for s in self.sent if s.to == address.lower()]


def accept_invitation(sent: Sent, name: str) -> bytes | None:
    """What a calendar set to accept automatically sends back."""
    return compose_rsvp(invite=sent.msg, name=name, address=sent.to, partstat="ACCEPTED")


def written_reply(sent: Sent, *, name: str, style: str, words: str, seed: int) -> bytes:
    """A person's reply, in their mail client's style, quoting ``sent``."""
    return compose_reply(
        style=style, prompt=sent.msg, name=name, address=sent.to, words=words, seed=seed
    )
