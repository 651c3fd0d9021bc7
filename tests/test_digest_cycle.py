"""The digest of a governance cycle of the example partnership, through the real service:
daily ticks, members answering each part of the checklist by reply, the digest read back
from the outbox Maildir and laid out in headless Chromium at a phone's width."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from support.browser import phone_layout
from support.governance import (
    LONG,
    LONG_URL,
    SILENT,
    SILENT_NAMES,
    UNBROKEN,
    Cycle,
    run_governance_cycle,
)

MEMBERS = {  # those who answer
    "aoife.obrien@willenhall-pcc.example.nhs.uk": "Aoife O’Brien",
    "grace@willenhall-foodbank.example.org": "Grace Adeyemi",
    "priya.shah@grapevine.example.org": "Priya Shah",
    "tom.okafor@council.example.gov.uk": "Tom Okafor",
}
LAST_SENTENCE = "so nobody feels consulted after the fact."


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Cycle:
    return run_governance_cycle(tmp_path_factory.mktemp("governance"))


def governance(cycle: Cycle) -> list[EmailMessage]:
    return [m for m in cycle.digests if "Governance review" in str(m["Subject"])]


def parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content().replace("\r\n", "\n"), html.get_content()


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_every_member_gets_one_digest_naming_nobody_who_has_not_replied(cycle: Cycle) -> None:
    digests = governance(cycle)
    recipients = sorted(m["To"].addresses[0].addr_spec for m in digests)
    assert len(recipients) == 7 and len(set(recipients)) == 7  # the newcomer of 8 days too
    for msg in digests:
        text, html = parts(msg)
        for body in (text, html, str(msg["Subject"])):
            for name, address in zip(SILENT_NAMES, SILENT, strict=True):
                assert name not in body and address not in body
                assert name.split()[0] not in body
            assert "Not yet replied" not in body
        assert "4 of 7 members replied (57%)." in text


def test_answers_are_grouped_by_question_and_long_ones_folded(cycle: Cycle) -> None:
    text, html = parts(governance(cycle)[0])
    headings = [line for line in text.splitlines() if line[:2] in {f"{n}." for n in range(1, 7)}]
    assert [h.split(": ", 1)[1] for h in headings] == [
        "Relationships", "Shared Purpose", "Adapting Through Change", "Ways of Working",
        "Convenor Role", "Governance & Accountability",
    ]  # fmt: skip
    assert text.count("Yes, mostly. We still lean on the convenor for more than we should.\n") > 3
    # a long answer: its first lines, then where the rest is; the rest only in the HTML
    assert "    We have talked about this more than once and I think we are closer" in text
    assert "more words: the whole answer is in the formatted version of this email]" in text
    assert LAST_SENTENCE not in text
    assert html.count("<details") == text.count("more words: the whole answer is in")
    folds = [block.split("</details>")[0] for block in html.split("<details")[1:]]
    assert any(LAST_SENTENCE in block for block in folds)
    assert "Read the rest (" in html
    assert len(text.split()) < 1.0 * sum(len(a.split()) for a in cycle.answers.values())


def test_convenor_role_and_governance_answers_carry_no_names(cycle: Cycle) -> None:
    text, _html = parts(governance(cycle)[0])
    named = section(text, "1. Partnership checklist: Relationships", "5. Partnership checklist")
    private = section(text, "5. Partnership checklist: Convenor Role", "Who has replied")
    assert all(f"- {name}," in named for name in MEMBERS.values())
    assert "(Answers to this part are shown without names.)" in private
    for name in MEMBERS.values():
        assert name not in private and name.split()[0] not in private
    for organisation in ("Grapevine", "City Council", "Food Bank", "Primary Care"):
        assert organisation not in private
    assert private.count("    ----") == 6  # all four answers to each of the two parts are there


def test_anonymise_areas_is_a_setting(tmp_path: Path) -> None:
    cycle = run_governance_cycle(tmp_path, digest_settings="anonymise_areas = []")
    text, _html = parts(governance(cycle)[0])
    private = section(text, "5. Partnership checklist: Convenor Role", "Who has replied")
    assert "shown without names" not in private
    assert all(f"- {name}," in private for name in MEMBERS.values())


@pytest.mark.browser
@pytest.mark.parametrize("opened", [False, True], ids=["folded", "all-opened"])
def test_the_digest_fits_a_phone_with_a_long_link_and_an_unbroken_word(
    cycle: Cycle, tmp_path: Path, opened: bool
) -> None:
    _text, html = parts(governance(cycle)[0])
    assert LONG_URL in html and UNBROKEN in html
    layout = phone_layout(html, tmp_path, open_details=opened)
    assert not layout.overflows, layout
    assert layout.client_width <= 375
    if opened:
        assert layout.height > phone_layout(html, tmp_path / "folded").height
    assert LONG.split("\n\n")[0][:40] in html
