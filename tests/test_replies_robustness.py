"""parse_reply never raises and stays within its limits, whatever arrives."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.replies import LIMITS, ParsedReply, ReplyKind, message_from_raw, parse_reply

VALID = (
    b"From: Aisha <aisha@example.org>\r\nTo: reflect+t@reflect.example.org\r\n"
    b"Subject: =?utf-8?q?Re:_Who_is_at_the_table=3F?=\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Young carers =E2=80=94 missing.\r\n\r\n"
    b"On Tue, 5 Jan 2027 at 09:00, R <r@x.org> wrote:\r\n> q\r\n"
    b"--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"PGRpdj5Zb3VuZyBjYXJlcnM8L2Rpdj4=\r\n--b1--\r\n"
)


def check(raw: bytes) -> ParsedReply:
    reply = parse_reply(raw)
    assert isinstance(reply, ParsedReply)
    assert isinstance(reply.kind, ReplyKind)
    assert isinstance(reply.text, str)
    assert reply.reason
    return reply


def test_valid_message_reads() -> None:
    assert check(VALID).text == "Young carers — missing."


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    check(raw)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(VALID)),
            st.integers(0, 40),
            st.binary(max_size=20)
            | st.sampled_from([b"\x00", b"\r\n\r\n", b"--b1", b"=\r\n", b"=?"]),
        ),
        max_size=6,
    )
)
def test_mutated_message_never_raises(edits: list[tuple[int, int, bytes]]) -> None:
    raw = VALID
    for at, drop, insert in edits:
        raw = raw[:at] + insert + raw[at + drop :]
    check(raw)


def timed(raw: bytes) -> tuple[ParsedReply, float]:
    start = time.perf_counter()
    reply = check(raw)
    return reply, time.perf_counter() - start


def test_huge_header_is_cut_before_parsing() -> None:
    subject = b"Subject: " + b"=?utf-8?q?a?= (" * 60_000 + b"\r\n"
    reply, seconds = timed(b"From: a@b.org\r\n" + subject + b"\r\nHello there.\r\n")
    assert seconds < 5
    assert any("longer than" in d for d in reply.defects)


def test_endless_header_block() -> None:
    raw = b"".join(b"X-H%d: v\r\n" % i for i in range(40_000))
    reply, seconds = timed(raw)
    assert seconds < 5
    assert reply.kind is ReplyKind.EMPTY


def test_deep_nesting_and_many_parts_are_bounded() -> None:
    deep = b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    for i in range(300):
        deep = (
            b'Content-Type: multipart/mixed; boundary="d%d"\r\n\r\n--d%d\r\n' % (i, i)
            + deep
            + b"\r\n--d%d--\r\n" % i
        )
    reply, seconds = timed(b"From: a@b.org\r\n" + deep)
    assert seconds < 5
    assert any("nesting" in d for d in reply.defects)

    parts = b"".join(b"--m\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(2000))
    raw = (
        b'From: a@b.org\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n'
        + parts
        + b"--m--\r\n"
    )
    reply, seconds = timed(raw)
    assert seconds < 5
    assert any(f"more than {LIMITS['max_parts']}" in d for d in reply.defects)


def test_nul_bytes_and_broken_encodings() -> None:
    raw = (
        b"From: a@b.org\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nV2UgYWdyZWU\x00u!!!\r\n"
    )
    reply = check(raw)
    assert reply.kind is ReplyKind.ANSWER
    assert reply.text.startswith("We agree")
    assert any("NUL" in d for d in reply.defects)


def test_oversized_message_is_read_from_its_start() -> None:
    body = b"The first part is what counts.\r\n" + b"x" * (LIMITS["max_message_bytes"] + 10)
    reply = check(b"From: a@b.org\r\nContent-Type: text/plain\r\n\r\n" + body)
    assert reply.text.startswith("The first part is what counts.")
    assert any("only the first" in d for d in reply.defects)


def test_message_from_raw_returns_an_email_message() -> None:
    msg = message_from_raw(VALID)
    assert msg["Subject"] == "Re: Who is at the table?"
    assert msg.get_content_type() == "multipart/alternative"
