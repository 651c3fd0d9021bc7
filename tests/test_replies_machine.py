"""Machine-made mail read for what it is: bounces, abuse reports, receipts, counters.

The sisimai corpus (500 real reports, ../shared/corpora, never copied here)
is scored for kind, failed recipient and permanence; the hand-made messages
below each pin one rule from issue 14.
"""

from __future__ import annotations

import email
import json
import re
from pathlib import Path

import pytest

from scheduler.replies import ReplyKind, parse_reply

SISIMAI = (
    Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "sisimai-set-of-emails"
)

# Measured on the 500 reports (docs/reply-parsing.md); floors only rise.
KIND_FLOOR = 498
RECIPIENT_FLOOR = 474  # of 484 bounces
PERMANENCE_FLOOR = 469  # of 484 bounces, against Sisimai's own 5.x/4.x reading
KNOWN_KIND_MISSES = {
    "maildir/lhost-fml-03.eml",  # a mailing list's "Loop Alert: Duplicated Message-ID" notice
    "maildir/lhost-verizon-02.eml",  # an SMS gateway's reply whose only body is an empty alternative
}


def sisimai_cases() -> list[dict[str, object]]:
    if not SISIMAI.is_dir():
        return []
    cases: list[dict[str, object]] = json.loads((SISIMAI / "manifest.json").read_text())["cases"]
    return cases


needs_sisimai = pytest.mark.skipif(
    not SISIMAI.is_dir(), reason=f"the sisimai corpus is not at {SISIMAI} (../shared is absent)"
)


@pytest.fixture(scope="module")
def read_all() -> list[tuple[dict[str, object], object]]:
    return [
        (case, parse_reply((SISIMAI / str(case["file"])).read_bytes())) for case in sisimai_cases()
    ]


@needs_sisimai
def test_sisimai_kinds(read_all: list[tuple[dict[str, object], object]]) -> None:
    wrong = {str(case["file"]) for case, got in read_all if str(got.kind) != case["kind"]}  # type: ignore[attr-defined]
    assert len(read_all) == 500
    assert wrong <= KNOWN_KIND_MISSES, wrong - KNOWN_KIND_MISSES
    assert len(read_all) - len(wrong) >= KIND_FLOOR
    assert not any(
        str(got.kind) == "answer" for case, got in read_all if case["file"] not in KNOWN_KIND_MISSES
    )  # type: ignore[attr-defined]


def everything_in(data: bytes) -> str:
    """The raw text and every part's decoded payload, lower-cased: where an address may be."""
    texts = [data.decode("latin-1")]
    for part in email.message_from_bytes(data).walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts).lower()


@needs_sisimai
def test_sisimai_failed_recipients(read_all: list[tuple[dict[str, object], object]]) -> None:
    found = 0
    for case, got in read_all:
        bounce = getattr(got, "bounce", None)
        if case["kind"] != "bounce" or bounce is None or not bounce.recipients:
            continue
        raw = everything_in((SISIMAI / str(case["file"])).read_bytes())
        for address in bounce.recipients:
            assert re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[a-z0-9-]+", address), (
                case["file"],
                address,
            )
            assert address in raw, (case["file"], address)  # never invented
            assert not re.match(r"(?:owner-|mailman|.*-request@|.*-bounces@)", address), (
                case["file"],
                address,
            )
        found += 1
    assert found >= RECIPIENT_FLOOR


@needs_sisimai
def test_sisimai_permanence(read_all: list[tuple[dict[str, object], object]]) -> None:
    agree = sum(
        1
        for case, got in read_all
        if case["kind"] == "bounce"
        and getattr(got, "bounce", None) is not None
        and got.bounce.permanent == case["permanent"]  # type: ignore[attr-defined]
    )
    assert agree >= PERMANENCE_FLOOR


def raw(headers: str, body: str, ctype: str = "text/plain; charset=utf-8") -> bytes:
    text = headers.strip("\n") + f"\nMIME-Version: 1.0\nContent-Type: {ctype}\n\n" + body
    return text.replace("\n", "\r\n").encode()


DAEMON = (
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: reflect+b1@reflect.example.org"
)


def test_x_failed_recipients_names_the_recipient() -> None:
    got = parse_reply(
        raw(
            f"{DAEMON}\nSubject: Mail delivery failed: returning message to sender\n"
            "X-Failed-Recipients: amara@clinic.example.org",
            "This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its recipients.\n",
        )
    )
    assert got.kind is ReplyKind.BOUNCE
    assert got.bounce is not None and got.bounce.recipients == ("amara@clinic.example.org",)


