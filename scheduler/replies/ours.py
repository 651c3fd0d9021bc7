"""What the service knows about the prompts it sends, without being told which one.

``reflect parse-reply FILE`` and any caller that does not pass ``prompt_text``
still know the shape of our own prompt emails: the templates in
``templates/email/`` and the framework's questions in ``content/``. Their
words (every question, point to consider and fixed sentence) make an
*inferred prompt*: a line of an unquoted Outlook original that is a phrase of
it is ours, and the lines around it that are not are the member's.

The variable lines of the template ("Dear Aoife O'Brien,", "Ahead of the
Reflection point on ..., here is this cycle's question for ...", the
convenor's closing line and the footer) are recognised by their shape.
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib.resources import files

_TEMPLATES = (
    "member-prompt.txt",
    "member-prompt.html",
    "member-reminder.txt",
    "member-checklist.txt",
    "member-checklist-reminder.txt",
    "_layout.html",
)
_JINJA = re.compile(r"\{[{%#].*?[}%#]\}", re.S)
_TAGS = re.compile(r"<[^<>]{0,500}>")

# Lines of our prompt whose wording depends on the member, meeting or partnership.
TEMPLATE_LINES = re.compile(
    r"^\s*(?:"
    r"(?:dear|hello|hi)\s[^,]{1,80},"
    r"|ahead\s+of\s+the\s.{1,160},\s+here\s+is\s.{1,200}\."
    r"|.{1,80}\schairs\s+this\s+one\s+and\s.{1,80}\stakes\s+the\s+notes\."
    r"|question\s+from:\s.{1,300}"
    r"|to\s+help\s+us\s+get\s+to\s+know\s+you,\s+here\s+is\s+a\s+first\s+question\..{0,300}"
    r"|a\s+gentle\s+reminder,\s+in\s+case\s.{1,400}"
    r"|so\s+are\s+these,\s+which\s+came\s+in\s+their\s+own\s+emails.{0,400}"
    r"|[A-Z][^,.!?]{1,60},\s+for\s+[A-Z][^.!?]{1,80}"
    r"|.{1,80}\s+(?:·|&middot;)\s+convened\s+by\s.{1,160}"
    r"|[*•·◦▪-]"
    r")\s*$",
    re.IGNORECASE,
)


# The first line of each prompt: the marker comes a sentence or two after it.
OPENING_GREETING = re.compile(r"^\s*dear\s[^,]{1,80},\s*$", re.IGNORECASE)


# Sentences render.py writes into a prompt's introduction (not in a template file).
_INTRO_SENTENCES = (
    "To help us get to know you, here is a first question.",
    "Your answer is kept in the partnership's archive and shared with the others as "
    "your introduction, as you agreed.",
    "Your answer is kept in the partnership's archive; it is shared with the convenor only.",
)


def _strip_markup(text: str) -> str:
    text = _JINJA.sub(" ", text)
    text = _TAGS.sub("\n", text)
    return html.unescape(text)


@cache
def bundled_prompt_text() -> str:
    """Every fixed sentence and framework text our prompt emails can carry."""
    pieces: list[str] = list(_INTRO_SENTENCES)
    folder = files("scheduler") / "templates" / "email"
    for name in _TEMPLATES:
        try:
            pieces.append(_strip_markup((folder / name).read_text(encoding="utf-8")))
        except OSError:
            continue
    from scheduler.inputs.content import OWN_QUESTIONS, load_bundled_content

    try:
        content = load_bundled_content()
    except Exception:  # the trimmer must work even if content cannot be read
        content = None
    if content is not None:
        for question in content.questions.values():
            pieces.append(question.text)
            pieces.extend(question.prompts)
            pieces.extend(question.points)
            pieces.extend(f"{r.title}: {r.description}" for r in question.resources)
            pieces.append(question.source)
        for area in content.checklist:
            pieces.append(area.title)
            pieces.extend(area.questions)
            pieces.append(area.source)
    for title, prompts in OWN_QUESTIONS.values():
        pieces.append(title)
        pieces.extend(prompts)
    return "\n".join(pieces)
