"""Replies through the whole service: IMAP, matching, trust, quarantine and reminders."""

from __future__ import annotations

import mailbox
import ssl
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TYPE_CHECKING

import pytest
from support.outbox import reply_to, sent
from support.partnership import Partnership

from scheduler.app.services import Services, build_services
from scheduler.inbound.quarantine import accept, reject
from scheduler.reports.status import list_quarantine

if TYPE_CHECKING:
    from support.dovecot_server import DovecotServer

NOW = datetime(2027, 1, 5, 12, tzinfo=UTC)  # the prompts for 12 January are due at 10:00


async def started(p: Partnership) -> Services:
    services = build_services(p.config)
    await services.tick(NOW)
    return services


def answers(services: Services) -> list[tuple[str, str]]:
    return [
        (row["email"], row["text"])
        for row in services.archive.rows(
            "SELECT m.email, a.text FROM answers a JOIN members m ON m.id = a.member_id ORDER BY a.id"
        )
    ]


@pytest.mark.imap
async def test_replies_fetched_over_imap_are_archived_then_moved(
    partnership: Partnership, dovecot: DovecotServer
) -> None:
    user = "reflect-flow"
    text = partnership.config.read_text().replace(
        'source = "maildir"\nmaildir = "var/inbox"',
        f'source = "imap"\n\n[inbox.imap]\nhost = "127.0.0.1"\nport = {dovecot.tls_port}\n'
        f'security = "tls"\nusername = "{user}"\npassword_env = "TEST_IMAP_PASSWORD"\n'
        'done_folder = "Reflections/Processed"',
    )
    partnership.config.write_text(text)
    context = ssl.create_default_context(cafile=str(dovecot.cafile))
    from scheduler.inbound.imap import ImapInbox

    def inbox() -> ImapInbox:
        return ImapInbox(
            host="127.0.0.1", port=dovecot.tls_port, security="tls", username=user,
            password=dovecot.password, done_folder="Reflections/Processed", ssl_context=context,
        )  # fmt: skip

    services = Services(
        build_services(partnership.config).config,
        inbox_factory=inbox,
        environ={"TEST_IMAP_PASSWORD": dovecot.password},
    )
    await services.tick(NOW)
    prompt = sent(partnership, "prompt", "tom.okafor")
    dovecot.append(
        user,
        reply_to(
            prompt,
            sender="Tom Okafor <tom.okafor@council.example.gov.uk>",
            body="Who benefits? The families we never see.",
        ),
    )
    dovecot.append(user, b"From: spam@example.net\r\nSubject: offer\r\n\r\nbuy now\r\n")
    report = await services.tick(NOW + timedelta(hours=1))
    assert report.ingested == {"answer": 1, "quarantined": 1}
    assert answers(services) == [
        ("tom.okafor@council.example.gov.uk", "Who benefits? The families we never see.")
    ]
    assert dovecot.list_folder(user, "INBOX") == []
    assert len(dovecot.list_folder(user, "Reflections/Processed")) == 2
    services.close()


