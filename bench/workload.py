"""The bench's data: partnerships on disk, pre-synced archives, replies, and years of history.

Everything here is synthetic and deterministic (seeded), and talks to nothing
but the files in the bench's own temporary directory.
"""

from __future__ import annotations

import base64
import hashlib
import quopri
import random
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, formataddr
from pathlib import Path

from scheduler.app.services import TickReport, build_services
from scheduler.archive.database import Archive, utc_text
from scheduler.compose.tokens import sign_token

SECTORS = ("vcse", "nhs", "local_authority", "primary_care", "community", "other")
FIRST = ("Priya", "Tom", "Aoife", "Dev", "Siân", "Kwame", "Zofia", "Li", "Ana", "Olu", "Rhys",
         "Maëlle", "Yusuf", "Grace", "Émile", "Niamh", "Ravi", "Hannah", "Chen", "Bronwen")  # fmt: skip
LAST = ("Shah", "Okafor", "O’Brien", "Mistry", "Jones", "Mensah", "Nowak", "Wei", "Silva",
        "Adeyemi", "Evans", "Le Goff", "Ahmed", "Taylor", "Dubois", "Byrne", "Patel", "Cohen")  # fmt: skip
ORGS = ("Grapevine", "City Council", "Partnership Trust", "Willenhall PCC", "Carers' Centre",
        "Food Bank", "Housing Association", "Youth Project", "Mosque Trust", "Age Concern")  # fmt: skip

# The send workload: one reflection point on 12 Jan 2027 (London = UTC in January);
# its prompts fall due a week before.
SEND_FIRST = "2027-01-12T10:00:00"
PRESYNC_AT = datetime(2026, 12, 1, 9, tzinfo=UTC)
SEND_AT = datetime(2027, 1, 5, 10, 30, tzinfo=UTC)
# History: three years of six-weekly reflection points from January 2024; the tick
# runs the day after the 27th, when nothing is due.
HISTORY_FIRST = datetime(2024, 1, 9, 10, tzinfo=UTC)
HISTORY_NOW = datetime(2027, 1, 6, 12, tzinfo=UTC)


def members_csv(count: int, *, seed: int = 8, email_domain: str = "example.org") -> str:
    rng = random.Random(seed)
    lines = ["name,email,organisation,sector,role,joined,left"]
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        org = f"{rng.choice(ORGS)} {i // 40 + 1}"  # about 40 members per partnership-sized group
        name = f"{first} {last}"
        email = f"member{i:05d}@{email_domain}"
        lines.append(
            f'"{name}",{email},"{org}",{SECTORS[i % len(SECTORS)]},Lead {i % 7},2023-09-01,'
        )
    return "\n".join(lines) + "\n"


def config_text(
    *,
    port: int,
    questions_per_cycle: int = 5,
    first: str = SEND_FIRST,
    governance: bool = False,
    max_per_minute: int = 0,
    max_per_day: int = 0,
) -> str:
    governance_block = (
        """
[[meeting]]
id = "governance-review"
kind = "governance"
title = "Governance review"
first = 2024-03-05T14:00:00
duration_minutes = 60
rrule = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU"
"""
        if governance
        else ""
    )
    checklist = 'checklist_meeting = "governance-review"\n' if governance else ""
    return f"""\
[partnership]
name = "Bench Together"
timezone = "Europe/London"
purpose = "Tackle health inequality by working differently with the community."
story = "We began by listening.\\n\\nThen we tried things together."
members = "members.csv"

[convenor]
name = "Priya Shah"
email = "convenor@example.org"

[mail]
from = "Bench Together <reflect@reflect.example.org>"
reply_to = "reflect+{{token}}@reflect.example.org"
transport = "smtp"

[mail.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
max_per_minute = {max_per_minute}
max_per_day = {max_per_day}

[inbox]
source = "none"

[storage]
database = "var/reflect.db"

[security]
token_key_env = "BENCH_REFLECT_TOKEN_KEY"
key_file = "var/token.key"

[[meeting]]
id = "reflection"
kind = "reflection"
title = "Reflection point"
first = {first}
duration_minutes = 90
rrule = "FREQ=WEEKLY;INTERVAL=6"
location = "Community Hub, or online"
{governance_block}
[prompts]
before_meeting_days = 7
reminder_after_days = 3
questions = ["purpose", "role", "members", "work", "learning"]
questions_per_cycle = {questions_per_cycle}
{checklist}
[induction]
existing_members = "skip"
"""


