"""The pre-meeting digest, built from a hand-made archive and rendered."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from support.seed import T0, Seed, partnership_of_five

from scheduler.compose.render import render_template
from scheduler.reports.digest import DigestAnswer, build_digest, digest_context

TOM_SAYS = "We keep meeting in the council offices.\nThat says something.\n\nCould we rotate?"
AMA_SAYS = "Food bank volunteers want in <b>now</b> & not later."
PRIYA_SAYS = "Mostly <script>alert(1)</script> delivery, no time to think."
COMMON = {"convenor_name": "Pat Convenor", "convenor_email": "pat@reflect.example.org"}


@pytest.fixture
def seed(tmp_path: Path) -> Seed:
    seed = Seed(tmp_path / "a.db")
    ids = partnership_of_five(seed)
    two = [("members", "Who is at the table?"), ("work", "How is work shared?")]
    prompts = {
        (who, qid): seed.prompt(member, "reflection", T0, qid, text)
        for who, member in ids.items()
        for qid, text in two
    }
    seed.answer(prompts[("tom", "members")], TOM_SAYS)
    seed.answer(prompts[("ama", "members")], AMA_SAYS)
    seed.answer(prompts[("priya", "work")], PRIYA_SAYS)
    # Another cycle's answer must not appear.
    later = seed.prompt(ids["lee"], "reflection", T0 + timedelta(weeks=6), "learning", "Learnt?")
    seed.answer(later, "Not this cycle")
    return seed


def digest(seed: Seed, *, anonymise: bool) -> tuple[str, str, str]:
    view = build_digest(
        seed.archive,
        partnership="Willenhall Together",
        meeting_id="reflection",
        meeting_title="Reflection point",
        occurrence=T0,
        when_text="Tuesday 12 January 2027 at 10:00",
        anonymise=anonymise,
    )
    return render_template("convenor-digest", {**COMMON, **digest_context(view)})


def test_digest_holds_exactly_what_was_archived(seed: Seed) -> None:
    view = build_digest(
        seed.archive,
        partnership="Willenhall Together",
        meeting_id="reflection",
        meeting_title="Reflection point",
        occurrence=T0,
        when_text="Tuesday 12 January 2027 at 10:00",
        anonymise=False,
    )
    assert [(q.question_id, q.text) for q in view.questions] == [
        ("members", "Who is at the table?"),
        ("work", "How is work shared?"),
    ]
    assert view.questions[0].answers == (
        DigestAnswer(TOM_SAYS, "Tom Okafor, City Council"),
        DigestAnswer(AMA_SAYS, "Ama Mensah, Food Bank"),
    )
    assert view.questions[1].answers == (DigestAnswer(PRIYA_SAYS, "Priya Shah, Grapevine"),)
    assert (view.prompted, view.replied) == (5, 3)
    # the figures are the anonymised picture's: a one-member sector is merged, not flagged
    assert not any("NHS" in flag for flag in view.flags)


def test_text_digest_reads_as_written(seed: Seed) -> None:
    subject, text, _html = digest(seed, anonymise=False)
    assert subject == (
        "What members said, ahead of the Reflection point on Tuesday 12 January 2027 at 10:00 "
        "[Willenhall Together]"
    )
    assert (
        "1. Who is at the table?\n\n"
        "    We keep meeting in the council offices.\n"
        "    That says something.\n\n"
        "    Could we rotate?\n"
        "      - Tom Okafor, City Council\n"
        "    ----\n\n"
        f"    {AMA_SAYS}\n"
        "      - Ama Mensah, Food Bank\n"
    ) in text
    assert f"2. How is work shared?\n\n    {PRIYA_SAYS}\n      - Priya Shah, Grapevine\n" in text
    assert "3 of 5 members replied (60%)." in text
    assert "Not yet replied" not in text and "Lee Chan" not in text and "Nia Evans" not in text
    assert "Not this cycle" not in text


def test_html_digest_escapes_member_text_and_keeps_line_breaks(seed: Seed) -> None:
    _subject, _text, html = digest(seed, anonymise=False)
    assert "<script>alert" not in html
    assert "Mostly &lt;script&gt;alert(1)&lt;/script&gt; delivery" in html
    assert "want in &lt;b&gt;now&lt;/b&gt; &amp; not later." in html
    assert (
        "We keep meeting in the council offices.<br>That says something.</p>\n"
        '<p style="margin: 0 0 8px;">Could we rotate?</p>'
    ) in html
    assert "&mdash; Tom Okafor, City Council" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert "Walsall Trust" not in html  # Nia has not replied: the digest does not say so
    assert not re.search(r"""(src|href)=["']?https?://""", html)


