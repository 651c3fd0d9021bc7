"""The MIME body of an invitation, read back as a mail client would."""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage, Message

import pytest
import vobject

from scheduler.calendar.imip import compose_imip
from scheduler.calendar.invites import Attendee, Person, Series, build_cancel, build_request

SERIES = Series(
    uid="reflection-point-3f9a@reflect.example.org",
    title="Reflection point",
    description="Bring one story.",
    location="Willenhall Library",
    tzid="Europe/London",
    first=datetime(2027, 1, 12, 10, 0),  # noqa: DTZ001 - a Series holds local wall-clock times
    duration=timedelta(hours=1),
    rrule="FREQ=WEEKLY;INTERVAL=6",
    sequence=0,
    organizer=Person(email="priya.shah@grapevine.example.org", name="Priya Shah"),
)
STAMP = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
TEXT = "Dear Siân,\n\nYou are invited to our reflection points, every six weeks.\n"
HTML = "<p>Dear Siân,</p><p>You are invited to our reflection points.</p>"


def ascii_request() -> bytes:
    return build_request(SERIES, [Attendee(email="dev@example.org", name="Dev Patel")], stamp=STAMP)


def utf8_request() -> bytes:
    attendee = Attendee(email="sian@example.org", name="Siân O’Brien-Ńowak")
    return build_request(SERIES, [attendee], stamp=STAMP)


def sent_and_received(message: EmailMessage) -> EmailMessage:
    """Serialise as for SMTP (CRLF) and parse back with the stdlib parser."""
    message["From"] = "Willenhall Together <reflect@reflect.example.org>"
    message["To"] = "Siân O’Brien <sian@example.org>"
    message["Subject"] = "Invitation: Reflection point"
    wire = message.as_bytes(policy=email.policy.SMTP)
    parsed = message_from_bytes(wire, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def lines(text: str) -> list[str]:
    """Text as a reader sees it, whatever the line ends on the wire."""
    return text.splitlines()


def layout(part: Message) -> object:
    if part.is_multipart():
        children = part.get_payload()
        assert isinstance(children, list)
        return (part.get_content_type(), [layout(child) for child in children])
    return part.get_content_type()


def parts(message: EmailMessage) -> dict[str, EmailMessage]:
    found = {}
    for part in message.walk():
        if not part.is_multipart():
            assert isinstance(part, EmailMessage)
            found[part.get_content_type()] = part
    return found


def test_layout_is_mixed_with_alternative_and_an_ics_attachment() -> None:
    message = compose_imip(text=TEXT, html=HTML, ics=utf8_request(), method="REQUEST")

    received = sent_and_received(message)

    assert layout(received) == (
        "multipart/mixed",
        [
            ("multipart/alternative", ["text/plain", "text/html", "text/calendar"]),
            "application/ics",
        ],
    )


def test_reader_finds_text_html_calendar_and_attachment() -> None:
    ics = utf8_request()
    received = sent_and_received(compose_imip(text=TEXT, html=HTML, ics=ics, method="REQUEST"))
    found = parts(received)

    assert lines(found["text/plain"].get_content()) == lines(TEXT)
    assert lines(found["text/html"].get_content()) == lines(HTML)
    calendar = found["text/calendar"]
    assert calendar.get_payload(decode=True) == ics
    assert calendar.get_content_disposition() is None  # inline: clients act on it
    attachment = found["application/ics"]
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_param("name") == "invite.ics"
    assert attachment["Content-Transfer-Encoding"] == "base64"
    assert attachment.get_payload(decode=True) == ics
    body = received.get_body(preferencelist=("plain",))
    assert body is not None
    assert lines(body.get_content()) == lines(TEXT)
    event = vobject.readOne(calendar.get_content()).vevent
    assert event.attendee.params["CN"] == ["Siân O’Brien-Ńowak"]


@pytest.mark.parametrize("method", ["REQUEST", "request"])
def test_method_parameter_equals_the_calendar_method(method: str) -> None:
    ics = ascii_request()
    received = sent_and_received(compose_imip(text=TEXT, html=HTML, ics=ics, method=method))

    calendar = parts(received)["text/calendar"]
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content_charset() == "utf-8"
    assert b"\r\nMETHOD:REQUEST\r\n" in ics


def test_cancel_is_labelled_cancel() -> None:
    leaver = Attendee(email="dev@example.org", name="Dev Patel")
    ics = build_cancel(SERIES, [leaver], stamp=STAMP)

    received = sent_and_received(compose_imip(text=TEXT, html=HTML, ics=ics, method="CANCEL"))

    assert parts(received)["text/calendar"].get_param("method") == "CANCEL"


def test_method_that_differs_from_the_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="METHOD:REQUEST but the message says method=CANCEL"):
        compose_imip(text=TEXT, html=HTML, ics=ascii_request(), method="CANCEL")


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="not an iTIP method"):
        compose_imip(text=TEXT, html=HTML, ics=ascii_request(), method="INVITE")


def test_ascii_calendar_goes_7bit_with_its_crlf_lines_intact() -> None:
    ics = ascii_request()
    assert ics.isascii()

    message = compose_imip(text="Hello", html="<p>Hello</p>", ics=ics, method="REQUEST")
    received = sent_and_received(message)

    calendar = parts(received)["text/calendar"]
    assert calendar["Content-Transfer-Encoding"] == "7bit"
    assert calendar.get_payload(decode=True) == ics
    assert b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" in message.as_bytes(policy=email.policy.SMTP)


def test_non_ascii_calendar_goes_base64_and_nothing_is_sent_as_8bit() -> None:
    message = compose_imip(text=TEXT, html=HTML, ics=utf8_request(), method="REQUEST")

    received = sent_and_received(message)

    assert parts(received)["text/calendar"]["Content-Transfer-Encoding"] == "base64"
    for part in received.walk():
        assert part.get("Content-Transfer-Encoding") in (None, "7bit", "quoted-printable", "base64")
    wire = message.as_bytes(policy=email.policy.SMTP)
    assert wire.isascii()  # safe through any SMTP server, 8BITMIME or not


def test_only_the_top_carries_mime_version() -> None:
    message = compose_imip(text=TEXT, html=HTML, ics=ascii_request(), method="REQUEST")

    wire = message.as_bytes(policy=email.policy.SMTP)

    assert wire.count(b"MIME-Version:") == 1


def test_attachment_filename_cannot_break_the_header() -> None:
    message = compose_imip(
        text=TEXT,
        html=HTML,
        ics=ascii_request(),
        method="REQUEST",
        filename='reflection"\r\nBcc: evil@example.org',
    )

    received = sent_and_received(message)

    assert received["Bcc"] is None
    attachment = parts(received)["application/ics"]
    assert attachment.get_filename() == "reflectionBcc evil@example.org.ics"