@dataclass(frozen=True)
class Place:
    """One partnership on disk."""

    dir: Path
    config: Path

    @property
    def db(self) -> Path:
        return self.dir / "var" / "reflect.db"


def write_partnership(directory: Path, *, members: int, config: str) -> Place:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "var").mkdir(exist_ok=True)
    (directory / "members.csv").write_text(members_csv(members), encoding="utf-8")
    path = directory / "config.toml"
    path.write_text(config, encoding="utf-8")
    key = directory / "var" / "token.key"
    if not key.exists():
        key.write_bytes(b"bench-key-" + b"0" * 22)
        key.chmod(0o600)
    return Place(directory, path)


def presync(place: Place, *, now: datetime = PRESYNC_AT, invitations: bool = True) -> None:
    """Members inducted already and (optionally) invited: as an established partnership."""
    services = build_services(place.config, environ={})
    try:
        services.sync(now, TickReport())
        if invitations:
            with services.archive.transaction() as conn:
                conn.execute(
                    """INSERT OR IGNORE INTO invitations (meeting_id, member_id, sequence, status,
                       updated_at) SELECT g.id, m.id, g.sequence, 'invited', ?
                       FROM members m, meetings g WHERE m.status = 'active'""",
                    (utc_text(now),),
                )
        services.archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        services.close()


def copy_place(source: Place, target: Path) -> Place:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source.dir, target)
    return Place(target, target / "config.toml")


# ---------------------------------------------------------------- replies

ANSWERS = (
    "I think we are clearer on purpose than a year ago, but the smaller groups still "
    "find the meetings hard to get to in work hours.",
    "Honestly? Young carers are missing. We talk about them at every meeting but none of "
    "them, or the groups that support them, are in the room.",
    "Our role is to bring the housing view. We could do more to share data before the "
    "meeting rather than on the day.",
    "What we have learnt: start with the people who use the services, not with the "
    "organisation chart. The listening events in the spring taught us more than any report.",
    "Power is not shared evenly yet — the trust sets the agenda and the rest of us react. "
    "Could we rotate the chair?",
    "Short answer from me this time: agree with the direction, worried about capacity in "
    "the voluntary sector after the funding round.",
)
SIGNATURES = (
    "Kind regards\n\n{name}\nPublic Health Lead | City Council\nTel 01922 650 000",
    "Thanks,\n{name}",
    "--\n{name}\n{org}\nhttps://example.org",
    "Best wishes\n{name}\n\nThis e-mail and any attachments are confidential and intended "
    "solely for the addressee. If you have received it in error please tell the sender.",
)


@dataclass(frozen=True)
class PromptSent:
    token_id: str
    email: str
    name: str
    question: str
    message_id: str
    subject: str


def prompts_sent(db: Path, limit: int) -> list[PromptSent]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            """SELECT o.token_id, m.email, m.name, p.question_text, o.message_id, o.subject
               FROM prompts p JOIN outbox o ON o.id = p.outbox_id JOIN members m ON m.id = p.member_id
               WHERE o.token_id IS NOT NULL ORDER BY o.id LIMIT ?""",
            (limit,),
        ).fetchall()
    finally:
        conn.close()
    return [PromptSent(*row) for row in rows]


def _qp(text: str) -> str:
    return quopri.encodestring(text.replace("\n", "\r\n").encode("utf-8")).decode("ascii")


