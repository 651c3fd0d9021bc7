"""A stranger cannot write into the archive: forged answers, bounces and RSVPs.

Every forged part here is made the way an outsider would make it, from public
facts only: members' addresses, the partnership's name and mail domain, the
framework's question ids, and the project's published recipe for its message
keys (``sha256`` of those facts), written out with ``hashlib`` rather than by
calling the project's own functions. Each attack goes through the real
commands (``reflect ingest`` as a mail server's pipe, ``reflect tick`` reading
the Maildir inbox) into a real archive; the controls (a genuine answer, a
genuine bounce to the return address the SMTP server was given, a genuine RSVP
from the attendee) must still be recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import TYPE_CHECKING

from support.mailmaker import SentPrompt, fill_maildir, reply, rsvp_email, sent_prompts
from support.pacing import welcome
from support.partnership import CONFIG, Partnership
from support.smtp_sink import SinkHandler, start_sink

from scheduler.app.services import build_services
from scheduler.archive.database import Archive

if TYPE_CHECKING:
    from support.dovecot_server import DovecotServer

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
PARTNERSHIP = "Willenhall Together"
DOMAIN = "reflect.example.org"
TOM = "tom.okafor@council.example.gov.uk"
AOIFE = "aoife.obrien@pcc.example.nhs.uk"
DEV = "dev.mistry@trust.example.nhs.uk"
PRIYA = "priya.shah@grapevine.example.org"


# ---------------------------------------------------------------- what an outsider can compute


def public_key(kind: str, *parts: str) -> str:
    """The message key as the project's source publishes its recipe: no secret in it."""
    return hashlib.sha256("\x1f".join([PARTNERSHIP, kind, *parts]).encode()).hexdigest()[:32]


def b32(data: bytes) -> str:
    import base64

    return base64.b32encode(data).decode().rstrip("=").lower()


def token_signed_with(key: str, secret: bytes) -> str:
    """A reply token of the right shape for that key, signed with a key of the attacker's."""
    raw_id = hashlib.sha256(key.encode()).digest()[:10]
    mac = hmac.new(secret, b"reflect-reply-v1:" + raw_id, hashlib.sha256).digest()[:10]
    return b32(raw_id) + b32(mac)


def forged(
    *,
    sender: str,
    to: str = f"reflect@{DOMAIN}",
    body: str,
    in_reply_to: str | None = None,
    extra: str = "",
    message_id: str = "<forged-1@evil.example>",
    subject: str = "Re: Getting to know you",
) -> bytes:
    thread = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n{thread}"
        f"Message-ID: {message_id}\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n{extra}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def forged_report(members: list[str], message_id: str = "<dsn-1@evil.example>") -> bytes:
    """A multipart/report naming members as failed, sent to our plain From address."""
    status = "".join(
        f"\r\nFinal-Recipient: rfc822; {m}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{m}>: user unknown\r\n"
        for m in members
    )
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@mx.evil.example>\r\nTo: reflect@{DOMAIN}\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        f"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.evil.example\r\n"
        f"{status}\r\n--r--\r\n"
    ).encode()


# ---------------------------------------------------------------- running the real commands


def reflect(p: Partnership, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(p.config), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def pipe(p: Partnership, raw: bytes) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(p.config), "ingest"],
        input=raw, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def first_tick(p: Partnership) -> list[SentPrompt]:
    services = build_services(p.config)
    asyncio.run(services.tick(NOW))
    prompts = sent_prompts(services.archive)
    services.close()
    return prompts


def welcomed(p: Partnership) -> None:
    """Tick through the first days: each member holds both series' invitations."""
    services = build_services(p.config)
    asyncio.run(welcome(services, NOW))
    services.close()


def archive_rows(
    p: Partnership, sql: str, params: tuple[object, ...] = ()
) -> list[dict[str, object]]:
    archive = Archive(p.database)
    try:
        return archive.rows(sql, params)
    finally:
        archive.close()


def statuses(p: Partnership) -> list[tuple[str, str]]:
    return [
        (str(r["status"]), str(r["reason"]))
        for r in archive_rows(p, "SELECT status, reason FROM inbound ORDER BY id")
    ]


def answers(p: Partnership) -> list[str]:
    return [str(r["text"]) for r in archive_rows(p, "SELECT text FROM answers ORDER BY id")]


# ---------------------------------------------------------------- forged answers


