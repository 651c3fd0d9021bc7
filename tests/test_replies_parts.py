"""``split_parts``: a reply's words by the numbered part they answer (pure)."""

from __future__ import annotations

from scheduler.replies.parts import Parts, is_introduction, split_parts

TITLES = ["Relationships", "Shared Purpose", "Adapting Through Change", "Ways of Working",
          "Convenor Role", "Governance & Accountability"]  # fmt: skip


def test_numbers_in_every_style_and_words_that_only_look_like_numbers() -> None:
    text = (
        "1. Warmer than last year.\n3.5 million is the budget, though.\n\n"
        "Part 3: Ad hoc. We want:\n1. a pack\n2. a buddy\n\n"
        "(6) Minuted; 2 of us check."
    )
    assert split_parts(text, TITLES) == Parts(
        by_number={
            1: "Warmer than last year.\n3.5 million is the budget, though.",
            3: "Ad hoc. We want:\n1. a pack\n2. a buddy",
            6: "Minuted; 2 of us check.",
        }
    )


def test_titles_headings_and_out_of_order_keywords() -> None:
    text = "Shared purpose:\nClear to us.\n\nPart 1 - Good.\n\n4. Ways of Working\nSlow."
    assert split_parts(text, TITLES).by_number == {2: "Clear to us.", 1: "Good.", 4: "Slow."}


def test_no_numbers_and_numbers_beyond_the_parts() -> None:
    assert split_parts("Happy to talk at the meeting.", TITLES) == Parts(
        rest="Happy to talk at the meeting."
    )
    assert split_parts("7. Not a part.\n0) Nor this.", TITLES).by_number == {}


def test_an_introduction_is_not_an_answer() -> None:
    assert is_introduction("My answers below:")
    assert not is_introduction("Thanks, some thoughts.")