async def test_trust_rules_send_doubtful_replies_to_quarantine(partnership: Partnership) -> None:
    services = await started(partnership)
    prompt = sent(partnership, "prompt", "tom.okafor")
    token_address = prompt["Reply-To"].addresses[0].addr_spec
    local, domain = token_address.split("@")
    tampered = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    cases = {
        "other member": reply_to(
            prompt, sender="Dev Mistry <dev.mistry@trust.example.nhs.uk>", body="I answer for Tom."
        ),
        "tampered": reply_to(
            prompt,
            sender="Tom Okafor <tom.okafor@council.example.gov.uk>",
            body="Hello there friends.",
            to=tampered,
        ),
        "cve": reply_to(
            prompt,
            sender="tom.okafor@council.example.gov.uk <mallory@evil.example>",
            body="Forged words.",
        ),
        "two from": reply_to(
            prompt,
            sender="tom.okafor@council.example.gov.uk, mallory@evil.example",
            body="Forged again.",
        ),
        "genuine": reply_to(
            prompt,
            sender="Tom Okafor <TOM.OKAFOR@council.example.gov.uk>",
            body="Our purpose is health equity.",
        ),
    }
    for raw in cases.values():
        inbox.add(raw)
    report = await services.tick(NOW + timedelta(hours=1))
    held = services.archive.rows(
        "SELECT id, from_address, reason FROM inbound WHERE status = 'quarantined' ORDER BY id"
    )
    assert report.ingested == {"answer": 1, "quarantined": 4}
    assert answers(services) == [
        ("tom.okafor@council.example.gov.uk", "Our purpose is health equity.")
    ]
    reasons = " | ".join(row["reason"] for row in held)
    assert (
        "sent from dev.mistry@trust.example.nhs.uk, but the question went to "
        "tom.okafor@council.example.gov.uk (accept it only if it truly is theirs" in reasons
    )
    assert "refused: the token's signature does not match" in reasons
    assert reasons.count("From") >= 2
    listing = list_quarantine(services.archive)
    assert listing.startswith("4 message(s) held back:")
    # the convenor accepts Dev's reply (matched to Tom's prompt) and rejects the forgery
    dev = next(row for row in held if row["from_address"] == "dev.mistry@trust.example.nhs.uk")
    assert accept(services.archive, dev["id"], NOW) == f"#{dev['id']} accepted as an answer."
    assert reject(services.archive, held[-1]["id"], NOW).endswith("is not an answer.")
    assert len(answers(services)) == 2
    services.close()


async def test_a_gateway_that_strips_the_token_is_matched_by_thread(
    partnership: Partnership,
) -> None:
    services = await started(partnership)
    prompt = sent(partnership, "prompt", "aoife.obrien")
    raw = reply_to(
        prompt,
        sender="Aoife O’Brien <aoife.obrien@pcc.example.nhs.uk>",
        body="We need more voices from residents.",
        to="reflect@reflect.example.org",
        extra=f"In-Reply-To: {prompt['Message-ID']}\r\nReferences: {prompt['Message-ID']}\r\n",
    )
    mailbox.Maildir(partnership.inbox, create=True).add(raw)
    await services.tick(NOW + timedelta(hours=1))
    assert answers(services) == [
        ("aoife.obrien@pcc.example.nhs.uk", "We need more voices from residents.")
    ]
    services.close()


async def test_a_second_reply_is_kept_and_answered_prompts_get_no_reminder(
    partnership: Partnership,
) -> None:
    services = await started(partnership)
    prompt = sent(partnership, "prompt", "tom.okafor")
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    tom = "Tom Okafor <tom.okafor@council.example.gov.uk>"
    inbox.add(reply_to(prompt, sender=tom, body="First thought."))
    inbox.add(reply_to(prompt, sender=tom, body="And a second thought."))
    inbox.add(reply_to(prompt, sender=tom, body="And a second thought."))  # the same message twice
    await services.tick(NOW + timedelta(hours=1))
    later = NOW + timedelta(days=3, hours=1)
    report = await services.tick(later)
    reminded = services.archive.rows(
        "SELECT recipient FROM outbox WHERE kind = 'reminder' ORDER BY recipient"
    )
    that_tick = services.archive.rows(
        "SELECT kind, count(*) AS n FROM outbox WHERE sent_at >= ? GROUP BY kind ORDER BY kind",
        (later.isoformat(),),
    )
    kept = answers(services)
    services.close()
    assert [text for _, text in kept] == ["First thought.", "And a second thought."]
    # three reminders, and the meeting's calendar invitation to each of the four (their
    # welcome day held the induction, the getting-to-know-you question and this question)
    assert report.sent == 7
    assert {row["kind"]: row["n"] for row in that_tick} == {"invite": 4, "reminder": 3}
    assert [row["recipient"] for row in reminded] == [
        "aoife.obrien@pcc.example.nhs.uk",
        "dev.mistry@trust.example.nhs.uk",
        "priya.shah@grapevine.example.org",
    ]


