"""What a prompt asks: a framework question, a checklist area, or one of our own.

The product asks two questions of its own (getting to know a newcomer, a
leaver's handover note); the rest come from the framework in ``content/``.
"""

from __future__ import annotations

from typing import Any

from scheduler.compose.wording import new_points
from scheduler.inputs.content import CHECKLIST, GETTING_TO_KNOW_YOU, OWN_QUESTIONS, Content


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
    if qid == CHECKLIST:
        return "checklist", {
            "question_text": "The partnership checklist",
            "question_number": None,
            "prompts": [],
            "points": [],
            "resources": [],
            "source": content.checklist[0].source if content.checklist else "",
            "is_checklist": True,
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


def checklist_parts(
    content: Content, area_ids: tuple[str, ...], numbers: tuple[int, ...] = ()
) -> dict[str, Any]:
    """The checklist's areas as one email's numbered parts, with each area's title and
    questions in the content's words: numbered 1, 2, ... in the order given, or by
    ``numbers`` (a reminder of parts 2 and 5 keeps the numbers its email gave them)."""
    areas = {area.id: area for area in content.checklist}
    parts = [
        {
            "number": numbers[n] if n < len(numbers) else n + 1,
            "id": area.id,
            "title": area.title,
            "question_text": f"Partnership checklist: {area.title}",
            "questions": list(area.questions),
        }
        for n, area in enumerate(areas[qid] for qid in area_ids if qid in areas)
    ]
    return {"parts": parts}
