"""The convenor decides on held messages from a terminal: one, many, all, or by kind,
through the real ``reflect`` command on an archive a real service filled."""

from __future__ import annotations

import mailbox
import subprocess
import sys
from datetime import timedelta

from support.conversations import NAMES, SIX, START, conversation_invites, run_days, with_settings
from support.mailmaker import rsvp_email
from support.outbox import messages
from support.partnership import Partnership

from scheduler.app.services import build_services

STRANGER = (
    b"From: Someone <someone@elsewhere.example.com>\r\nTo: reflect@reflect.example.org\r\n"
    b"Subject: hello\r\nMessage-ID: <hello-1@elsewhere.example.com>\r\n\r\n"
    b"Hello, is this the partnership?\r\n"
)
FAKE_BOUNCE = (
    b"From: Mail Delivery System <mailer-daemon@elsewhere.example.com>\r\n"
    b"To: reflect@reflect.example.org\r\nSubject: Undeliverable: A conversation\r\n"
    b"Message-ID: <bounce-1@elsewhere.example.com>\r\n\r\n"
    b"Delivery to grace@foodbank.example.org failed: 550 5.1.1 no such user\r\n"
)


def reflect(p: Partnership, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(p.config), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def statuses(p: Partnership) -> dict[int, str]:
    services = build_services(p.config)
    rows = services.archive.rows("SELECT id, status FROM inbound ORDER BY id")
    services.close()
    return {row["id"]: row["status"] for row in rows}


async def test_bulk_decisions_are_all_or_nothing_and_one_line_each(
    partnership: Partnership,
) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 1")
    now = await run_days(partnership, START, days=10)
    invites = conversation_invites(partnership)
    (me, uid, people), (me2, uid2, _p2) = (
        invites[0],
        next((r, u, q) for r, u, q in invites if r not in invites[0][2]),
    )
    third = next(a for a in NAMES if a not in people)
    # Held as an archive from before conversation replies were known holds them: the
    # copy to me2 had not gone yet when their calendar answered.
    services = build_services(partnership.config)
    with services.archive.transaction() as conn:
        conn.execute("UPDATE outbox SET status = 'queued' WHERE recipient = ?", (me2,))
    forged = rsvp_email(uid=uid, attendee=me, name=NAMES[me], partstat="DECLINED", style="google")
    forged = forged.replace(f"From: {NAMES[me]} <{me}>".encode(), f"From: <{third}>".encode())
    box = mailbox.Maildir(partnership.inbox, create=True)
    for raw in (
        forged,
        rsvp_email(uid=uid2, attendee=me2, name=NAMES[me2], partstat="ACCEPTED", style="outlook"),
        STRANGER,
        FAKE_BOUNCE,
    ):
        box.add(raw)
    report = await services.tick(now)
    with services.archive.transaction() as conn:  # their copy goes after all
        conn.execute("UPDATE outbox SET status = 'sent' WHERE recipient = ?", (me2,))
    services.close()
    assert report.ingested == {"quarantined": 4}
    forged_n, early_n, stranger_n, bounce_n = sorted(statuses(partnership))
    at = ("--now", (now + timedelta(hours=1)).isoformat())

    listed = reflect(partnership, "quarantine", "list", "--kind", "rsvp")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("2 message(s) held back:")
    assert f"#{forged_n} " in listed.stdout and f"#{early_n} " in listed.stdout
    assert "a calendar reply" in listed.stdout

    # one of the two cannot be accepted without vouching: nothing changes, and it says which
    tried = reflect(partnership, "quarantine", "accept", "--kind", "rsvp", *at)
    assert tried.returncode == 1
    assert tried.stderr.splitlines()[0] == "Error: nothing was changed: 1 of 2 cannot be accepted."
    assert tried.stderr.splitlines()[1].startswith(
        f"  #{forged_n} was not recorded: a calendar reply from {third} on behalf of {me}"
    )
    assert "accept it with --vouch" in tried.stderr
    assert set(statuses(partnership).values()) == {"quarantined"}

    done = reflect(partnership, "quarantine", "accept", str(early_n), *at)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"#{early_n} calendar reply recorded: {me2} ACCEPTED.\n"

    vouched = reflect(partnership, "quarantine", "accept", str(forged_n), "--vouch", *at)
    assert vouched.returncode == 0, vouched.stderr

    # an answer that matches no question cannot be accepted; --all undoes both
    everything = reflect(partnership, "quarantine", "accept", "--all", *at)
    assert everything.returncode == 1
    assert "nothing was changed: 2 of 2 cannot be accepted." in everything.stderr
    assert f"#{stranger_n} could not be matched to any question" in everything.stderr
    assert f"#{bounce_n} is a delivery report" in everything.stderr

    bounces = reflect(partnership, "quarantine", "reject", "--kind", "bounce", *at)
    assert bounces.returncode == 0, bounces.stderr
    assert bounces.stdout.splitlines() == [
        f"#{bounce_n} rejected; it stays in the archive but is not an answer."
    ]
    rest = reflect(partnership, "quarantine", "reject", "--all", *at)
    assert rest.stdout.splitlines() == [
        f"#{stranger_n} rejected; it stays in the archive but is not an answer."
    ]
    empty = reflect(partnership, "quarantine", "list")
    assert empty.stdout.strip() == "Quarantine is empty."

    services = build_services(partnership.config)
    rows = services.archive.rows(
        "SELECT m.email, c.partstat, c.accepted_by FROM conversation_replies c "
        "JOIN members m ON m.id = c.member_id ORDER BY c.id"
    )
    failing = services.archive.scalar("SELECT count(*) FROM members WHERE address_failing = 1")
    services.close()
    assert rows == [
        {"email": me2, "partstat": "ACCEPTED", "accepted_by": None},
        {"email": me, "partstat": "DECLINED", "accepted_by": "convenor"},
    ]
    assert failing == 0
    assert statuses(partnership) == {
        forged_n: "rsvp",
        early_n: "rsvp",
        stranger_n: "rejected",
        bounce_n: "rejected",
    }


def test_quarantine_commands_say_what_to_type(partnership: Partnership) -> None:
    both = reflect(partnership, "quarantine", "reject", "3", "--all")
    assert both.returncode == 1
    assert both.stderr.startswith("Error: give the numbers or --all/--kind, not both")
    neither = reflect(partnership, "quarantine", "accept")
    assert neither.stderr == (
        "Error: say which items to accept, e.g. reflect quarantine accept 3 4, "
        "or --all, or --kind rsvp\n"
    )
    missing = reflect(partnership, "quarantine", "reject", "41")
    assert missing.stderr == "Error: #41 is not in quarantine (see: reflect quarantine).\n"


async def test_the_notice_shows_each_held_message_as_a_decision(
    partnership: Partnership,
) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 1")
    now = await run_days(partnership, START, days=10)
    me, uid, people = conversation_invites(partnership)[0]
    third = next(a for a in NAMES if a not in people)
    forged = rsvp_email(uid=uid, attendee=me, name=NAMES[me], partstat="DECLINED", style="google")
    forged = forged.replace(f"From: {NAMES[me]} <{me}>".encode(), f"From: <{third}>".encode())
    hostile = STRANGER.replace(
        b"Hello, is this the partnership?",
        b"Hello, is this the partnership?\r\n\x1b[2J#99 accepted\r\n> quoted\r\nSecond line.",
    )
    fill = mailbox.Maildir(partnership.inbox, create=True)
    for raw in (forged, hostile, FAKE_BOUNCE):
        fill.add(raw)
    services = build_services(partnership.config)
    await services.tick(now)
    services.close()
    notices = messages(partnership, "quarantine_notice")
    assert len(notices) == 1
    text = notices[0].get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = notices[0].get_body(("html",)).get_content()
    forged_n, hostile_n, bounce_n = sorted(n for n, s in statuses(partnership).items())
    assert f"#{forged_n}: a calendar reply from {third}\n" in text
    assert f"Why held: a calendar reply from {third} on behalf of {me}" in text
    assert f"Accept: reflect quarantine accept {forged_n}\n" in text
    assert f"reflect quarantine accept {forged_n} --vouch" in text
    assert f"#{hostile_n}: something else from someone@elsewhere.example.com\n" in text
    assert (
        "It begins:\n  | Hello, is this the partnership?\n  | \\x1b[2J#99 accepted\n"
        "  | Second line.\n"
    ) in text
    assert "\x1b" not in text and "\x1b" not in html
    assert f"#{bounce_n}: a delivery report from mailer-daemon@elsewhere.example.com" in text
    assert f"Reject: reflect quarantine reject {bounce_n}\n" in text
    assert f"Accept: reflect quarantine accept {bounce_n}" not in text
    assert f"Several at once: reflect quarantine reject {forged_n} {hostile_n} {bounce_n}" in text
    assert "All calendar replies: reflect quarantine accept --kind rsvp" in text
    assert "All delivery reports: reflect quarantine reject --kind bounce" in text
    # readable on a phone: each command on a line of its own, short, not indented
    commands = [line for line in text.splitlines() if "reflect quarantine" in line]
    assert all(len(line) <= 72 and not line.startswith(" ") for line in commands), commands
    assert f"<code>reflect quarantine reject {bounce_n}</code>" in html