def test_anonymised_digest_names_nobody(seed: Seed) -> None:
    ids = {r["name"]: r["email"] for r in seed.archive.rows("SELECT name, email FROM members")}
    # A member names a colleague inside their answer: that must not leak either.
    nia = seed.archive.scalar("SELECT id FROM prompts WHERE member_id = 4 AND question_id = 'work'")
    seed.answer(nia, "Ask lee chan (lee@grapevine.example.org) about it")

    subject, text, html = digest(seed, anonymise=True)

    for name, email in ids.items():
        for part in (subject, text, html):
            assert name not in part
            assert email not in part
            for organisation in ("Grapevine", "Food Bank", "Walsall", "City Council"):
                assert organisation not in part
    assert "Ask [a member] ([address]) about it" in text
    assert "We keep meeting in the council offices." in text
    assert "(names are left out)" in text
    assert "Not yet replied" not in text


def test_an_anonymised_digest_carries_no_trace_of_its_author(seed: Seed) -> None:
    """Whatever trimming missed: the writer's first name, initials and phone numbers go too."""
    nia = seed.archive.scalar("SELECT id FROM prompts WHERE member_id = 4 AND question_id = 'work'")
    seed.answer(nia, "Work falls on whoever turns up.\n\nThanks, Nia\nNE\nMobile: 07700 900123")
    _subject, text, html = digest(seed, anonymise=True)
    for part in (text, html):
        assert "Work falls on whoever turns up." in part
        for trace in ("Nia", "07700 900123", "\nNE\n"):
            assert trace not in part
    assert "[phone]" in text


def test_digest_with_no_answers_yet(tmp_path: Path) -> None:
    seed = Seed(tmp_path / "a.db")
    ids = partnership_of_five(seed)
    seed.prompt(ids["tom"], "reflection", T0, "purpose", "Why are we here?")

    view = build_digest(seed.archive, partnership="P", meeting_id="reflection",
                        meeting_title="Reflection point", occurrence=T0, when_text="soon",
                        anonymise=False)  # fmt: skip
    _subject, text, _html = render_template("convenor-digest", {**COMMON, **digest_context(view)})

    assert "No answers have come in yet for this cycle's question." in text
    assert "1. Why are we here?\n\n    No answers yet." in text
    assert "Tom Okafor" not in text


def leavers_digest(seed: Seed, *, anonymise: bool = False) -> str:
    _subject, text, _html = digest(seed, anonymise=anonymise)
    return text


def member_id(seed: Seed, name: str) -> int:
    return int(seed.archive.scalar("SELECT id FROM members WHERE name = ?", (name,)))


def test_a_member_who_left_after_the_question_is_not_counted_or_named(seed: Seed) -> None:
    # Lee, asked on 5 January, leaves on the 10th, before the meeting on the 12th.
    seed.leave(member_id(seed, "Lee Chan"), date(2027, 1, 10))

    text = leavers_digest(seed)

    assert "3 of 4 members replied (75%)." in text
    assert (
        "Not counted: 1 member who was asked but left the partnership before the meeting." in text
    )
    for silent in ("Lee", "Nia", "Walsall"):  # the leaver, and the member yet to reply
        assert silent not in text


def test_an_anonymised_digest_counts_leavers_out_without_naming_them(seed: Seed) -> None:
    seed.leave(member_id(seed, "Nia Evans"), date(2027, 1, 10))

    text = leavers_digest(seed, anonymise=True)

    assert "3 of 4 members replied (75%)." in text
    assert "Not yet replied" not in text
    assert (
        "Not counted: 1 member who was asked but left the partnership before the meeting." in text
    )
    assert "Nia" not in text and "Walsall" not in text and "NHS sector" not in text
