"""Hostile input costs linear time in every part of replies/ (issue 14, point 4).

Each case is about 1 MB, the size of MAX_TEXT_CHARS; before this work most of
them took minutes (work grew with the square of the line or nesting count).
The limits are generous because the test machine is shared.
"""

from __future__ import annotations

import time

import pytest

from scheduler.replies import ReplyKind, parse_reply
from scheduler.replies.html import MAX_HTML_DEPTH, cap_nesting, html_to_text


def message(body: str, ctype: str = "text/plain; charset=utf-8") -> bytes:
    head = (
        "From: Jo Bloggs <jo@example.org>\nTo: reflect+t@reflect.example.org\nSubject: Re: Question\n"
        f"MIME-Version: 1.0\nContent-Type: {ctype}\n\n"
    )
    return (head + body).encode()


HOSTILE = {
    "100,000 nested divs": message(
        "<div>" * 100_000 + "Our answer, deep inside." + "</div>" * 100_000,
        "text/html; charset=utf-8",
    ),
    "one 1,000,000-character word": message("a" * 1_000_000),
    "200,000 short lines": message("Answer.\n" + "x\n" * 200_000),
    "50,000 title-like lines": message("Answer here.\n" + "Public Health Lead\n" * 50_000),
    "100,000 sign-offs": message("Answer.\n" + "Thanks\n" * 100_000),
    "50,000 quote blocks": message("Answer.\n" + "> q\n\nz\n" * 50_000),
    "50,000 phone paragraphs": message("Answer.\n\n" + "Tel: 01632 960 000\n\n" * 50_000),
    "50,000 attribution-like lines": message("On Mon wrote\n" * 50_000),
    "200,000 flowed lines": message("w \n" * 200_000, "text/plain; charset=utf-8; format=flowed"),
    "50,000 unclosed list items": message(
        "<ul>" * 50_000 + "<li>x" * 50_000, "text/html; charset=utf-8"
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_message_is_read_in_bounded_time(name: str) -> None:
    started = time.perf_counter()
    reply = parse_reply(HOSTILE[name])
    assert time.perf_counter() - started < 10.0
    assert reply.kind in (ReplyKind.ANSWER, ReplyKind.EMPTY)


def test_deeply_nested_html_keeps_its_words() -> None:
    reply = parse_reply(HOSTILE["100,000 nested divs"])
    assert reply.text == "Our answer, deep inside."


def test_nesting_cap_leaves_ordinary_html_alone_and_cuts_only_past_the_limit() -> None:
    ordinary = "<div><p>One</p><ul><li><b>Two</b> three</li></ul></div>"
    assert cap_nesting(ordinary) == (ordinary, 0)
    deep = "<div>" * (MAX_HTML_DEPTH + 10) + "x" + "</div>" * (MAX_HTML_DEPTH + 10)
    capped, dropped = cap_nesting(deep)
    assert dropped == 20
    assert capped.count("<div>") == MAX_HTML_DEPTH
    assert html_to_text(capped) == "x"


def test_list_items_with_inline_markup_stay_on_one_line() -> None:
    html = "<ul><li><b>Who:</b> residents</li><li><p><i>What</i> next</p></li></ul><ol><li>a</li><li>b</li></ol>"
    assert html_to_text(html) == "- Who: residents\n- What next\n1. a\n2. b"
