"""Property-based tests and a bounded fuzz target for ingestion, end to end.

Every example goes the real way in: ``store_raw`` into a real SQLite archive of a
partnership that has sent its first prompts, then ``Reader.process_pending``.
Properties: the bytes are kept exactly, the message ends in one terminal state
(at most ``MAX_ATTEMPTS`` readings), it has at most one answer, and an answer
exists only with proof (the token or thread, and a From that is exactly the
member's address and nothing else). Examples are derandomised: the same run
every time.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.mailmaker import SentPrompt, sent_prompts
from support.partnership import CONFIG, MEMBERS_CSV

from scheduler.app.services import Services, build_services
from scheduler.inbound.ingest import MAX_ATTEMPTS, TERMINAL, Reader, store_raw

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
TOM = "tom.okafor@council.example.gov.uk"
EVIL = "mallory@evil.example"
SETTINGS = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_serial = itertools.count()


@dataclass
class Setup:
    services: Services
    reader: Reader
    tom: SentPrompt


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    home = tmp_path_factory.mktemp("fuzz")
    (home / "config.toml").write_text(CONFIG, encoding="utf-8")
    (home / "members.csv").write_text(MEMBERS_CSV, encoding="utf-8")
    services = build_services(home / "config.toml")
    asyncio.run(services.tick(NOW))
    tom = next(p for p in sent_prompts(services.archive) if p.member == TOM)
    try:
        yield Setup(services, services.reader(), tom)
    finally:
        services.close()
        shutil.rmtree(home, ignore_errors=True)


def ingest(setup: Setup, raw: bytes) -> dict[str, object]:
    """Store and read one message the way every inbox does; return its row."""
    stored = store_raw(setup.services.archive, raw, source="fuzz", ref=None, now=NOW)
    for _ in range(MAX_ATTEMPTS):
        setup.reader.process_pending(NOW)
    row = setup.services.archive.one(
        "SELECT id, raw, status, reason, from_address FROM inbound WHERE id = ?", (stored.id,)
    )
    assert row is not None
    answers = setup.services.archive.rows(
        "SELECT member_id FROM answers WHERE inbound_id = ?", (stored.id,)
    )
    assert bytes(row["raw"]) == raw, "raw bytes not kept exactly"
    assert row["status"] in TERMINAL, f"left {row['status']}: {row['reason']}"
    assert len(answers) == (1 if row["status"] == "answer" else 0)
    return row


def unique(raw: bytes) -> bytes:
    """A per-example Message-ID, so examples neither dedup nor look like replays."""
    return b"Message-ID: <fuzz-%d@f.example>\r\n" % next(_serial) + raw


# ------------------------------------------------------------- the fuzz target

HEADER_NAMES = ["From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding",
                "MIME-Version", "In-Reply-To", "References", "Auto-Submitted", "X-Junk",
                "Content-Disposition", "Reply-To", "Cc", "Sender"]  # fmt: skip
CONTENT_TYPES = ["text/plain", "text/html", "multipart/mixed", "multipart/alternative",
                 "multipart/report; report-type=delivery-status", "message/rfc822",
                 "text/calendar; method=REPLY", "application/octet-stream",
                 'multipart/mixed; boundary="b"', "text/plain; charset=x-unknown"]  # fmt: skip
TOKENS = st.sampled_from(
    [b"\r\n", b"\n", b"--b\r\n", b"--b--\r\n", b"=?utf-8?q?=0D=0A?=", b"=?x?b?////?=", b"\x00",
     b"<", b">", b",", b'"', b"@", b"=ZZ", b"BEGIN:VCALENDAR\r\n", b"METHOD:REPLY\r\n",
     b"> quoted\r\n", b"-- \r\n", b"\xff\xfe", b"\xe2\x80\x94", b"Status: 5.1.1\r\n"]
)  # fmt: skip


@st.composite
def messages(draw: st.DrawFn, tom: SentPrompt) -> bytes:
    lines: list[bytes] = []
    if draw(st.booleans()):
        lines.append(f"To: {tom.reply_to}".encode())
    if draw(st.booleans()):
        lines.append(f"In-Reply-To: {tom.message_id}".encode())
    for _ in range(draw(st.integers(0, 8))):
        name = draw(st.sampled_from(HEADER_NAMES))
        if name == "Content-Type":
            value = draw(st.sampled_from(CONTENT_TYPES)).encode()
        elif name == "From":
            value = draw(st.sampled_from([TOM, EVIL, f"{TOM} <{EVIL}>", f"{EVIL}, {TOM}"])).encode()
        else:
            value = draw(st.binary(max_size=40))
        lines.append(name.encode() + b": " + value)
    body = b"".join(draw(st.lists(st.one_of(TOKENS, st.binary(max_size=30)), max_size=25)))
    separator = draw(st.sampled_from([b"\r\n\r\n", b"\n\n", b"\r\n"]))
    return b"\r\n".join(lines) + separator + body


def test_fuzz_any_bytes_end_in_one_terminal_state(setup: Setup) -> None:
    @SETTINGS
    @given(raw=st.binary(max_size=2000))
    def run(raw: bytes) -> None:
        row = ingest(setup, unique(raw))
        assert row["status"] != "answer" or row["from_address"] == TOM

    run()


def test_fuzz_message_shaped_bytes_end_in_one_terminal_state(setup: Setup) -> None:
    @SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        raw = unique(data.draw(messages(setup.tom)))
        row = ingest(setup, raw)
        if row["status"] == "answer":
            head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
            from_lines = [line for line in head.split(b"\r\n") if line.lower().startswith(b"from:")]
            assert from_lines == [b"From: " + TOM.encode()], from_lines

    run()


# ------------------------------------------------------------- the reply reader's promises

DISPLAY = st.sampled_from(["", "Tom", '"Okafor, Tom"', EVIL, TOM, "=?utf-8?q?Tom=0A?=",
                           '"Tom <x>"', "Tom (council)"])  # fmt: skip
ADDRESS = st.sampled_from([TOM, EVIL, TOM.upper(), f"{TOM}.evil.example", "tom.okafor"])


@st.composite
def from_values(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        name, address = draw(DISPLAY), draw(ADDRESS)
        shape = draw(st.sampled_from(["{n} <{a}>", "{a}", "<{a}>", "{n} {a}", "{a} <{a2}>"]))
        parts.append(shape.format(n=name, a=address, a2=draw(ADDRESS)).strip())
    return draw(st.sampled_from([", ", "; ", " "])).join(parts)


def test_an_answer_needs_exactly_the_members_address_in_from(setup: Setup) -> None:
    """CVE-2023-27043 and friends: any From that is not exactly Tom alone is no answer."""

    @SETTINGS
    @given(value=from_values(), body=st.text(min_size=1, max_size=80).filter(str.strip))
    def run(value: str, body: str) -> None:
        raw = unique(
            (
                f"From: {value}\r\nTo: {setup.tom.reply_to}\r\nSubject: Re: q\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                f"{body}\r\n"
            ).encode()
        )
        row = ingest(setup, raw)
        if row["status"] == "answer":
            assert EVIL not in value and value.lower().count("@") == 1, value
            assert row["from_address"] == TOM

    run()


@pytest.mark.parametrize(
    "value",
    [
        # how clients (and Python's own email package) fold a long From header
        f'"Okafor, Tom (Public Health Lead, Walsall and Willenhall Council)"\r\n <{TOM}>',
        f"\r\n =?utf-8?q?Tom_Ok=C3=A1for?= <{TOM}>",
        f"=?utf-8?q?Tom_Ok=C3=A1for?=\r\n\t<{TOM}>",
    ],
)
def test_a_folded_from_is_the_members_answer(setup: Setup, value: str) -> None:
    raw = unique(
        f"From: {value}\r\nTo: {setup.tom.reply_to}\r\nSubject: Re: q\r\n\r\nYes.\r\n".encode()
    )
    row = ingest(setup, raw)
    assert row["status"] == "answer", row["reason"]
    assert row["from_address"] == TOM


@pytest.mark.parametrize(
    "value",
    [
        f"{TOM}\r\n <{EVIL}>",  # folding does not hide CVE-2023-27043
        f"Tom\r\n <{TOM}>,\r\n {EVIL}",
        f"=?utf-8?q?Tom=0D=0A?=\r\n <{TOM}>",  # a line break inside an encoded word
    ],
)
def test_a_folded_from_still_needs_exactly_the_member(setup: Setup, value: str) -> None:
    raw = unique(
        f"From: {value}\r\nTo: {setup.tom.reply_to}\r\nSubject: Re: q\r\n\r\nYes.\r\n".encode()
    )
    assert ingest(setup, raw)["status"] != "answer"


def test_a_tampered_token_is_never_an_answer(setup: Setup) -> None:
    token = setup.tom.reply_to.split("+", 1)[1].split("@", 1)[0]

    @SETTINGS
    @given(
        position=st.integers(0, len(token) - 1),
        char=st.sampled_from("abcdefghijklmnopqrstuvwxyz234567"),
    )
    def run(position: int, char: str) -> None:
        changed = token[:position] + char + token[position + 1 :]
        address = setup.tom.reply_to.replace(token, changed)
        raw = unique(
            f"From: {TOM}\r\nTo: {address}\r\nSubject: Re: q\r\n\r\nMy own answer.\r\n".encode()
        )
        row = ingest(setup, raw)
        assert (row["status"] == "answer") == (changed == token), row["reason"]

    run()


def test_a_replay_of_a_known_message_id_is_held_back(setup: Setup) -> None:
    first = f"From: {TOM}\r\nTo: {setup.tom.reply_to}\r\nMessage-ID: <once@m.example>\r\n\r\n"

    @SETTINGS
    @given(words=st.text(min_size=1, max_size=60).filter(str.strip))
    def run(words: str) -> None:
        ingest(setup, (first + "The original answer.\r\n").encode())
        row = ingest(setup, (first + words + "\r\nX\r\n").encode("utf-8"))
        assert row["status"] == "quarantined" and "same Message-ID" in str(row["reason"])

    run()
