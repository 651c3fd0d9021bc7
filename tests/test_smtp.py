"""Sending through a real SMTP server (aiosmtpd on 127.0.0.1), faults included.

A four-member partnership's first day is 8 messages (an induction pack and the
getting-to-know-you question each); the series invitations follow one a day
(``plan/pacing.py``)."""

from __future__ import annotations

import mailbox
import re
from datetime import UTC, datetime, timedelta

from support.partnership import Partnership, use_smtp
from support.smtp_sink import SinkHandler, start_sink

from scheduler.app.services import build_services

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
FIRST_DAY = 8  # an induction pack and a first question to each of four members


async def test_the_server_receives_well_formed_messages(partnership: Partnership) -> None:
    sink = await start_sink()
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    report = await services.tick(NOW)
    first_day = len(sink.handler.received)
    next_day = await services.tick(NOW + timedelta(days=1))  # an invitation each
    services.close()
    sink.close()
    received = sink.handler.received
    assert report.sent == first_day == FIRST_DAY
    assert next_day.sent == len(received) - first_day == 4
    # each message's envelope sender is its own return address, so a bounce says which one failed
    assert all(
        re.fullmatch(r"reflect\+bounce-[a-z2-7]{32}@reflect\.example\.org", r.sender)
        for r in received
    )
    assert len({r.sender for r in received}) == len(received)
    prompt = next(r for r in received if b"X-Reflect-Kind: prompt" in r.data and b"aoife" in r.data)
    assert prompt.recipients == ["aoife.obrien@pcc.example.nhs.uk"]
    # headers: the name is RFC 2047 encoded, nothing 8-bit in the header block
    head = prompt.data.split(b"\r\n\r\n", 1)[0]
    assert all(byte < 128 for byte in head)
    assert b"=?utf-8?q?O=E2=80=99Brien?=" in head
    msg = prompt.message
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.get_payload()
    assert plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert "Dear Aoife," in plain.get_content()  # the first name, as she is called
    assert html.get_content_type() == "text/html" and "Dear Aoife," in html.get_content()
    invite = next(r for r in received if b"X-Reflect-Kind: invite" in r.data)
    calendar = [p for p in invite.message.walk() if p.get_content_type() == "text/calendar"]
    assert calendar and calendar[0].get_param("method") == "REQUEST"


async def test_a_refused_member_fails_and_the_batch_goes_on(partnership: Partnership) -> None:
    sink = await start_sink(
        SinkHandler(rcpt_codes={"tom.okafor@council.example.gov.uk": "550 5.1.1 No such user"})
    )
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    report = await services.tick(NOW)
    failed = services.archive.rows(
        "SELECT recipient, last_error FROM outbox WHERE status = 'failed'"
    )
    services.close()
    sink.close()
    assert report.failed == 2 and report.sent == FIRST_DAY - 2
    assert {row["recipient"] for row in failed} == {"tom.okafor@council.example.gov.uk"}
    assert failed[0]["last_error"] == "550 5.1.1 No such user"


async def test_a_busy_server_is_retried_later_with_the_same_message_id(
    partnership: Partnership,
) -> None:
    handler = SinkHandler(data_code="451 4.3.0 Try again later")
    sink = await start_sink(handler)
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    first = await services.tick(NOW)
    ids_before = {
        row["message_id"] for row in services.archive.rows("SELECT message_id FROM outbox")
    }
    handler.data_code = None
    # too soon: the back-off holds the messages
    early = await services.tick(NOW + timedelta(seconds=30))
    later = await services.tick(NOW + timedelta(hours=1))
    services.close()
    sink.close()
    assert first.deferred == FIRST_DAY and first.sent == 0
    assert early.sent == 0
    assert later.sent == FIRST_DAY
    sent_ids = {str(r.message["Message-ID"]) for r in handler.received}
    assert sent_ids == ids_before


async def test_a_dropped_connection_loses_nothing(partnership: Partnership) -> None:
    handler = SinkHandler(drop_on_data=1)
    sink = await start_sink(handler)
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    await services.tick(NOW)
    await services.tick(NOW + timedelta(hours=1))
    services.close()
    sink.close()
    ids = [str(r.message["Message-ID"]) for r in handler.received]
    assert len(ids) == len(set(ids)) == FIRST_DAY


async def test_round_trip_reply_lands_in_the_archive(partnership: Partnership) -> None:
    """Send over SMTP, have a member reply into the inbox Maildir, and read it back."""
    sink = await start_sink()
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    await services.tick(NOW)
    prompt = next(
        r.message
        for r in sink.handler.received
        if b"X-Reflect-Kind: prompt" in r.data and b"tom.okafor" in r.data
    )
    reply_to = prompt["Reply-To"].addresses[0].addr_spec
    reply = (
        "From: Tom Okafor <tom.okafor@council.example.gov.uk>\r\n"
        f"To: {reply_to}\r\n"
        f"Subject: Re: {prompt['Subject']}\r\n"
        f"In-Reply-To: {prompt['Message-ID']}\r\n"
        "Message-ID: <reply-1@council.example.gov.uk>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hi Priya,\r\n\r\nI came to this work after ten years in public health.\r\n"
        "I bring data and a budget.\r\n\r\nThanks,\r\nTom\r\n\r\n"
        "On Sun, 22 Nov 2026 at 09:00, Willenhall Together <reflect@reflect.example.org> wrote:\r\n"
        "> ## Please reply above this line ##\r\n> Dear Tom Okafor,\r\n"
    ).encode()
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    inbox.add(reply)
    report = await services.tick(NOW + timedelta(hours=1))
    answers = services.archive.rows(
        "SELECT a.kind, a.text, m.email FROM answers a JOIN members m ON m.id = a.member_id"
    )
    services.close()
    sink.close()
    assert report.ingested == {"answer": 1}
    assert answers == [
        {
            "kind": "introduction",
            "text": "I came to this work after ten years in public health.\nI bring data and a budget.",
            "email": "tom.okafor@council.example.gov.uk",
        }
    ]
    # the Maildir copy has moved to .Processed only after it was stored
    assert not list((partnership.inbox / "new").iterdir())
    assert len(list((partnership.inbox / ".Processed" / "cur").iterdir())) == 1
