"""A hand-made archive for the report tests: members, questions sent, answers.

``Seed`` (used by the participation, digest, privacy, report and export tests)
writes through the stores the service writes with (``apply_membership``,
``apply_meetings``, ``OutboxStore``, custody's ``store_raw``, ``AnswerStore``),
so a seeded archive holds what a running service would have stored.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from scheduler.archive.answer_store import AnswerStore
from scheduler.archive.database import Archive
from scheduler.archive.inbound_store import InboundStore
from scheduler.archive.outbox_store import OutboxStore
from scheduler.archive.state import apply_meetings, apply_membership, load_members
from scheduler.compose.render import Outgoing, PromptRecord
from scheduler.inbound.custody import store_raw
from scheduler.inputs.config_file import parse_config
from scheduler.inputs.membership import Member
from scheduler.plan.intents import Bare, Intent, MeetingAt, Question
from scheduler.plan.state import MemberState
from scheduler.plan.sync import MeetingChange, MembershipChange, meeting_fingerprint
from scheduler.vocabulary import MessageKind
from support.partnership import CONFIG

T0 = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
SENT = T0 - timedelta(days=7)


class Seed:
    """Builds an archive step by step, through the stores the service writes with."""

    def __init__(self, path: Path) -> None:
        self.archive = Archive(path)
        self.config = parse_config(CONFIG, path.parent / "config.toml")
        self._n = itertools.count(1)

    def _member(self, member_id: int) -> MemberState:
        return next(m for m in load_members(self.archive).values() if m.id == member_id)

    def _membership(self, change: MembershipChange) -> None:
        apply_membership(self.archive, [change], SENT, first_run=False, existing_members="induct")

    def member(
        self,
        name: str,
        email: str,
        organisation: str,
        sector: str,
        *,
        joined: date = date(2026, 9, 1),
    ) -> int:
        """A member who joined on ``joined``, as a members.csv row is synced."""
        row = Member(email, name, organisation, sector, role="Lead", joined=joined)
        self._membership(MembershipChange("joined", row, email, joined))
        return load_members(self.archive)[email].id

    def leave(self, member_id: int, on: date) -> None:
        """The member leaves, as ``apply_membership`` records it."""
        self._membership(MembershipChange("left", None, self._member(member_id).email, on))

    def rejoin(self, member_id: int, on: date) -> None:
        m = self._member(member_id)
        row = Member(m.email, m.name, m.organisation, m.sector, role=m.role, joined=m.joined)
        self._membership(MembershipChange("rejoined", row, m.email, on))

    def meeting(self, meeting_id: str, title: str, kind: str = "reflection") -> None:
        """A series like the config's reflection meeting, under this id, title and kind."""
        reflection = self.config.meeting("reflection")
        assert reflection is not None
        meeting = dataclasses.replace(reflection, id=meeting_id, title=title, kind=kind)
        config = dataclasses.replace(self.config, meetings=(meeting,))
        fingerprint = meeting_fingerprint(meeting, config.partnership.timezone)
        apply_meetings(
            self.archive, [MeetingChange("added", meeting_id, fingerprint, 0)], config, SENT
        )

    def _message(self, sender: str, to_name: str, to: str, subject: str, body: str) -> bytes:
        msg = EmailMessage(policy=SMTP)
        msg["From"] = sender
        msg["To"] = Address(to_name, addr_spec=to)
        msg["Subject"] = subject
        msg["Message-ID"] = f"<m{next(self._n)}@reflect.example.org>"
        msg.set_content(body)
        msg.add_alternative(f"<p>{body}</p>", subtype="html")
        return msg.as_bytes()

    def _queue(
        self, intent: Intent, out: Outgoing, member_ids: dict[str, int], at: datetime
    ) -> int:
        outbox = OutboxStore(self.archive)
        assert outbox.enqueue([(intent, out)], member_ids, at) == 1
        return int(self.archive.scalar("SELECT id FROM outbox WHERE key = ?", (out.key,)))

    def prompt(
        self,
        member_id: int,
        meeting_id: str,
        occurrence: datetime,
        question_id: str,
        question_text: str,
        *,
        status: str = "sent",
        sent_at: datetime | None = None,
    ) -> int:
        """A question queued for the member and then sent (or failed, or left queued)."""
        member = self._member(member_id)
        at = sent_at or SENT
        n = next(self._n)
        body = f"Dear {member.name},\n\n{question_text}\n\nJust reply to this email."
        raw = self._message(
            "Reflect <reflect@reflect.example.org>", member.name, member.email,
            question_text, body,
        )  # fmt: skip
        intent = Intent(
            key=f"k{n}", kind=MessageKind.PROMPT, recipient=member.email, due=at,
            payload=Question(member.email, question_id, MeetingAt(meeting_id, occurrence)),
        )  # fmt: skip
        out = Outgoing(
            key=f"k{n}", kind=MessageKind.PROMPT, recipient=member.email,
            member_email=member.email, subject=question_text,
            message_id=f"<p{n}@reflect.example.org>", token_id=f"t{n}", raw=raw,
            prompt=PromptRecord("question", question_id, question_text, body),
        )  # fmt: skip
        outbox_id = self._queue(intent, out, {member.email: member_id}, at)
        self._settle(outbox_id, status, at)
        return int(self.archive.scalar("SELECT id FROM prompts WHERE outbox_id = ?", (outbox_id,)))

    def _settle(self, outbox_id: int, status: str, at: datetime) -> None:
        outbox = OutboxStore(self.archive)
        if status == "sent":
            outbox.mark_sent(outbox_id, at)
        elif status == "failed":
            outbox.mark_failed(outbox_id, "550 5.1.1 mailbox unavailable")
        else:
            assert status == "queued", f"Seed.prompt cannot leave a message {status!r}"

    def outbox_other(self, recipient: str, subject: str, body: str, *, kind: str = "digest") -> int:
        """A message to someone who is not a member (a digest to the convenor), sent."""
        n = next(self._n)
        raw = self._message("Reflect <reflect@reflect.example.org>", "Convenor", recipient,
                            subject, body)  # fmt: skip
        intent = Intent(
            key=f"k{n}", kind=MessageKind(kind), recipient=recipient, due=SENT, payload=Bare()
        )
        out = Outgoing(
            key=f"k{n}", kind=kind, recipient=recipient, member_email=None, subject=subject,
            message_id=f"<o{n}@reflect.example.org>", token_id=None, raw=raw,
        )  # fmt: skip
        outbox_id = self._queue(intent, out, {}, SENT)
        self._settle(outbox_id, "sent", SENT)
        return outbox_id

    def answer(self, prompt_id: int, text: str, *, at: datetime | None = None) -> int:
        """The member's reply, taken into custody and filed as the answer ``text``,
        in one transaction as ingest files a proved answer."""
        prompt = self.archive.one(
            """SELECT p.member_id, p.kind, p.question_text, m.name, m.email FROM prompts p
               JOIN members m ON m.id = p.member_id WHERE p.id = ?""",
            (prompt_id,),
        )
        assert prompt is not None
        received = at or SENT + timedelta(days=1, minutes=next(self._n))
        subject = "Re: " + prompt["question_text"]
        raw = self._message(
            f"{prompt['name']} <{prompt['email']}>", "Reflect", "reflect@reflect.example.org",
            subject, text,
        )  # fmt: skip
        stored = store_raw(self.archive, raw, source="maildir", ref=None, now=received)
        with self.archive.transaction():
            AnswerStore(self.archive).record_answer(
                stored.id, prompt_id, prompt["member_id"], prompt["kind"], text, received
            )
            InboundStore(self.archive).set_outcome(
                stored.id, status="answer", reason="answer recorded", from_address=prompt["email"],
                subject=subject, member_id=prompt["member_id"], prompt_id=prompt_id, now=received,
            )  # fmt: skip
        return int(self.archive.scalar("SELECT id FROM answers WHERE inbound_id = ?", (stored.id,)))


def partnership_of_five(seed: Seed) -> dict[str, int]:
    """Three voluntary-sector members, one NHS, one council; the NHS member never replies."""
    ids = {
        "priya": seed.member("Priya Shah", "priya@grapevine.example.org", "Grapevine", "vcse"),
        "ama": seed.member("Ama Mensah", "ama@foodbank.example.org", "Food Bank", "vcse"),
        "lee": seed.member("Lee Chan", "lee@grapevine.example.org", "Grapevine", "vcse"),
        "nia": seed.member("Nia Evans", "nia@trust.example.nhs.uk", "Walsall Trust", "nhs"),
        "tom": seed.member(
            "Tom Okafor", "tom@council.example.gov.uk", "City Council", "local_authority"
        ),
    }
    seed.meeting("reflection", "Reflection point")
    return ids