def test_a_reply_naming_a_message_id_computed_from_public_facts_is_not_an_answer(
    partnership: Partnership,
) -> None:
    first_tick(partnership)
    key = public_key("prompt", TOM, "getting-to-know-you")
    # the attacker's key is the archive's own: the recipe is public ...
    assert archive_rows(partnership, "SELECT 1 FROM outbox WHERE key = ?", (key,))
    # ... but the Message-ID made from it is not what we sent
    pipe(partnership, forged(sender=TOM, body="I think the council should run everything.",
                             in_reply_to=f"<{key}@{DOMAIN}>"))  # fmt: skip
    ((status, reason),) = statuses(partnership)
    assert status == "quarantined"
    assert "no valid reply token" in reason
    assert answers(partnership) == []
    assert archive_rows(partnership, "SELECT 1 FROM prompts WHERE answered = 1") == []


def test_a_failed_token_never_falls_back_to_the_thread(partnership: Partnership) -> None:
    prompts = first_tick(partnership)
    tom = next(x for x in prompts if x.member == TOM)
    token = tom.reply_to.split("+", 1)[1].split("@", 1)[0]
    key = public_key("prompt", TOM, "getting-to-know-you")
    attempts = {
        "tampered": token[:-1] + ("a" if token[-1] != "a" else "b"),
        "truncated": token[:31],
        "other key": token_signed_with(key, b"the attacker's own key, 32 bytes"),
    }
    for n, bad in enumerate(attempts.values()):
        # even with the real Message-ID in the thread (say, from a forwarded copy)
        pipe(partnership, forged(sender=TOM, to=f"reflect+{bad}@{DOMAIN}", body="Forged words.",
                                 in_reply_to=tom.message_id, message_id=f"<f{n}@evil.example>"))  # fmt: skip
    found = statuses(partnership)
    assert [s for s, _ in found] == ["quarantined"] * 3
    assert all(r.startswith("reply token in reflect+") for _, r in found), found
    assert answers(partnership) == []


def test_a_genuine_answer_by_token_or_by_thread_alone_is_recorded(partnership: Partnership) -> None:
    prompts = first_tick(partnership)
    tom = next(x for x in prompts if x.member == TOM)
    aoife = next(x for x in prompts if x.member == AOIFE)
    pipe(partnership, reply(tom, "I bring ten years of public health work."))
    # a reply to the From address, not the Reply-To: only the keyed Message-ID proves it
    by_thread = reply(aoife, "I bring the practice's view.", message_id="<a1@pcc.example>")
    pipe(partnership, by_thread.replace(aoife.reply_to.encode(), f"reflect@{DOMAIN}".encode()))
    assert [s for s, _ in statuses(partnership)] == ["answer", "answer"]
    assert answers(partnership) == [
        "I bring ten years of public health work.",
        "I bring the practice's view.",
    ]


def test_an_answer_to_a_withdrawn_meeting_is_held_as_such(partnership: Partnership) -> None:
    first_tick(partnership)
    services = build_services(partnership.config)
    asyncio.run(services.tick(datetime(2027, 1, 5, 12, tzinfo=UTC)))  # the first question round
    question = next(
        x for x in sent_prompts(services.archive)
        if x.member == DEV and "Getting to know you" not in x.subject
    )  # fmt: skip
    services.close()
    # the convenor removes the reflection series before Dev answers
    config = CONFIG.split("[[meeting]]")
    partnership.write_config(config[0] + "[[meeting]]" + config[2])
    services = build_services(partnership.config)
    asyncio.run(services.tick(datetime(2027, 1, 6, 9, tzinfo=UTC)))
    services.close()
    pipe(partnership, reply(question, "Our purpose is shared.", message_id="<d1@trust.example>"))
    ((status, reason),) = statuses(partnership)
    assert status == "quarantined"
    assert reason.startswith(
        "a reply to a question that was withdrawn: the meeting series 'reflection'"
    )


def test_a_trusted_servers_dmarc_failure_holds_even_a_tokened_reply(
    partnership: Partnership,
) -> None:
    partnership.write_config(CONFIG.replace('maildir = "var/inbox"',
                                            'maildir = "var/inbox"\ntrusted_authserv_id = "mx.reflect.example.org"'))  # fmt: skip
    prompts = first_tick(partnership)
    tom = next(x for x in prompts if x.member == TOM)
    aoife = next(x for x in prompts if x.member == AOIFE)
    failed = ("Authentication-Results: mx.reflect.example.org; spf=fail smtp.mailfrom=council.example.gov.uk;"
              " dmarc=fail (p=reject) header.from=council.example.gov.uk\r\n")  # fmt: skip
    # a sender may write its own header, naming the trusted server: it sits below the real one
    fake_pass = "Authentication-Results: mx.reflect.example.org; dmarc=pass header.from=pcc.example.nhs.uk\r\n"
    other = "Authentication-Results: mx.evil.example; dmarc=fail header.from=pcc.example.nhs.uk\r\n"
    pipe(partnership, reply(tom, "Spoofed but with a leaked token.", headers=failed))
    pipe(
        partnership,
        reply(aoife, "Genuine.", message_id="<g@pcc.example>", headers=other + fake_pass),
    )
    (held, recorded) = statuses(partnership)
    assert held == ("quarantined", "mx.reflect.example.org reports that DMARC failed for "
                    "council.example.gov.uk: the From address may be forged")  # fmt: skip
    assert recorded[0] == "answer"  # another server's verdict is not ours to believe