def compose_reply(
    prompt: PromptSent, *, index: int, secret: bytes, reply_to: str, when: datetime
) -> bytes:
    """One realistic reply to a prompt, in one of several clients' shapes."""
    token = sign_token(prompt.token_id, secret)
    ours = reply_to.replace("{token}", token)
    first = prompt.name.split()[0]
    answer = ANSWERS[index % len(ANSWERS)]
    if index % 5 == 0:
        answer = answer + "\n\n" + ANSWERS[(index + 3) % len(ANSWERS)]
    signature = SIGNATURES[index % len(SIGNATURES)].format(name=prompt.name, org="Grapevine")
    quoted_lines = [
        "## Please reply above this line ##",
        "",
        prompt.question,
        "",
        "Some points to consider: who decides, who is heard, what has changed.",
        "Simply reply to this email.",
    ]
    date_header = format_datetime(when + timedelta(seconds=index))
    head = [
        f"From: {formataddr((prompt.name, prompt.email))}",
        f"To: {formataddr(('Bench Together', ours))}",
        f"Subject: Re: {prompt.subject}",
        f"Date: {date_header}",
        f"Message-ID: <reply-{index}-{hashlib.sha1(token.encode()).hexdigest()[:12]}@mail.example.net>",  # noqa: S324 - a label
        f"In-Reply-To: {prompt.message_id}",
        f"References: {prompt.message_id}",
        "MIME-Version: 1.0",
    ]
    style = index % 6
    if index % 37 == 0:  # an out-of-office now and then
        head[2] = f"Subject: Automatic reply: {prompt.subject}"
        head += [
            "Auto-Submitted: auto-replied",
            "X-Auto-Response-Suppress: All",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: 8bit",
        ]
        body = f"I am out of the office until Monday with limited access to email.\n\n{first}\n"
        return ("\r\n".join(head) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode("utf-8")
    if style == 0:  # Gmail: alternative, quoted-printable, "On ... wrote:" and > quotes
        text = (
            f"Hi Priya,\n\n{answer}\n\n{signature}\n\n"
            f"On {date_header}, Bench Together <{ours}> wrote:\n\n"
            + "\n".join(f"> {line}".rstrip() for line in quoted_lines)
            + "\n"
        )
        html = (
            f'<div dir="ltr">Hi Priya,<div><br></div><div>{answer}</div><div><br></div>'
            f"<div>{signature.replace(chr(10), '<br>')}</div></div><br>"
            f'<div class="gmail_quote"><div class="gmail_attr">On {date_header}, Bench Together '
            f'&lt;{ours}&gt; wrote:<br></div><blockquote class="gmail_quote">'
            + "<br>".join(quoted_lines)
            + "</blockquote></div>"
        )
        boundary = f"000000000000{index:012x}"
        head.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        body = (
            f'--{boundary}\r\nContent-Type: text/plain; charset="UTF-8"\r\n'
            f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(text)}\r\n"
            f'--{boundary}\r\nContent-Type: text/html; charset="UTF-8"\r\n'
            f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(html)}\r\n--{boundary}--\r\n"
        )
    elif style == 1:  # Outlook desktop: banner, signature, disclaimer, header block
        text = (
            "CAUTION: This email originated from outside of the organisation.\n\n"
            f"Dear all,\n\n{answer}\n\n{signature}\n\n"
            f"From: Bench Together <{ours}>\nSent: 05 January 2027 10:30\n"
            f"To: {prompt.name} <{prompt.email}>\nSubject: {prompt.subject}\n\n"
            + "\n".join(quoted_lines)
            + "\n"
        )
        head += [
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: quoted-printable",
        ]
        body = _qp(text)
    elif style == 2:  # iPhone: short, "Sent from my iPhone", quoted
        text = (
            f"{answer}\n\nSent from my iPhone\n\n> On 5 Jan 2027, at 10:30, Bench Together "
            f"<{ours}> wrote:\n>\n"
            + "\n".join(f"> {line}".rstrip() for line in quoted_lines)
            + "\n"
        )
        head += ['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit"]
        body = text.replace("\n", "\r\n")
    elif style == 3:  # HTML only (a web client)
        html = (
            f"<html><body><p>Hello,</p><p>{answer}</p><p>{signature.replace(chr(10), '<br>')}</p>"
            f'<hr><div id="divRplyFwdMsg"><b>From:</b> Bench Together &lt;{ours}&gt;<br>'
            f"<b>Subject:</b> {prompt.subject}</div><div>"
            + "<br>".join(quoted_lines)
            + "</div></body></html>"
        )
        head += ['Content-Type: text/html; charset="utf-8"', "Content-Transfer-Encoding: base64"]
        body = base64.encodebytes(html.encode("utf-8")).decode("ascii").replace("\n", "\r\n")
    elif style == 4:  # Thunderbird: sig-dash, attribution line, plain 8bit
        text = (
            f"{answer}\n\n-- \n{prompt.name}\nGrapevine\n\n"
            f"On 05/01/2027 10:30, Bench Together wrote:\n"
            + "\n".join(f"> {line}".rstrip() for line in quoted_lines)
            + "\n"
        )
        head += [
            'Content-Type: text/plain; charset="utf-8"; format=flowed',
            "Content-Transfer-Encoding: 8bit",
        ]
        body = text.replace("\n", "\r\n")
    else:  # Outlook web: answer above an underscore line, HTML alternative
        text = (
            f"{answer}\n\n{signature}\n\n________________________________\n"
            f"From: Bench Together <{ours}>\nSent: Tuesday, January 5, 2027 10:30 AM\n\n"
            + "\n".join(quoted_lines)
            + "\n"
        )
        html = (
            f"<html><head><style>p {{margin:0}}</style></head><body><div>{answer}</div>"
            f"<div>{signature.replace(chr(10), '<br>')}</div><hr><div>"
            + "<br>".join(quoted_lines)
            + "</div></body></html>"
        )
        boundary = f"_000_{index:08d}_"
        head.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        body = (
            f'--{boundary}\r\nContent-Type: text/plain; charset="utf-8"\r\n'
            f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(text)}\r\n"
            f'--{boundary}\r\nContent-Type: text/html; charset="utf-8"\r\n'
            f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(html)}\r\n--{boundary}--\r\n"
        )
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + body.encode("utf-8")


