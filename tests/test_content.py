"""The framework content: what ships, that it quotes its sources, and how bad files are reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scheduler.errors import ContentError, Problem
from scheduler.inputs.content import (
    ChecklistArea,
    Content,
    Question,
    Resource,
    bundled_content_texts,
    load_bundled_content,
    parse_content,
)

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
LONG_READ = "000_eae880315ae2b701.txt"
ONE_PAGE = "001_daa4f9b50da6b8ed.txt"
GUIDE = "004_cba74550d06c5b7a.txt"

needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(),
    reason=f"source documents not found at {SEEDS}; quote checks need the shared seeds",
)

# PDF-extraction damage in the guide's checklist page, repaired here exactly as
# content/checklist.toml repairs it, so the comparison below is word for word.
GUIDE_ARTEFACTS = [
    (r"^R\t(?=Relationships)", ""),  # drop-cap letter left beside the heading
    (r"SI\thared Purpose", "Shared Purpose"),
    (r"A\tdapting Through Cha\tnge", "Adapting Through Change"),
    (r"Convenor\tRo\tle", "Convenor Role"),
    (r"^-+\t-+\t-+$", ""),  # table rule under the heading
    (r"^[٦ш_]\t", ""),  # stray tick-box glyphs
    (r"proportiona\tate", "proportionate"),
]

AREA_TITLES = [
    "Relationships",
    "Shared Purpose",
    "Adapting Through Change",
    "Ways of Working",
    "Convenor Role",
    "Governance & Accountability",
]


def normalise(text: str) -> str:
    """Whitespace, markdown emphasis and a space before punctuation do not count."""
    text = re.sub(r"\*+", "", text)
    text = re.sub(r"\s+", " ", text)
    return re.sub(r" (?=[?.,;:])", "", text).strip()


def read_seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def content() -> Content:
    return load_bundled_content()


def framework_file(text: str) -> tuple[str, str]:
    return ("content/framework.toml", text)


# --- what ships ------------------------------------------------------------------


def test_bundled_content_has_five_questions_in_order_and_six_checklist_areas(
    content: Content,
) -> None:
    assert list(content.questions) == ["purpose", "role", "members", "work", "learning"]
    assert [q.number for q in content.questions.values()] == [1, 2, 3, 4, 5]
    assert content.questions["purpose"].text == "What is the purpose of the partnership's work?"
    assert content.questions["purpose"].resources == (
        Resource(
            title="The nine whys",
            description="An activity to help members of a group uncover the purpose of their work.",
        ),
    )
    assert [area.id for area in content.checklist] == [
        "relationships",
        "shared-purpose",
        "adapting-through-change",
        "ways-of-working",
        "convenor-role",
        "governance-accountability",
    ]
    assert [area.title for area in content.checklist] == AREA_TITLES


def test_every_item_credits_its_source(content: Content) -> None:
    for question in content.questions.values():
        assert question.source == (
            "The King's Fund and The National Lottery Community Fund, "
            "A reflective learning framework for partnering"
        )
        assert question.prompts
        assert question.points
        assert question.resources
    for area in content.checklist:
        assert area.source.startswith("Will Bibby (Anthill Collective), Partnerships for Health")
        assert "June 2025" in area.source


def test_bundled_texts_are_the_files_in_content_folder() -> None:
    (framework_name, framework), (checklist_name, checklist) = bundled_content_texts()
    assert framework_name == "content/framework.toml"
    assert checklist_name == "content/checklist.toml"
    repo = Path(__file__).resolve().parents[1]
    assert framework == (repo / "content" / "framework.toml").read_text(encoding="utf-8")
    assert checklist == (repo / "content" / "checklist.toml").read_text(encoding="utf-8")


# --- quoted exactly ----------------------------------------------------------------


def one_page_sections() -> list[str]:
    """The one-page tool split at its numbered question headings, 1..5."""
    text = read_seed(ONE_PAGE).split("Other resources from The King's Fund")[0]
    parts = re.split(r"^#+ (?=\d\. )", text, flags=re.MULTILINE)
    return parts[1:]


@needs_seeds
def test_question_text_prompts_and_resources_match_the_one_page_tool(content: Content) -> None:
    sections = one_page_sections()
    assert len(sections) == 5
    for number, (question, section) in enumerate(
        zip(content.questions.values(), sections, strict=True), start=1
    ):
        heading, _, body = section.partition("\n")
        assert normalise(heading) == normalise(f"{number}. {question.text}")
        # Prompts are the paragraphs between rules, up to the first resource heading.
        prompt_part, *resource_parts = re.split(r"^#{3,4} ", body, flags=re.MULTILINE)
        prompts = [normalise(p) for p in prompt_part.split("---") if normalise(p)]
        assert [normalise(p) for p in question.prompts] == prompts
        resources = []
        for part in resource_parts:
            title, _, description = part.partition("\n")
            resources.append((normalise(title), normalise(description)))
        assert [(normalise(r.title), normalise(r.description)) for r in question.resources] == (
            resources
        )


@needs_seeds
def test_points_match_the_long_read_lists(content: Content) -> None:
    text = read_seed(LONG_READ)
    lists = re.findall(r"Main points to consider[^\n]*\n(.*?)\nHelpful resource", text, re.S)
    assert len(lists) == 5, "each of the five questions has a points-to-consider list"
    for question, block in zip(content.questions.values(), lists, strict=True):
        bullets = [normalise(b) for b in re.findall(r"^\s*•\s*(.+)$", block, re.MULTILINE)]
        assert [normalise(p) for p in question.points] == bullets


@needs_seeds
def test_checklist_questions_match_the_guide_area_by_area(content: Content) -> None:
    text = read_seed(GUIDE)
    page = text[text.rindex("A partnership checklist") :]
    page = page[: page.index("www.grapevinecovandwarks.org")]
    for pattern, replacement in GUIDE_ARTEFACTS:
        page = re.sub(pattern, replacement, page, flags=re.MULTILINE)
    page = normalise(page)
    starts = [page.index(title) for title in AREA_TITLES]
    assert starts == sorted(starts)
    for area, start, end in zip(content.checklist, starts, [*starts[1:], len(page)], strict=True):
        section = page[start:end].strip()
        assert section == normalise(" ".join([area.title, *area.questions]))


# --- a partnership's own questions ----------------------------------------------------

EXTRA = """\
[source]
title = "Questions agreed at our away day"
publisher = "Willow Partnership"