def test_original_recipient_alone_is_read_and_a_list_address_is_not() -> None:
    got = parse_reply(
        raw(
            f"{DAEMON}\nSubject: Undelivered Mail Returned to Sender",
            "--z\nContent-Type: text/plain\n\nSee below.\n\n--z\nContent-Type: message/delivery-status\n\n"
            "Reporting-MTA: dns; mx.example.net\n\nOriginal-Recipient: rfc822; owner-carers@lists.example.org\n"
            "Action: failed\nStatus: 5.1.1\n\nOriginal-Recipient: rfc822;ola@youth.example.org\n"
            "Action: failed\nStatus: 5.1.1\n\n--z--\n",
            'multipart/report; report-type=delivery-status; boundary="z"',
        )
    )
    assert got.bounce is not None and got.bounce.recipients == ("ola@youth.example.org",)


def test_mailman_version_is_not_a_status_and_mailto_is_not_a_recipient() -> None:
    got = parse_reply(
        raw(
            f"{DAEMON}\nSubject: failure notice",
            "Hi. This is the qmail-send program at mx.example.net.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "Questions? mailto:help@mx.example.net\n\n<kofi@hub.example.org>:\nmailbox unavailable\n\n"
            "--- Below this line is a copy of the message.\n\nX-Mailman-Version: 2.1.39\nList-Post: <mailto:carers@lists.example.org>\n",
        )
    )
    assert got.bounce is not None
    assert got.bounce.recipients == ("kofi@hub.example.org",)
    assert got.bounce.status is None


def test_opensmtpd_error_notice_is_a_bounce() -> None:
    got = parse_reply(
        raw(
            "From: Mailer Daemon <MAILER-DAEMON@relay.example.net>\nSubject: Delivery status notification: error",
            "    This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\n\n"
            "    An error has occurred while attempting to deliver a message for\n    the following list of recipients:\n\n"
            "sam@school.example.org: 550 5.1.1 no such mailbox\n\n    Below is a copy of the original message:\n",
        )
    )
    assert got.kind is ReplyKind.BOUNCE and got.bounce is not None and got.bounce.permanent


def test_delivery_status_inside_multipart_mixed_is_a_bounce() -> None:
    got = parse_reply(
        raw(
            "From: <>\nSubject: Delivery Status",
            "--m\nContent-Type: text/plain\n\n--- The following addresses had delivery problems ---\n\n"
            "<eve@pcn.example.nhs.uk>   (No such user)\n\n--m\nContent-Type: message/delivery-status\n\n"
            "Reporting-MTA: dns; gw.example.net\n\nFinal-Recipient: rfc822; eve@pcn.example.nhs.uk\n"
            "Action: failed\nStatus: 5.1.1\n\n--m--\n",
            'multipart/mixed; boundary="m"',
        )
    )
    assert got.kind is ReplyKind.BOUNCE and got.bounce is not None
    assert got.bounce.recipients == ("eve@pcn.example.nhs.uk",) and got.bounce.permanent


def test_exim_delay_warning_with_auto_submitted_is_a_temporary_bounce() -> None:
    got = parse_reply(
        raw(
            f"{DAEMON}\nSubject: Warning: message 1qX2-0003 delayed 24 hours\nAuto-Submitted: auto-replied\n"
            "X-Failed-Recipients: dee@trust.example.nhs.uk",
            "This message was created automatically by mail delivery software.\n"
            "A message that you sent has not yet been delivered to one or more of its recipients after more than 24 hours on the queue.\n",
        )
    )
    assert got.kind is ReplyKind.BOUNCE and got.bounce is not None and not got.bounce.permanent


def test_yahoo_failure_delivery_and_mailbox_full() -> None:
    got = parse_reply(
        raw(
            "From: MAILER-DAEMON@yahoo.example.com\nSubject: Failure Delivery",
            "Sorry, we were unable to deliver your message to the following address.\n\n<lou@example.net>:\n"
            "552: Mailbox full\n",
        )
    )
    assert got.kind is ReplyKind.BOUNCE and got.bounce is not None
    assert got.bounce.recipients == ("lou@example.net",)


