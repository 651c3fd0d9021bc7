"""A hand-made archive for the report tests: members, questions sent, answers.

``Seed`` (used by the participation, digest, privacy, report and export tests)
writes rows into a real SQLite archive with the same SQL shapes the service writes.
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from scheduler.archive.database import Archive, utc_text

T0 = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
SENT = T0 - timedelta(days=7)


class Seed:
    """Builds an archive row by row, as the service would have written it."""

    def __init__(self, path: Path) -> None:
        self.archive = Archive(path)
        self._n = itertools.count(1)
        self.stamp = utc_text(SENT)

    def member(
        self,
        name: str,
        email: str,
        organisation: str,
        sector: str,
        *,
        status: str = "active",
        joined: date = date(2026, 9, 1),
    ) -> int:
        with self.archive.transaction() as conn:
            cursor = conn.execute(
                """INSERT INTO members (email, name, organisation, sector, role, status, joined,
                   first_seen, updated_at) VALUES (?,?,?,?,?,?,?,?,?)""",
                (email, name, organisation, sector, "Lead", status, joined.isoformat(),
                 self.stamp, self.stamp),
            )  # fmt: skip
            member_id = int(cursor.lastrowid or 0)
            self._event(conn, member_id, "joined", joined)
            return member_id

    def _event(self, conn: sqlite3.Connection, member_id: int, kind: str, on: date) -> None:
        conn.execute(
            """INSERT INTO membership_events (member_id, kind, on_date, detail, recorded_at)
               VALUES (?,?,?,'',?)""",
            (member_id, kind, on.isoformat(), self.stamp),
        )

    def leave(self, member_id: int, on: date) -> None:
        """The member leaves, as ``apply_membership`` records it."""
        with self.archive.transaction() as conn:
            conn.execute(
                "UPDATE members SET status = 'left', left_on = ? WHERE id = ?",
                (on.isoformat(), member_id),
            )
            self._event(conn, member_id, "left", on)

    def rejoin(self, member_id: int, on: date) -> None:
        with self.archive.transaction() as conn:
            conn.execute(
                "UPDATE members SET status = 'active', left_on = NULL WHERE id = ?", (member_id,)
            )
            self._event(conn, member_id, "rejoined", on)

    def meeting(self, meeting_id: str, title: str, kind: str = "reflection") -> None:
        with self.archive.transaction() as conn:
            conn.execute(
                """INSERT INTO meetings (id, kind, title, fingerprint, status, definition,
                   updated_at) VALUES (?,?,?,?,?,?,?)""",
                (meeting_id, kind, title, "fp", "active", "{}", self.stamp),
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
        member = self.archive.one("SELECT name, email FROM members WHERE id = ?", (member_id,))
        assert member is not None
        stamp = utc_text(sent_at) if sent_at else self.stamp
        n = next(self._n)
        body = f"Dear {member['name']},\n\n{question_text}\n\nJust reply to this email."
        raw = self._message(
            "Reflect <reflect@reflect.example.org>", member["name"], member["email"],
            question_text, body,
        )  # fmt: skip
        with self.archive.transaction() as conn:
            outbox = conn.execute(
                """INSERT INTO outbox (key, kind, member_id, recipient, meeting_id, occurrence,
                   question_id, token_id, message_id, subject, raw, status, due_at,
                   next_attempt_at, sent_at, created_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (f"k{n}", "prompt", member_id, member["email"], meeting_id, utc_text(occurrence),
                 question_id, f"t{n}", f"<p{n}@reflect.example.org>", question_text, raw, status,
                 stamp, stamp, stamp if status == "sent" else None, stamp),
            ).lastrowid  # fmt: skip
            cursor = conn.execute(
                """INSERT INTO prompts (outbox_id, member_id, kind, meeting_id, occurrence,
                   question_id, question_text, body_text) VALUES (?,?,?,?,?,?,?,?)""",
                (outbox, member_id, "question", meeting_id, utc_text(occurrence), question_id,
                 question_text, body),
            )  # fmt: skip
            return int(cursor.lastrowid or 0)

    def outbox_other(self, recipient: str, subject: str, body: str, *, kind: str = "digest") -> int:
        n = next(self._n)
        raw = self._message("Reflect <reflect@reflect.example.org>", "Convenor", recipient,
                            subject, body)  # fmt: skip
        with self.archive.transaction() as conn:
            cursor = conn.execute(
                """INSERT INTO outbox (key, kind, recipient, message_id, subject, raw, status,
                   due_at, next_attempt_at, sent_at, created_at)
                   VALUES (?,?,?,?,?,?,'sent',?,?,?,?)""",
                (f"k{n}", kind, recipient, f"<o{n}@reflect.example.org>", subject, raw,
                 self.stamp, self.stamp, self.stamp, self.stamp),
            )  # fmt: skip
            return int(cursor.lastrowid or 0)

    def answer(self, prompt_id: int, text: str, *, at: datetime | None = None) -> int:
        prompt = self.archive.one(
            """SELECT p.member_id, p.question_text, m.name, m.email FROM prompts p
               JOIN members m ON m.id = p.member_id WHERE p.id = ?""",
            (prompt_id,),
        )
        assert prompt is not None
        received = utc_text(at or SENT + timedelta(days=1, minutes=next(self._n)))
        raw = self._message(
            f"{prompt['name']} <{prompt['email']}>", "Reflect", "reflect@reflect.example.org",
            "Re: " + prompt["question_text"], text,
        )  # fmt: skip
        with self.archive.transaction() as conn:
            inbound = conn.execute(
                """INSERT INTO inbound (sha256, message_id, raw, size, source, received_at, status,
                   reason, from_address, subject, member_id, prompt_id, processed_at)
                   VALUES (?,?,?,?,?,?,'answer','answer recorded',?,?,?,?,?)""",
                (f"sha{next(self._n)}", None, raw, len(raw), "maildir", received,
                 prompt["email"], "Re: " + prompt["question_text"], prompt["member_id"],
                 prompt_id, received),
            ).lastrowid  # fmt: skip
            cursor = conn.execute(
                """INSERT INTO answers (inbound_id, prompt_id, member_id, kind, text, received_at)
                   VALUES (?,?,?,'answer',?,?)""",
                (inbound, prompt_id, prompt["member_id"], text, received),
            )
            conn.execute("UPDATE prompts SET answered = 1 WHERE id = ?", (prompt_id,))
            return int(cursor.lastrowid or 0)


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