[[question]]
id = "work"
text = "How is the work being shared among us this quarter?"

[[question]]
id = "trust"
text = "Where has trust grown or worn thin since we last met?"
prompts = ["What did we do that helped?"]

[[question.resource]]
title = "Our trust charter"
description = "Agreed in March; on the shared drive."
"""


def test_extra_file_replaces_a_question_in_place_and_adds_a_new_one() -> None:
    framework, checklist = bundled_content_texts()
    content = parse_content(framework, checklist, [("my-questions.toml", EXTRA)])

    assert list(content.questions) == ["purpose", "role", "members", "work", "learning", "trust"]
    work = content.questions["work"]
    assert work == Question(
        id="work",
        number=None,
        text="How is the work being shared among us this quarter?",
        prompts=(),
        points=(),
        resources=(),
        source="Willow Partnership, Questions agreed at our away day",
    )
    trust = content.questions["trust"]
    assert trust.prompts == ("What did we do that helped?",)
    assert trust.resources == (
        Resource(title="Our trust charter", description="Agreed in March; on the shared drive."),
    )
    assert content.questions["role"].text == "What is the distinctive role of this partnership?"
    assert len(content.checklist) == 6


def test_later_extra_file_wins_and_source_defaults_to_file_name() -> None:
    framework, checklist = bundled_content_texts()
    later = '[[question]]\nid = "trust"\ntext = "Do we trust each other more than in spring?"\n'
    content = parse_content(
        framework, checklist, [("my-questions.toml", EXTRA), ("extra/autumn.toml", later)]
    )
    assert content.questions["trust"].text == "Do we trust each other more than in spring?"
    assert content.questions["trust"].source == "autumn.toml"


def test_load_bundled_content_reads_extra_paths(tmp_path: Path) -> None:
    path = tmp_path / "my-questions.toml"
    path.write_text(EXTRA, encoding="utf-8")
    content = load_bundled_content([path])
    assert "trust" in content.questions


def test_unreadable_extra_path_is_reported_with_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ContentError) as caught:
        load_bundled_content([missing])
    (problem,) = caught.value.problems
    assert problem.file == str(missing)
    assert "cannot be read" in problem.message
    assert "[prompts] extra_questions" in problem.message


# --- broken files ------------------------------------------------------------------


def problems_for(extra: str, name: str = "my-questions.toml") -> list[Problem]:
    framework, checklist = bundled_content_texts()
    with pytest.raises(ContentError) as caught:
        parse_content(framework, checklist, [(name, extra)])
    return caught.value.problems


def test_invalid_toml_gives_its_line() -> None:
    (problem,) = problems_for('[[question]]\nid = "trust"\ntext = "Unclosed?\n')
    assert problem.file == "my-questions.toml"
    assert problem.line == 3
    assert problem.message.startswith("not valid TOML:")
    assert "column" in problem.message


def test_missing_text_names_question_line_and_field() -> None:
    text = '[[question]]\nid = "a"\ntext = "Fine?"\n\n[[question]]\nid = "b"\nprompts = ["x"]\n'
    (problem,) = problems_for(text)
    assert str(problem) == (
        'my-questions.toml, line 5, [[question]] 2 field "text": missing. '
        "Every question needs the words to ask."
    )


def test_duplicate_id_in_one_file_points_at_the_second() -> None:
    text = '[[question]]\nid = "a"\ntext = "One?"\n\n[[question]]\nid = "a"\ntext = "Two?"\n'
    (problem,) = problems_for(text)
    assert (problem.line, problem.field) == (6, '[[question]] 2 field "id"')
    assert '"a" is already the id of [[question]] 1' in problem.message


def test_wrong_types_and_unknown_keys_are_all_listed_top_to_bottom() -> None:
    text = (
        "[[question]]\n"
        'id = "a"\n'
        'text = ["Hi?"]\n'
        'prompts = "one"\n'
        'number = "2"\n'
        "prompt = []\n"
        "[[question.resource]]\n"
        'title = ""\n'
    )
    problems = problems_for(text)
    assert [(p.line, p.field) for p in problems] == [
        (3, '[[question]] 1 field "text"'),
        (4, '[[question]] 1 field "prompts"'),
        (5, '[[question]] 1 field "number"'),
        (6, '[[question]] 1 unknown field "prompt"'),
        (7, '[[question]] 1 resource 1 field "description"'),
        (8, '[[question]] 1 resource 1 field "title"'),
    ]
    messages = [p.message for p in problems]
    assert messages[0] == 'is a list, not text. Write text = "..." with double quotes.'
    assert messages[1].startswith('is "one" (text), not a list.')
    assert 'Did you mean "prompts"?' in messages[3]
    assert messages[4] == "missing. Every resource needs a title and a one-line description."


def test_bad_id_suggests_a_usable_one() -> None:
    (problem,) = problems_for('[[question]]\nid = "Trust Check"\ntext = "Hi?"\n')
    assert problem.line == 2
    assert 'e.g. "trust-check"' in problem.message


def test_single_bracket_question_table_is_explained() -> None:
    (problem,) = problems_for('[question]\nid = "a"\ntext = "Hi?"\n')
    assert problem.line == 1
    assert "[[question]] header (double square brackets)" in problem.message


def test_problems_in_every_file_are_collected_before_raising() -> None:
    framework, _ = bundled_content_texts()
    checklist = '[source]\ntitle = "Guide"\n\n[[area]]\nid = "one"\ntitle = "One"\nquestions = []\n'
    broken_framework = (
        framework[0],
        framework[1].replace('text = "What is the distinctive', "x = 1 #"),
    )
    with pytest.raises(ContentError) as caught:
        parse_content(
            broken_framework,
            ("content/checklist.toml", checklist),
            [("mine.toml", "[[question]]\nid = 5\n")],
        )
    where = [(p.file, p.field) for p in caught.value.problems]
    assert ("content/framework.toml", '[[question]] 2 unknown field "x"') in where
    assert ("content/framework.toml", '[[question]] 2 field "text"') in where
    assert ("content/checklist.toml", '[[area]] 1 field "questions"') in where
    assert ("mine.toml", '[[question]] 1 field "id"') in where
    assert ("mine.toml", '[[question]] 1 field "text"') in where
    assert "content/checklist.toml, line 7" in str(caught.value)


def test_bundled_files_need_a_source_table() -> None:
    framework, checklist = bundled_content_texts()
    stripped = re.sub(r"(?s)\[source\].*?(?=\[\[question\]\])", "", framework[1])
    with pytest.raises(ContentError) as caught:
        parse_content(framework_file(stripped), checklist)
    (problem,) = caught.value.problems
    assert (problem.file, problem.field) == ("content/framework.toml", "[source]")
    assert "title" in problem.message


def test_checklist_area_types_are_checked() -> None:
    framework, _ = bundled_content_texts()
    checklist = '[source]\ntitle = "Guide"\n[[area]]\nid = "a"\ntitle = 3\nquestions = ["Ok?", 4]\n'
    with pytest.raises(ContentError) as caught:
        parse_content(framework, ("content/checklist.toml", checklist))
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (5, '[[area]] 1 field "title"'),
        (6, '[[area]] 1 field "questions"'),
    ]
    assert "item 2 is 4 (a number)" in caught.value.problems[1].message


def test_checklist_area_is_a_frozen_record(content: Content) -> None:
    area = content.checklist[0]
    assert isinstance(area, ChecklistArea)
    with pytest.raises(AttributeError):
        area.title = "Changed"  # type: ignore[misc]


def test_a_question_email_does_not_ask_the_same_thing_twice() -> None:
    from scheduler.compose.render import new_points
    from scheduler.inputs.content import load_bundled_content

    # the long read's points restate the one-page prompts, word for word, two prompts in
    # one point, or with VCSE spelt out: none is asked again in the framework's questions
    for question in load_bundled_content().questions.values():
        assert new_points(tuple(question.prompts), tuple(question.points)) == (), question.id
    prompts = ("Who are your stakeholders?", "What are your accountabilities? Who decides?")
    points = (
        "Who are your stakeholders? What are your accountabilities?",  # two prompts in one
        "How do smaller VCSE groups take part?",  # something new: kept, whole
    )
    assert new_points(prompts, points) == ("How do smaller VCSE groups take part?",)