async def test_the_convenor_gets_a_digest_of_what_was_said_before_the_meeting(
    partnership: Partnership,
) -> None:
    services = await started(partnership)
    prompt = sent(partnership, "prompt", "tom.okafor")
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    inbox.add(
        reply_to(
            prompt,
            sender="Tom Okafor <tom.okafor@council.example.gov.uk>",
            body="Families in the east of the estate.\n\nAnd carers.",
        )
    )
    await services.tick(NOW + timedelta(hours=1))
    await services.tick(datetime(2027, 1, 10, 11, tzinfo=UTC))  # digests are due 2 days before
    services.close()
    box = mailbox.Maildir(partnership.outbox, create=False)
    digests = [
        m
        for m in (
            message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()
        )
        if str(m["X-Reflect-Kind"]) == "digest"
    ]
    assert len(digests) == 1
    digest = digests[0]
    assert isinstance(digest, EmailMessage)
    assert str(digest["To"]) == "Priya Shah <priya.shah@grapevine.example.org>"
    assert str(digest["Subject"]).startswith(
        "What members said, ahead of the Reflection point on Tuesday 12 January 2027"
    )
    text = digest.get_body(("plain",)).get_content()
    assert "Families in the east of the estate." in text and "And carers." in text
    assert "Tom Okafor, City Council" in text
    html = digest.get_body(("html",)).get_content()
    assert "<svg" in html and "Families in the east of the estate." in html


async def test_an_introduction_is_shared_only_when_the_member_said_yes(
    partnership: Partnership,
) -> None:
    partnership.write_members(
        partnership.members.read_text()
        .replace("Public health lead,2026-09-01,", "Public health lead,2026-09-01,,yes")
        .replace("role,joined,left", "role,joined,left,share_introduction")
    )
    services = build_services(partnership.config)
    await services.tick(datetime(2026, 11, 22, 9, tzinfo=UTC))
    box = mailbox.Maildir(partnership.outbox, create=False)

    def to(kind: str, who: str) -> list[EmailMessage]:
        found = []
        for key in box.iterkeys():
            msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
            assert isinstance(msg, EmailMessage)
            if str(msg["X-Reflect-Kind"]) == kind and who in str(msg["To"]):
                found.append(msg)
        return found

    inbox = mailbox.Maildir(partnership.inbox, create=True)
    for who, name in (("tom.okafor", "Tom Okafor"), ("dev.mistry", "Dev Mistry")):
        (prompt,) = to("prompt", who)
        address = str(prompt["To"].addresses[0].addr_spec)
        inbox.add(
            reply_to(
                prompt,
                sender=f"{name} <{address}>",
                body=f"{name} here: I bring a map of every lunch club.",
            )
        )
    await services.tick(datetime(2026, 11, 22, 12, tzinfo=UTC))
    # the founders' introductions wait for the first week's, to go as one email
    assert to("introduction", "") == [] and to("partners", "") == []
    await services.tick(datetime(2026, 11, 29, 9, tzinfo=UTC))
    services.close()
    intros = to("partners", "")
    assert sorted(str(m["To"].addresses[0].addr_spec) for m in intros) == [
        "aoife.obrien@pcc.example.nhs.uk",
        "dev.mistry@trust.example.nhs.uk",
        "priya.shah@grapevine.example.org",
    ]
    assert to("introduction", "") == []
    text = intros[0].get_body(("plain",)).get_content()
    # everyone started together, so nobody is introduced as "new"
    assert str(intros[0]["Subject"]) == "Meet your partners in Willenhall Together"
    assert "1. TOM OKAFOR (City Council, Public health lead)" in text
    assert "Tom Okafor here: I bring a map of every lunch club." in text
    assert "Dev Mistry here" not in "".join(m.get_body(("plain",)).get_content() for m in intros)