def test_read_receipt_is_not_an_answer() -> None:
    got = parse_reply(
        raw(
            "From: Kofi Mensah <kofi@hub.example.org>\nSubject: Read: Question 1",
            "--r\nContent-Type: text/plain\n\nYour message was read on 3 March 2027.\n\n"
            "--r\nContent-Type: message/disposition-notification\n\nReporting-UA: Outlook\n"
            "Final-Recipient: rfc822;kofi@hub.example.org\nDisposition: manual-action/MDN-sent-manually; displayed\n\n--r--\n",
            'multipart/report; report-type=disposition-notification; boundary="r"',
        )
    )
    assert got.kind is ReplyKind.AUTO_REPLY
    assert "read receipt" in got.reason


def test_abuse_report_is_a_feedback_report() -> None:
    got = parse_reply(
        raw(
            "From: fbl@isp.example.net\nSubject: Abuse report",
            "--a\nContent-Type: text/plain\n\nThis is an abuse report.\n\n--a\nContent-Type: message/feedback-report\n\n"
            "Feedback-Type: abuse\nUser-Agent: FBL/1.0\nVersion: 1\n\n--a--\n",
            'multipart/report; report-type=feedback-report; boundary="a"',
        )
    )
    assert got.kind is ReplyKind.FEEDBACK_REPORT


@pytest.mark.parametrize(
    "body",
    [
        '{"notificationType":"Delivery","delivery":{"recipients":["a@example.org"]}}',
        "--d\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        "Final-Recipient: rfc822; a@example.org\nAction: delivered\nStatus: 2.0.0\n\n--d--\n",
    ],
)
def test_delivered_notices_are_not_bounces(body: str) -> None:
    ctype = (
        'multipart/report; report-type=delivery-status; boundary="d"'
        if "--d" in body
        else "text/plain"
    )
    got = parse_reply(
        raw("From: no-reply@notify.example.com\nSubject: Delivery notification", body, ctype)
    )
    assert got.kind is ReplyKind.AUTO_REPLY
    assert "delivered" in got.reason or "delivery notice" in got.reason


def test_challenge_response_is_not_an_answer() -> None:
    got = parse_reply(
        raw(
            "From: Kofi Mensah <kofi@hub.example.org>\nSubject: Please verify your message",
            "I use a spam filter. To get your message delivered, please reply to this email with the word YES.\n",
        )
    )
    assert got.kind is ReplyKind.AUTO_REPLY


def test_lotus_notes_auto_is_an_auto_reply() -> None:
    got = parse_reply(
        raw(
            "From: Dee Ward <dee@trust.example.nhs.uk>\nSubject: AUTO: Dee Ward is out of the office (returning 10/03/2027)",
            "I will be out of the office until 10/03/2027.\n",
        )
    )
    assert got.kind is ReplyKind.AUTO_REPLY


def test_a_counter_proposal_is_kept_for_the_convenor() -> None:
    got = parse_reply(
        raw(
            "From: Dee Ward <dee@trust.example.nhs.uk>\nSubject: New time proposed: Reflection point",
            "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//y//EN\nMETHOD:COUNTER\nBEGIN:VEVENT\nUID:reflection.x@reflect.example.org\n"
            "DTSTAMP:20270303T090000Z\nDTSTART:20270310T140000Z\nATTENDEE;PARTSTAT=TENTATIVE:mailto:dee@trust.example.nhs.uk\n"
            "END:VEVENT\nEND:VCALENDAR\n",
            "text/calendar; method=COUNTER; charset=utf-8",
        )
    )
    assert got.kind is ReplyKind.COUNTER
    assert got.rsvps and got.rsvps[0].attendee == "dee@trust.example.nhs.uk"


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: RE: On leave next week, so here is my answer early",
        "Subject: Re: Question 2\nPrecedence: bulk",
        "Subject: Re: Question 2\nAuto-Submitted: auto-forwarded",
        "Subject: Re: Undeliverable leaflets and what we learnt",
    ],
)
def test_a_person_is_not_mistaken_for_a_machine(headers: str) -> None:
    got = parse_reply(
        raw(
            f"From: Dee Ward <dee@trust.example.nhs.uk>\n{headers}",
            "Half our leaflets were undeliverable, which taught us to knock on doors instead.\n\nDee\n",
        )
    )
    assert got.kind is ReplyKind.ANSWER
    assert (
        got.text
        == "Half our leaflets were undeliverable, which taught us to knock on doors instead."
    )