def replies(
    prompts: list[PromptSent], *, secret: bytes, reply_to: str, when: datetime = SEND_AT
) -> Iterator[bytes]:
    for index, prompt in enumerate(prompts):
        yield compose_reply(prompt, index=index, secret=secret, reply_to=reply_to, when=when)


def big_reply(prompt: PromptSent, *, secret: bytes, reply_to: str, size: int) -> bytes:
    """A reply carrying a large attachment (a scanned document), about ``size`` bytes."""
    small = compose_reply(prompt, index=4, secret=secret, reply_to=reply_to, when=SEND_AT)
    head, _, body = small.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    kept = [ln for ln in lines if not ln.lower().startswith((b"content-type", b"content-transfer"))]
    boundary = b"bench-big-boundary"
    payload = base64.encodebytes(random.Random(1).randbytes(size * 3 // 4))
    return (
        b"\r\n".join(kept)
        + b'\r\nContent-Type: multipart/mixed; boundary="bench-big-boundary"\r\n\r\n--'
        + boundary
        + b'\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        + body
        + b"\r\n--"
        + boundary
        + b'\r\nContent-Type: application/pdf; name="minutes.pdf"\r\n'
        b'Content-Disposition: attachment; filename="minutes.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + payload.replace(b"\n", b"\r\n")
        + b"\r\n--"
        + boundary
        + b"--\r\n"
    )


# ---------------------------------------------------------------- history


def build_history(
    place: Place, *, years: int = 3, sample_raw: bytes, seed: int = 3
) -> dict[str, int]:
    """Add ``years`` of six-weekly prompts, reminders, replies and leavers, by direct SQL.

    The rows match the schema the service writes: every prompt has its outbox row
    (sent), most unanswered ones a reminder, about half an inbound reply and an
    answer; some members left along the way. Nothing is due at ``HISTORY_NOW``.
    """
    rng = random.Random(seed)
    archive = Archive(place.db)
    conn = archive.conn
    members = conn.execute("SELECT id, email FROM members WHERE status = 'active'").fetchall()
    questions = ("purpose", "role", "members", "work", "learning")
    counts = {"outbox": 0, "prompts": 0, "inbound": 0, "answers": 0, "left": 0}
    reply_raw = sample_raw[: len(sample_raw) // 2]
    outbox_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0])
    inbound_id = 0
    prompt_id = 0
    conn.execute("BEGIN IMMEDIATE")
    # everyone listed has been here from the start, three years ago
    conn.execute(
        "UPDATE members SET first_seen = ?", (utc_text(HISTORY_FIRST - timedelta(days=40)),)
    )
    # members who came and went: a fifth as many again, all gone by now
    left_ids = []
    for i in range(len(members) // 5):
        left_on = (HISTORY_FIRST + timedelta(days=rng.randrange(0, 365 * years - 60))).date()
        cursor = conn.execute(
            """INSERT INTO members (email, name, organisation, sector, role, status, joined,
               left_on, inducted, first_seen, updated_at)
               VALUES (?,?,?,?,?,'left',?,?,1,?,?)""",
            (f"former{i:05d}@example.org", f"Former Member {i}", f"Org {i % 50}",
             SECTORS[i % len(SECTORS)], "", "2023-09-01", left_on.isoformat(),
             utc_text(HISTORY_FIRST - timedelta(days=40)), utc_text(HISTORY_FIRST)),
        )  # fmt: skip
        left_ids.append((int(cursor.lastrowid or 0), left_on))
        conn.execute(
            "INSERT INTO membership_events (member_id, kind, on_date, recorded_at) VALUES (?,?,?,?)",
            (cursor.lastrowid, "left", left_on.isoformat(), utc_text(HISTORY_FIRST)),
        )
        counts["left"] += 1
    people: list[tuple[int, str, date | None]] = [(int(m), str(e), None) for m, e in members]
    people += [(mid, f"former{i:05d}@example.org", on) for i, (mid, on) in enumerate(left_ids)]
    cycles = years * 365 // 42
    outbox_rows: list[tuple[object, ...]] = []
    prompt_rows: list[tuple[object, ...]] = []
    inbound_rows: list[tuple[object, ...]] = []
    answer_rows: list[tuple[object, ...]] = []

    def flush() -> None:
        conn.executemany(
            """INSERT INTO outbox (id, key, kind, member_id, recipient, meeting_id, occurrence,
               question_id, sequence, token_id, message_id, subject, raw, status, attempts, due_at,
               next_attempt_at, claimed_at, sent_at, created_at)
               VALUES (?,?,?,?,?,?,?,?,NULL,?,?,?,?,'sent',1,?,?,?,?,?)""",
            outbox_rows,
        )
        conn.executemany(
            """INSERT INTO prompts (id, outbox_id, member_id, kind, meeting_id, occurrence,
               question_id, question_text, body_text, answered, reminded)
               VALUES (?,?,?,'question','reflection',?,?,?,?,?,?)""",
            prompt_rows,
        )
        conn.executemany(
            """INSERT INTO inbound (id, sha256, message_id, raw, size, source, source_ref,
               received_at, status, reason, attempts, from_address, subject, member_id, prompt_id,
               processed_at) VALUES (?,?,?,?,?,'imap',NULL,?,'answer','answer recorded',0,?,?,?,?,?)""",
            inbound_rows,
        )
        conn.executemany(
            """INSERT INTO answers (inbound_id, prompt_id, member_id, kind, text, received_at)
               VALUES (?,?,?,'answer',?,?)""",
            answer_rows,
        )
        counts["outbox"] += len(outbox_rows)
        counts["prompts"] += len(prompt_rows)
        counts["inbound"] += len(inbound_rows)
        counts["answers"] += len(answer_rows)
        for rows in (outbox_rows, prompt_rows, inbound_rows, answer_rows):
            rows.clear()

    for cycle in range(cycles):
        occurrence = HISTORY_FIRST + timedelta(days=42 * cycle)
        sent = occurrence - timedelta(days=7)
        qid = questions[cycle % len(questions)]
        for member_id, email, left_on in people:
            if left_on is not None and left_on < sent.date():
                continue
            outbox_id += 1
            key = hashlib.sha256(f"{cycle}/{member_id}".encode()).hexdigest()[:32]
            stamp = utc_text(sent)
            outbox_rows.append(
                (outbox_id, key, "prompt", member_id, email, "reflection", utc_text(occurrence),
                 qid, key[:26], f"<{key}@reflect.example.org>", f"Question: {qid}", sample_raw,
                 stamp, stamp, stamp, stamp, stamp)
            )  # fmt: skip
            prompt_id += 1
            answered = rng.random() < 0.55
            prompt_rows.append(
                (prompt_id, outbox_id, member_id, utc_text(occurrence), qid, f"Question {qid}?",
                 "## Please reply above this line ##\n\nThe question.", int(answered),
                 int(not answered or rng.random() < 0.3))
            )  # fmt: skip
            if not answered:
                # the reminder three days later
                outbox_id += 1
                rkey = hashlib.sha256(f"r/{cycle}/{member_id}".encode()).hexdigest()[:32]
                rstamp = utc_text(sent + timedelta(days=3))
                outbox_rows.append(
                    (outbox_id, rkey, "reminder", member_id, email, "reflection",
                     utc_text(occurrence), qid, None, f"<{rkey}@reflect.example.org>",
                     f"Reminder: {qid}", sample_raw, rstamp, rstamp, rstamp, rstamp, rstamp)
                )  # fmt: skip
                continue
            inbound_id += 1
            received = utc_text(sent + timedelta(hours=rng.randrange(1, 96)))
            inbound_rows.append(
                (inbound_id, hashlib.sha256(f"in/{cycle}/{member_id}".encode()).hexdigest(),
                 f"<in-{cycle}-{member_id}@mail.example.net>", reply_raw, len(reply_raw),
                 received, email, f"Re: Question: {qid}", member_id, prompt_id, received)
            )  # fmt: skip
            answer_rows.append(
                (inbound_id, prompt_id, member_id, ANSWERS[cycle % len(ANSWERS)], received)
            )
        flush()
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    archive.close()
    return counts
