"""Reading headers quickly must read them exactly as the modern ``email`` policy does.

``message_from_raw`` parses each distinct header once per message, and the
helpers ``header_value``/``header_values`` skip the structured header parser
when a value is plain (printable ASCII, no encoded words; for From/To/Cc a
single plain mailbox). These properties compare both with a message parsed the
plain way, ``email.message_from_bytes(..., policy=email.policy.default)``.
"""

from __future__ import annotations

import email
import email.policy
import re
import string
import unicodedata
from collections.abc import Callable
from email.message import EmailMessage
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.replies import message_from_raw
from scheduler.replies.mime import header_text, header_value, header_values
from scheduler.replies.original import _norm_words

SETTINGS = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
NAMES = ("From", "To", "Cc", "Subject", "In-Reply-To", "References", "Delivered-To", "X-Other")

_ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
_atom = st.text(_ATEXT, min_size=1, max_size=8)
_label = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=6)
_addr_spec = st.builds(
    lambda local, domain: ".".join(local) + "@" + ".".join(domain),
    st.lists(_atom, min_size=1, max_size=3),
    st.lists(_label, min_size=1, max_size=3),
)
_plain_mailbox = _addr_spec | st.builds(
    lambda words, addr: " ".join(words) + f" <{addr}>",
    st.lists(_atom, min_size=1, max_size=3),
    _addr_spec,
)
_tricky = st.sampled_from(
    [" ", "  ", "\t", ",", ";", ":", '"', "\\", "(", ")", "<", ">", "@", ".", "=?", "?=",
     "=?utf-8?q?x?=", "\r\n ", "\xe9", "\x01", "\x7f", "[", "]"]
)  # fmt: skip
_near_plain_mailbox = st.builds(
    lambda words, seps, before, addr: (
        "".join(w + s for w, s in zip(words, seps, strict=False)) + words[-1] + before + f"<{addr}>"
    ),
    st.lists(_atom, min_size=1, max_size=3),
    st.lists(
        st.sampled_from([" ", "  ", "\t", ".", ", ", "\r\n ", " (c) "]), min_size=2, max_size=2
    ),
    st.sampled_from([" ", "", "  ", "\t", "\r\n "]),
    _addr_spec,
)
_mutated_mailbox = st.builds(
    lambda value, at, extra: (
        value[: at % (len(value) + 1)] + extra + value[at % (len(value) + 1) :]
    ),
    _plain_mailbox,
    st.integers(min_value=0),
    _tricky,
)
_value = (
    _plain_mailbox
    | _near_plain_mailbox
    | _mutated_mailbox
    | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
    | st.builds(lambda a, t, b: a + t + b, _plain_mailbox, _tricky, _plain_mailbox | _atom)
    | st.builds(lambda t, a: t + a, _tricky, _plain_mailbox)
)


def _raw(headers: list[tuple[str, str]]) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return (head + "Content-Type: text/plain\r\n\r\nHello.\r\n").encode("utf-8", "surrogateescape")


def _outcome(read: Callable[[], object]) -> tuple[str, object]:
    try:
        return ("value", read())
    except Exception as exc:  # the same exception, or none, on both sides
        return ("raised", type(exc).__name__)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(NAMES), _value), max_size=6))
def test_header_helpers_read_what_the_modern_policy_reads(headers: list[tuple[str, str]]) -> None:
    raw = _raw(headers)
    ours = message_from_raw(raw)
    plain = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
    assert list(ours.raw_items()) == list(plain.raw_items())
    for name in NAMES:
        assert _outcome(partial(header_value, ours, name)) == _outcome(partial(plain.get, name))
        assert _outcome(partial(header_values, ours, name)) == _outcome(
            partial(_all_strings, plain, name)
        )
        assert _outcome(partial(ours.get, name)) == _outcome(partial(plain.get, name))
        assert isinstance(header_text(ours, name), str)


def _all_strings(msg: EmailMessage, name: str) -> list[str]:
    return [str(v) for v in msg.get_all(name, [])]


@SETTINGS
@given(
    _near_plain_mailbox | _mutated_mailbox | _value,
    st.sampled_from(("From", "To", "Cc", "Subject", "References", "X-Other")),
)
def test_one_header_reads_as_the_modern_policy_reads_it(value: str, name: str) -> None:
    raw = _raw([(name, value)])
    ours = message_from_raw(raw)
    plain = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
    expected = _outcome(lambda: plain.get(name))
    assert _outcome(lambda: header_value(ours, name)) == expected
    assert _outcome(lambda: header_values(ours, name)) == _outcome(
        lambda: _all_strings(plain, name)
    )


@SETTINGS
@given(_plain_mailbox, st.sampled_from(("From", "To", "Cc", "from", "TO")))
def test_a_plain_mailbox_reads_back_unchanged(value: str, name: str) -> None:
    header = email.policy.default.header_factory(name, value)
    assert str(header) == value
    msg = message_from_raw(_raw([(name, value)]))
    assert header_value(msg, name) == value
    assert header_values(msg, name) == [value]


def test_headers_are_parsed_once_per_message_and_still_read_alike() -> None:
    raw = (
        b"From: =?utf-8?q?Ma=C3=ABlle?= <m@example.org>\r\nTo: a@b.org, c@d.org\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi\r\n--b--\r\n"
    )
    msg = message_from_raw(raw)
    assert msg.get("Content-Type") is msg.get("Content-Type")
    assert header_value(msg, "From") == "Maëlle <m@example.org>"
    assert [str(a) for a in msg["To"].addresses] == ["a@b.org", "c@d.org"]
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_boundary() == "b"


@pytest.mark.parametrize("text", ["Hello, World!", "a_b-c", "x² ½ Ⅻ", "ﬁne", "https://x.org/a b"])
def test_norm_words_examples(text: str) -> None:
    assert _norm_words(text) == _norm_words_by_char(text)


@SETTINGS
@given(st.text(max_size=60))
def test_norm_words_keeps_exactly_the_alphanumeric_characters(text: str) -> None:
    assert _norm_words(text) == _norm_words_by_char(text)


def _norm_words_by_char(text: str) -> str:
    """What ``_norm_words`` did character by character before it used one regex."""
    text = re.sub(r"<(?:https?|mailto):[^>\s]*>|https?://\S+", " ", text)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())
