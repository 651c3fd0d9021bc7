"""Filing a proved answer: to its prompt, or, when the email asked several (the
governance checklist's numbered parts), to each part the member answered by number.

The reply has already been read and proved like any other (``ingest.py``); this only
decides which prompt rows its words are filed under, each exactly as a one-question
reply is filed (``AnswerStore.record_answer``), so digests, participation, reports and
exports read them unchanged. An email of old archives asked one question: filed as
before.

A reply that names no part: if one part of the email is still unanswered, it is that
part's answer (the member replied to what was left, or to a reminder of it). Otherwise
it is filed whole under the email's own prompt, "the partnership checklist", made then
(``AnswerStore.whole_email_prompt``): never under an area it may not be about, and
shown in the digest after the parts. Words before the first number go there too,
unless they only introduce the list ("My answers:").
"""

from __future__ import annotations

from datetime import datetime

from scheduler.archive.answer_store import AnswerStore
from scheduler.archive.sent_store import CarriedPrompt, MatchedPrompt, SentStore
from scheduler.replies.parts import is_introduction, split_parts

WHOLE_TEXT = "The partnership checklist (answers naming no part)"
PREFIX = "Partnership checklist: "


def file_answer(
    answers: AnswerStore,
    sent: SentStore,
    inbound_id: int,
    prompt: MatchedPrompt,
    text: str,
    now: datetime,
) -> None:
    """File ``text`` (the member's own words) under the prompt or prompts it answers."""
    parts = _parts(sent, prompt)
    if len(parts) < 2 or prompt.outbox_id is None:
        answers.record_answer(inbound_id, prompt.id, prompt.member_id, prompt.kind, text, now)
        return
    titles = [p.question_text.removeprefix(PREFIX) for p in parts]
    split = split_parts(text, titles)
    for number, words in split.by_number.items():
        part = parts[number - 1]
        answers.record_answer(inbound_id, part.id, prompt.member_id, "checklist", words, now)
    rest = split.rest
    if not split.by_number:
        still_open = [p for p in parts if not p.answered]
        if len(still_open) == 1:
            part = still_open[0]
            answers.record_answer(inbound_id, part.id, prompt.member_id, "checklist", rest, now)
            return
    elif is_introduction(rest):
        rest = ""
    if rest:
        whole, kind = answers.whole_email_prompt(prompt.outbox_id, WHOLE_TEXT)
        answers.record_answer(inbound_id, whole, prompt.member_id, kind, rest, now)


def _parts(sent: SentStore, prompt: MatchedPrompt) -> list[CarriedPrompt]:
    """The numbered parts the email asked, in their numbering (not the whole's prompt)."""
    if prompt.outbox_id is None or prompt.kind != "checklist":
        return []
    return sent.carried_prompts(prompt.outbox_id)