# ---------------------------------------------------------------- forged bounces


def test_a_forged_bounce_marks_nobody_failing_and_the_next_round_reaches_everyone(
    partnership: Partnership,
) -> None:
    first_tick(partnership)
    key = public_key("prompt", TOM, "getting-to-know-you")
    pipe(partnership, forged_report([TOM, AOIFE, DEV]))
    text = forged(
        sender="postmaster@council.example.gov.uk",
        subject="Undeliverable: Getting to know you",
        body=f"Delivery has failed to these recipients: {TOM}\r\n550 5.1.1 RESOLVER.ADR.RecipNotFound",
        in_reply_to=f"<{key}@{DOMAIN}>", message_id="<ndr@evil.example>",
    )  # fmt: skip
    pipe(partnership, text)
    assert [s for s, _ in statuses(partnership)] == ["quarantined", "quarantined"]
    assert all("not believed" in r for _, r in statuses(partnership))
    assert archive_rows(partnership, "SELECT email FROM members WHERE address_failing = 1") == []
    services = build_services(partnership.config)
    asyncio.run(services.tick(datetime(2027, 1, 5, 12, tzinfo=UTC)))  # the first question round
    asked = {r["recipient"] for r in services.archive.rows(
        "SELECT recipient FROM outbox WHERE kind = 'prompt' AND question_id != 'getting-to-know-you'")}  # fmt: skip
    services.close()
    assert asked == {TOM, AOIFE, DEV, PRIYA}


async def test_a_genuine_bounce_to_the_messages_own_return_address_is_believed(
    partnership: Partnership,
) -> None:
    sink = await start_sink(SinkHandler(rcpt_codes={}))
    try:
        partnership.write_config(
            CONFIG.replace('transport = "maildir"', 'transport = "smtp"').replace(
                'outbox_maildir = "var/outbox"',
                f'outbox_maildir = "var/outbox"\n\n[mail.smtp]\nhost = "127.0.0.1"\nport = {sink.port}\nsecurity = "none"',
            )
        )
        services = build_services(partnership.config)
        await services.tick(NOW)
        services.close()
    finally:
        sink.close()
    sent = {r.recipients[0]: r for r in sink.handler.received}
    return_path = sent[DEV].sender
    # each message went with its own return address, not the shared From address
    assert return_path.startswith("reflect+bounce-") and return_path.endswith(f"@{DOMAIN}")
    assert len({r.sender for r in sink.handler.received}) == len(sink.handler.received)
    dev_message_id = str(sent[DEV].message["Message-ID"])
    # Dev's server returns it, as servers do, to the envelope sender
    report = forged_report([DEV]).replace(
        f"To: reflect@{DOMAIN}".encode(), f"To: {return_path}".encode()
    )
    report = report.replace(
        b"--r--",
        f"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {dev_message_id}\r\n\r\n--r--".encode(),
    )
    pipe(partnership, report)
    ((status, reason),) = statuses(partnership)
    assert (status, reason) == ("bounce", f"{DEV}: failing")
    failing = archive_rows(
        partnership, "SELECT email, failing_reason FROM members WHERE address_failing = 1"
    )
    assert failing == [{"email": DEV, "failing_reason": f"5.1.1 550 5.1.1 <{DEV}>: user unknown"}]


# ---------------------------------------------------------------- forged RSVPs


def test_a_calendar_reply_is_believed_only_from_the_attendee(partnership: Partnership) -> None:
    welcomed(partnership)
    invite = next(
        message_from_bytes(r["raw"], policy=policy.default)
        for r in archive_rows(partnership, "SELECT raw FROM outbox WHERE kind = 'invite' AND recipient = ?", (TOM,))
    )  # fmt: skip
    # the UID is in every member's copy, so any member (or whoever they forward to) has it
    ics = next(p for p in invite.walk() if p.get_content_type() == "text/calendar").get_content()
    uid = next(
        line.split(":", 1)[1].strip() for line in ics.splitlines() if line.startswith("UID:")
    )
    forged_rsvp = rsvp_email(
        uid=uid, attendee=AOIFE, name="Aoife", partstat="DECLINED", style="outlook"
    )
    forged_rsvp = forged_rsvp.replace(
        f"From: Aoife <{AOIFE}>".encode(), b"From: Mallory <mallory@evil.example>"
    )
    pipe(partnership, forged_rsvp)
    pipe(
        partnership,
        rsvp_email(uid=uid, attendee=TOM, name="Tom", partstat="ACCEPTED", style="outlook"),
    )
    found = statuses(partnership)
    assert found[0][0] == "quarantined"
    assert found[1] == ("rsvp", "1 calendar reply recorded")
    recorded = archive_rows(
        partnership, "SELECT m.email, r.partstat FROM rsvps r JOIN members m ON m.id = r.member_id"
    )
    assert recorded == [{"email": TOM, "partstat": "ACCEPTED"}]


