"""What a prompt asks: a framework question, a checklist area, or one of our own.

The product asks two questions of its own (getting to know a newcomer, a
leaver's handover note); the rest come from the framework in ``content/``.
"""

from __future__ import annotations

from typing import Any

from scheduler.compose.wording import new_points
from scheduler.inputs.content import GETTING_TO_KNOW_YOU, OWN_QUESTIONS, Content


def question_context(content: Content, qid: str) -> tuple[str, dict[str, Any]]:
    """(prompt kind, template variables) for one question, checklist area or own question."""
    if qid in OWN_QUESTIONS:
        text, prompts = OWN_QUESTIONS[qid]
        kind = "getting_to_know_you" if qid == GETTING_TO_KNOW_YOU else "handover"
        return kind, {
            "question_text": text,
            "question_number": None,
            "prompts": list(prompts),
            "points": [],
            "resources": [],
            "source": "",
            "is_checklist": False,
        }
    if qid in content.questions:
        q = content.questions[qid]
        return "question", {
            "question_text": q.text,
            "question_number": q.number,
            "prompts": list(q.prompts),
            "points": list(new_points(tuple(q.prompts), tuple(q.points))),
            "resources": [{"title": r.title, "description": r.description} for r in q.resources],
            "source": q.source,
            "is_checklist": False,
        }
    area = next(a for a in content.checklist if a.id == qid)
    return "checklist", {
        "question_text": f"Partnership checklist: {area.title}",
        "question_number": None,
        "prompts": list(area.questions),
        "points": [],
        "resources": [],
        "source": area.source,
        "is_checklist": True,
    }
