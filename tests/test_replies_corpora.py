"""Trimming checked against the public corpora in ../shared/corpora (read, never copied).

Thresholds are what bench/eval_reply_trimmers.py measured for our rules; the
cases that differ, and why, are listed in docs/reply-parsing.md.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from scheduler.replies import parse_reply, trim_reply
from scheduler.replies.html import html_to_text

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
BENCH = Path(__file__).resolve().parents[1] / "bench"

pytestmark = pytest.mark.skipif(
    not CORPORA.is_dir(), reason=f"public reply corpora not found at {CORPORA}"
)

# Discourse cases whose expected text differs from our rules (see docs/reply-parsing.md).
DISCOURSE_KNOWN_DIFFERENCES = {
    "embedded_email_2",  # forum notification quoted without any quote marker or header
    "embedded_email_7",  # "C>" quoting and a signature after an underscore rule
    "embedded_email_12",  # attribution split over four lines with "> wrote:" quoted
    "embedded_email_17",  # reply below a ">>>>>>>>" code fence quote
    "embedded_email_18",  # quote-only code sample kept whole by discourse
    "embedded_email_german_1",  # quote lines without a space after ">", then "--" sig
    "embedded_email_german_6",  # attribution wrapped mid-address ("<...\n>:")
    "embedded_email_ukrainian",  # attribution with no date, address or opening word
    "forwarded_message",  # a pure forward: discourse keeps it, we call it not the member's
    "signatures",  # discourse cuts at an unlisted "Someone from mobile" line
}


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCH))
    try:
        import eval_reply_trimmers
    finally:
        sys.path.remove(str(BENCH))
    return eval_reply_trimmers


def test_discourse_agreement(bench) -> None:  # type: ignore[no-untyped-def]
    cases = bench.load_sets(CORPORA)["discourse"]
    assert len(cases) == 64
    differing = {
        name
        for name, text, expected in cases
        if not bench.score(trim_reply(text), expected, text)["adj"]
    }
    # Measured: 54/64 agree once both sides follow our greeting/sign-off rules.
    assert differing <= DISCOURSE_KNOWN_DIFFERENCES, differing - DISCOURSE_KNOWN_DIFFERENCES
    assert len(cases) - len(differing) >= 54


def test_no_quote_header_or_device_line_leaks(bench) -> None:  # type: ignore[no-untyped-def]
    sets = bench.load_sets(CORPORA)
    leaks = [
        f"{set_name}/{name}"
        for set_name in ("discourse", "talon-eml")
        for name, text, expected in sets[set_name]
        if bench.score(trim_reply(text), expected, text)["leak"]
    ]
    assert leaks == ["discourse/embedded_email_12"]


def test_sent_from_my_iphone_never_survives() -> None:
    folder = CORPORA / "mailgun-talon" / "tests" / "fixtures" / "standard_replies"
    for path in sorted(folder.glob("*.eml")):
        reply = parse_reply(path.read_bytes())
        assert not re.search(r"sent from my", reply.text, re.I), path.name
        assert not re.search(r"^(?:On .* wrote:|From: )", reply.text, re.M), path.name


def test_talon_html_replies_render_to_the_reply() -> None:
    folder = CORPORA / "mailgun-talon" / "tests" / "fixtures" / "html_replies"
    files = sorted(folder.glob("*.html"))
    assert len(files) == 9
    for path in files:
        text = trim_reply(html_to_text(path.read_text(encoding="utf-8", errors="replace")))
        # Talon keeps "Thanks, Alex"; our rules drop the sign-off.
        assert re.sub(r"\s", "", text) == "Hi.Iamfine.", path.name