# ---------------------------------------------------------------- what the convenor's terminal shows


def test_a_strangers_control_characters_never_reach_the_convenors_terminal(
    partnership: Partnership,
) -> None:
    first_tick(partnership)
    subject = "=?utf-8?b?" + __import__("base64").b64encode(
        "\x1b[2J\x1b[H\r\n  #99  2026-11-22 accepted\u202e".encode()).decode() + "?="  # fmt: skip
    fill_maildir(
        partnership.inbox, [forged(sender="mallory@evil.example", body="hi", subject=subject)]
    )
    assert (
        reflect(partnership, "tick", "--now", (NOW + timedelta(hours=1)).isoformat()).returncode
        == 0
    )
    for command in (("quarantine", "list"), ("status", "--now", "2026-11-22T10:00")):
        shown = reflect(partnership, *command)
        assert shown.returncode == 0, shown.stderr
        assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
        assert "\\x1b[2J" in shown.stdout  # shown, visibly, for what it is
        assert not any(line.lstrip().startswith("#99") for line in shown.stdout.splitlines())


def test_a_message_over_the_size_limit_is_refused_at_the_pipe_with_a_reason(
    partnership: Partnership,
) -> None:
    first_tick(partnership)
    partnership.write_config(
        CONFIG.replace('maildir = "var/inbox"', 'maildir = "var/inbox"\nmax_message_bytes = 100000')
    )
    big = forged(sender=TOM, body="x" * 200_000)
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(partnership.config), "ingest"],
        input=big, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 65
    assert b"larger than this service accepts (100,000 bytes)" in done.stderr
    assert statuses(partnership) == []


def test_limits_on_structure_are_named_as_the_reason(partnership: Partnership) -> None:
    first_tick(partnership)
    nested = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(5000)
    )
    divs = "<div>" * 100_000 + "hi" + "</div>" * 100_000
    html = forged(sender="mallory@evil.example", body=divs).replace(b"text/plain", b"text/html")
    deep = forged(sender=TOM, body="x", message_id="<deep@evil.example>").replace(
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n", nested.encode()
    )
    for raw in (html, deep):
        pipe(partnership, raw)
    reasons = [r for _, r in statuses(partnership)]
    assert reasons[0] == "HTML nested too deep (more than 600 levels)"
    assert reasons[1] == "too many MIME parts (more than 200)"


# ---------------------------------------------------------------- the IMAP way in


def test_forgeries_fetched_over_imap_are_held_and_the_genuine_answer_recorded(
    partnership: Partnership, dovecot: DovecotServer
) -> None:
    """The same proof rules on the third way in: a real Dovecot, read by `reflect tick`."""
    user = f"forgery-{uuid.uuid4().hex[:8]}"
    prompts = first_tick(partnership)
    tom = next(x for x in prompts if x.member == TOM)
    key = public_key("prompt", AOIFE, "getting-to-know-you")
    forged_answer = forged(sender=AOIFE, body="Spoofed.", in_reply_to=f"<{key}@{DOMAIN}>")
    for raw in (
        forged_answer,
        forged_report([DEV], "<dsn-imap@evil.example>"),
        reply(tom, "Mine."),
    ):
        dovecot.append(user, raw)
    partnership.write_config(
        CONFIG.replace('source = "maildir"\nmaildir = "var/inbox"', 'source = "imap"').replace(
            "[storage]",
            f'[inbox.imap]\nhost = "{dovecot.host}"\nport = {dovecot.port}\n'
            f'security = "none"\nusername = "{user}"\npassword_env = "TEST_IMAP_PASSWORD"\n\n[storage]',
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(partnership.config), "tick",
         "--now", (NOW + timedelta(hours=1)).isoformat()],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "TEST_IMAP_PASSWORD": dovecot.password},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [s for s, _ in statuses(partnership)] == ["quarantined", "quarantined", "answer"]
    assert answers(partnership) == ["Mine."]
    assert archive_rows(partnership, "SELECT email FROM members WHERE address_failing = 1") == []
    assert dovecot.list_folder(user, "INBOX") == []  # all three taken into custody
