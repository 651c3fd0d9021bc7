"""The convenor's inbox through the real service: people's replies to what asked nothing
are forwarded to the convenor, the convenor decides on the quarantine by replying to its
notice, and that notice comes at most once a week. Real ticks, the outbox Maildir read
back, a real SQLite archive."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from support.convenor import (
    CONVENOR,
    outbox,
    outlook_auto_reply,
    person_reply,
    reply_to_of,
    text_of,
    tick,
    to_of,
)
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.archive.inbound_store import InboundStore

START = datetime(2026, 11, 22, 9, tzinfo=UTC)
DEV = "dev.mistry@trust.example.nhs.uk"
TOM = "tom.okafor@council.example.gov.uk"


def inbound(p: Partnership) -> dict[int, dict[str, object]]:
    services = build_services(p.config)
    try:
        store = InboundStore(services.archive)
        ids = [r["id"] for r in services.archive.rows("SELECT id FROM inbound ORDER BY id")]
        return {n: row for n in ids if (row := store.message(n)) is not None}
    finally:
        services.close()


def reflect(p: Partnership, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(p.config), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def stranger(n: int, at: datetime) -> bytes:
    return (
        f"From: Someone <someone{n}@elsewhere.example.com>\r\nTo: reflect@reflect.example.org\r\n"
        f"Subject: hello {n}\r\nMessage-ID: <hello-{n}@elsewhere.example.com>\r\n"
        f"Date: {at:%a, %d %b %Y %H:%M:%S +0000}\r\n\r\nHello, is this the partnership? ({n})\r\n"
    ).encode()


def test_a_newcomers_question_to_the_induction_pack_reaches_the_convenor(
    partnership: Partnership,
) -> None:
    tick(partnership, START)
    (pack,) = [m for m in outbox(partnership, "induction") if to_of(m) == [DEV]]
    question = "Thanks! Is the reflection point open to my deputy too, or just to me?"
    got = tick(partnership, START + timedelta(hours=2), [
        person_reply(pack, sender=DEV, name="Dev Mistry", body=question, style="iphone",
                     message_id="<q-1@trust.example.nhs.uk>"),
    ])  # fmt: skip
    assert got == {"forwarded": 1}

    (forward,) = outbox(partnership, "forward")
    assert to_of(forward) == [CONVENOR]
    assert reply_to_of(forward) == DEV  # the convenor simply answers
    assert str(forward["Subject"]).startswith(f'Dev Mistry replied to "{pack["Subject"]}"')
    text = text_of(forward)
    assert question in text
    assert "Dev Mistry <dev.mistry@trust.example.nhs.uk> of Partnership Trust replied" in text
    assert f'"{pack["Subject"]}", sent to them on Sunday 22 November 2026 at 09:00' in text
    assert text.split("-" * 40)[1].strip() == question  # their words, not our quoted pack
    (row,) = inbound(partnership).values()
    assert row["status"] == "forwarded"
    assert row["reason"] == "a reply to our induction email, forwarded to the convenor"
    assert f"kept in the archive as #{row['id']}" in text
    status = reflect(partnership, "status", "--now", (START + timedelta(hours=3)).isoformat())
    assert "Forwarded to you in the last 30 days: 1" in status
    assert f"#{row['id']} from {DEV}" in status
    assert "Quarantine is empty." in status
    tick(partnership, START + timedelta(hours=4))  # read once, forwarded once
    assert len(outbox(partnership, "forward")) == 1


def test_a_digest_reply_reaches_the_convenor_and_an_auto_reply_does_not(
    partnership: Partnership,
) -> None:
    partnership.write_config(partnership.config.read_text() + "\n[digest]\nto_all_members = true\n")
    tick(partnership, START)
    tick(partnership, datetime(2027, 1, 5, 10, tzinfo=UTC))  # the meeting's questions
    tick(partnership, datetime(2027, 1, 10, 11, tzinfo=UTC))  # its digest, to everyone
    digest = next(m for m in outbox(partnership, "digest") if to_of(m) == [TOM])
    words = "Could we add the food bank's winter figures to the next digest?"
    got = tick(partnership, datetime(2027, 1, 10, 15, tzinfo=UTC), [
        person_reply(digest, sender=TOM, name="Tom Okafor", body=words, style="outlook",
                     message_id="<d-1@council.example.gov.uk>"),
        outlook_auto_reply(digest, sender=DEV, name="Dev Mistry"),
    ])  # fmt: skip
    assert got == {"forwarded": 1, "auto_reply": 1}
    (forward,) = outbox(partnership, "forward")
    assert to_of(forward) == [CONVENOR] and reply_to_of(forward) == TOM
    assert words in text_of(forward)
    assert "out of the office" not in text_of(forward)
    statuses = sorted(str(r["status"]) for r in inbound(partnership).values())
    assert statuses == ["auto_reply", "forwarded"]


def test_a_stranger_cannot_flood_the_convenor_nor_send_mail_elsewhere(
    partnership: Partnership,
) -> None:
    tick(partnership, START)
    (pack,) = [m for m in outbox(partnership, "induction") if to_of(m) == [DEV]]
    # someone Dev passed the pack to replies, many times, from an address that is no member's
    flood = [
        person_reply(pack, sender="pat@elsewhere.example.com", name="Pat", body=f"Hi {n}",
                     message_id=f"<f-{n}@elsewhere.example.com>")
        for n in range(8)
    ]  # fmt: skip
    spoofed = person_reply(
        pack, sender="pat@elsewhere.example.com", name="Pat", body="to others",
        message_id="<f-x@elsewhere.example.com>", to="victim@elsewhere.example.com",
    ).replace(b"From: Pat <pat@", b"From: =?utf-8?q?Pat=0D=0ABcc:_victim@x.example?= <pat@")  # fmt: skip
    got = tick(partnership, START + timedelta(hours=1), [*flood, spoofed])
    assert got.get("forwarded") == 5
    forwards = outbox(partnership, "forward")
    assert len(forwards) == 5
    for msg in forwards:  # only ever to the convenor, and headers are what we wrote
        assert to_of(msg) == [CONVENOR] and msg["Cc"] is None and msg["Bcc"] is None
        assert reply_to_of(msg) == "pat@elsewhere.example.com"
    assert "is not in the membership list: our email may have been passed on to them" in (
        text_of(forwards[0])
    )
    rows = inbound(partnership)
    held = [r for r in rows.values() if r["status"] == "quarantined"]
    assert len(held) == 4  # nothing lost: the rest wait in quarantine, saying why
    assert sum("were already forwarded to you in the last 24 hours" in str(r["reason"])
               for r in held) >= 3  # fmt: skip
    every = [m for m in outbox(partnership) if "victim" in m.as_string()]
    assert every == []


def notice_of(p: Partnership) -> tuple[str, list[int], object]:
    (notice,) = outbox(p, "quarantine_notice")[-1:]
    numbers = [int(n) for n in str(notice["X-Reflect-Items"]).split()]
    return reply_to_of(notice), numbers, notice


def command(notice: object, words: str, *, sender: str = CONVENOR, to: str | None = None,
            n: int = 0) -> bytes:  # fmt: skip
    from email.message import EmailMessage

    assert isinstance(notice, EmailMessage)
    return person_reply(notice, sender=sender, name="Priya Shah", body=words, to=to,
                        message_id=f"<c-{n}@grapevine.example.org>")  # fmt: skip


def test_the_convenor_decides_by_replying_to_the_notice(partnership: Partnership) -> None:
    tick(partnership, START)
    (prompt,) = [m for m in outbox(partnership, "prompt") if to_of(m) == [TOM]]
    from_home = person_reply(
        prompt, sender="tom.okafor@home.example.net", name="Tom Okafor",
        body="Writing from home: I lead on public health for the council.",
        message_id="<home-1@home.example.net>",
    )  # fmt: skip
    at = START + timedelta(hours=1)
    tick(partnership, at, [from_home, stranger(1, at), stranger(2, at), stranger(3, at)])
    address, numbers, notice = notice_of(partnership)
    assert address.startswith("reflect+convenor-") and len(numbers) == 4
    assert "To decide, reply to this email with one line, e.g.:\naccept " in text_of(notice)
    answer_n, s1, s2, s3 = numbers

    later = at + timedelta(hours=1)
    got = tick(partnership, later, [
        command(notice, f"Accept #{answer_n}\r\n\r\nPriya", n=1),
        command(notice, "reject 999", n=2),
        command(notice, "please sort these out", n=3),
        command(notice, f"reject {s1}", sender=TOM, n=4),  # a token, not the convenor
        command(notice, f"reject {s2}", to="reflect@reflect.example.org", n=5),  # no token
        command(notice, f"reject {s3}", to=address.replace("convenor-", "convenor-a"), n=6),
    ])  # fmt: skip
    assert got == {"command": 3, "quarantined": 3}
    answers = {str(m["Subject"]): text_of(m) for m in outbox(partnership, "command_answer")}
    assert len(answers) == 3
    done = answers[f'Done: "Accept #{answer_n}" (Willenhall Together)']
    assert f"Accepted #{answer_n}: an answer from tom.okafor@home.example.net" in done
    unknown = answers['Not understood: "reject 999" (Willenhall Together)']
    assert "That notice does not list #999" in unknown and "nothing was done" in unknown
    assert "reject 4 5" in unknown  # what can be written
    words = answers['Not understood: "please sort these out" (Willenhall Together)']
    assert "is not a command" in words
    for msg in outbox(partnership, "command_answer"):
        assert to_of(msg) == [CONVENOR] and reply_to_of(msg) == address

    rows = inbound(partnership)
    assert rows[answer_n]["status"] == "answer"
    assert [rows[n]["status"] for n in (s1, s2, s3)] == ["quarantined"] * 3  # forged: nothing
    forged = {str(r["reason"]) for r in rows.values() if r["id"] not in numbers
              and r["status"] == "quarantined"}  # fmt: skip
    assert any(f"from {TOM}, not the convenor's address" in r for r in forged)
    assert any("did not come to its own reply address" in r for r in forged)
    assert any("refused" in r for r in forged)
    exported = reflect(partnership, "answers")
    assert "Writing from home" in exported

    got = tick(partnership, later + timedelta(hours=1), [command(notice, "reject all", n=7)])
    assert got == {"command": 1}
    (last,) = [m for m in outbox(partnership, "command_answer")
               if str(m["Subject"]).startswith('Done: "reject all"')]  # fmt: skip
    for n in (s1, s2, s3):
        assert f"Rejected #{n}: something else from someone" in text_of(last)
    rows = inbound(partnership)
    assert [rows[n]["status"] for n in (s1, s2, s3)] == ["rejected"] * 3


def test_at_most_one_quarantine_notice_a_week_over_a_month(partnership: Partnership) -> None:
    tick(partnership, START)
    for day in range(31):
        at = START + timedelta(days=day, hours=3)
        tick(partnership, at, [stranger(day, at)])
        tick(partnership, at + timedelta(hours=6))
    assert len(outbox(partnership, "quarantine_notice")) == 5
    tick(partnership, START + timedelta(days=38))  # what came after the last is in the next
    notices = outbox(partnership, "quarantine_notice")
    sent = [m["Date"].datetime for m in notices]
    assert len(notices) == 6
    assert all(b - a >= timedelta(days=7) for a, b in pairwise(sent))
    listed = [int(n) for m in notices for n in str(m["X-Reflect-Items"]).split()]
    held = [n for n, r in inbound(partnership).items() if r["status"] == "quarantined"]
    assert sorted(listed) == held and len(set(listed)) == len(listed)  # each once, none missed
    assert re.match(r"^\d+ messages held back", str(notices[1]["Subject"]))
