"""The pre-meeting digest: what members said about this cycle's questions.

``build_digest`` reads one cycle (a meeting occurrence) from the archive: its
questions in the order they were sent, every answer to each (attributed by
name and organisation, or not at all when the partnership anonymises, or when
the question is one of the ``private`` checklist areas), and the cycle's
participation figures. ``digest_context`` turns that into the variables of the
``convenor-digest`` templates, each long answer folded (``folding``).

A digest may go to every member, so it never names who has not replied: its
figures are always the anonymised picture (groups large enough to hide a
person, quiet members counted, not named; see ``participation``). Who has not
replied is for the convenor alone, not for this email.

An answer shown without a name carries no attribution, and members' names and
email addresses inside it are replaced.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from markupsafe import Markup

from scheduler.archive.answer_store import AnswerStore
from scheduler.archive.database import Archive, utc_text
from scheduler.archive.member_records import MemberRecords
from scheduler.inputs.content import CHECKLIST
from scheduler.replies import Sender, author, redact
from scheduler.reports.charts import participation_svg
from scheduler.reports.folding import PHONE_LINE, fold
from scheduler.reports.folding import paragraphs as paragraphs
from scheduler.reports.participation import participation
from scheduler.reports.participation_words import cycle_summary

NAME_REPLACEMENT = "[a member]"
ADDRESS_REPLACEMENT = "[address]"
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class DigestAnswer:
    text: str
    attribution: str | None  # "Tom Okafor, City Council", or None when anonymised

    @property
    def paragraphs(self) -> tuple[tuple[str, ...], ...]:
        """The member's paragraphs, each a tuple of its lines, as they wrote them."""
        return paragraphs(self.text)


@dataclass(frozen=True)
class DigestQuestion:
    question_id: str
    text: str
    answers: tuple[DigestAnswer, ...]
    unnamed: bool = False  # its answers are shown without names (anonymised, or a private area)


@dataclass(frozen=True)
class DigestView:
    partnership: str
    meeting_id: str
    meeting_title: str
    when_text: str
    anonymised: bool
    questions: tuple[DigestQuestion, ...]
    prompted: int
    replied: int
    participation: tuple[str, ...]  # sentences about who replied
    flags: tuple[str, ...]
    chart_svg: str  # built here from escaped text; safe to embed

    @property
    def answer_count(self) -> int:
        return sum(len(q.answers) for q in self.questions)


def anonymous(text: str, names: list[str], addresses: list[str], writer: Sender) -> str:
    """An answer fit to show without its author: every member's name and address taken
    out, and the author's first names, initials and phone numbers too."""
    return redact(scrub_identities(text, names, addresses), writer)


def scrub_identities(text: str, names: list[str], addresses: list[str]) -> str:
    """Members' names and any email address in ``text`` replaced."""
    for address in sorted(addresses, key=len, reverse=True):
        if address:
            text = re.sub(re.escape(address), ADDRESS_REPLACEMENT, text, flags=re.IGNORECASE)
    text = _ADDRESS.sub(ADDRESS_REPLACEMENT, text)
    for name in sorted(names, key=len, reverse=True):
        if name.strip():
            pattern = r"(?<!\w)" + re.escape(name.strip()).replace(r"\ ", r"\s+") + r"(?!\w)"
            text = re.sub(pattern, NAME_REPLACEMENT, text, flags=re.IGNORECASE)
    return text


def everyones_names_and_addresses(archive: Archive) -> tuple[list[str], list[str]]:
    """Every member's name and address, to keep them out of anonymous text."""
    pairs = MemberRecords(archive).names_and_addresses()
    return [name for name, _ in pairs], [address for _, address in pairs]


def build_digest(
    archive: Archive,
    *,
    partnership: str,
    meeting_id: str,
    meeting_title: str,
    occurrence: datetime,
    when_text: str,
    anonymise: bool,
    min_group: int = 3,
    quiet_cycles: int = 3,
    zone: tzinfo | None = None,
    private: Collection[str] = (),
) -> DigestView:
    """One cycle's digest. ``private``: question ids (checklist areas) whose answers are
    shown without names even when ``anonymise`` is off."""
    if occurrence.tzinfo is None:
        raise ValueError("build_digest needs an aware occurrence")
    questions = cycle_questions(
        archive, meeting_id, occurrence, anonymise=anonymise, private=private
    )
    # Always the anonymised picture: a digest may go to everyone (module docstring).
    picture = participation(
        archive, min_group=min_group, anonymise=True, quiet_cycles=quiet_cycles, zone=zone
    )
    cycle = picture.cycle(meeting_id, datetime.fromisoformat(utc_text(occurrence)))
    if cycle is None:
        summary: list[str] = ["No questions have been sent for this meeting yet."]
        flags: tuple[str, ...] = ()
        prompted = replied = 0
    else:
        summary = cycle_summary(cycle, min_group)
        flags = cycle.flags + picture.quiet_flags
        prompted, replied = cycle.prompted, cycle.replied
    return DigestView(
        partnership=partnership,
        meeting_id=meeting_id,
        meeting_title=meeting_title,
        when_text=when_text,
        anonymised=anonymise,
        questions=questions,
        prompted=prompted,
        replied=replied,
        participation=tuple(summary),
        flags=flags,
        chart_svg=participation_svg(picture, cycle, id_prefix=f"digest-{meeting_id}")
        if cycle is not None
        else "",
    )


def cycle_questions(
    archive: Archive,
    meeting_id: str,
    occurrence: datetime,
    *,
    anonymise: bool,
    private: Collection[str] = (),
) -> tuple[DigestQuestion, ...]:
    """One cycle's questions in the order they were sent, each with its answers:
    attributed, or (anonymised, or a ``private`` question) unsigned and cleaned of
    members' names and addresses."""
    store = AnswerStore(archive)
    when = utc_text(occurrence)
    answers = store.cycle_answers(meeting_id, when)
    prompts = store.cycle_questions(meeting_id, when)
    # an answer to the whole checklist (naming no part) may be about a private area
    private = {*private, CHECKLIST} if private else set()
    unnamed_ids = {p["question_id"] for p in prompts if anonymise or p["question_id"] in private}
    names, addresses = everyones_names_and_addresses(archive) if unnamed_ids else ([], [])
    questions = []
    for prompt in prompts:
        unnamed = prompt["question_id"] in unnamed_ids
        found = tuple(
            DigestAnswer(
                text=anonymous(row["text"], names, addresses, author(row))
                if unnamed
                else row["text"],
                attribution=None if unnamed else f"{row['name']}, {row['organisation']}",
            )
            for row in answers
            if row["question_id"] == prompt["question_id"]
        )
        if unnamed:  # not in the order the named parts list members: that would name them
            found = tuple(sorted(found, key=lambda a: hashlib.sha256(a.text.encode()).digest()))
        questions.append(
            DigestQuestion(prompt["question_id"], prompt["question_text"], found, unnamed)
        )
    return tuple(questions)


def _answer_context(answer: DigestAnswer, fold_lines: int) -> dict[str, Any]:
    folded = fold(answer.text, lines=fold_lines, width=PHONE_LINE)
    return {
        "paragraphs": folded.shown,
        "rest": folded.rest,
        "rest_words": folded.rest_words,
        "attribution": answer.attribution,
    }


def digest_context(view: DigestView, *, fold_lines: int = 4) -> dict[str, Any]:
    """The ``convenor-digest`` templates' variables (the renderer adds the convenor's);
    each answer longer than ``fold_lines`` phone lines is folded after them."""
    return {
        "partnership": view.partnership,
        "meeting_title": view.meeting_title,
        "when_text": view.when_text,
        "anonymised": view.anonymised,
        "questions": [
            {
                "number": number,
                "text": q.text,
                "unnamed": q.unnamed and not view.anonymised,
                "answers": [_answer_context(a, fold_lines) for a in q.answers],
            }
            for number, q in enumerate(view.questions, start=1)
        ],
        "answer_count": view.answer_count,
        "prompted": view.prompted,
        "replied": view.replied,
        "participation": list(view.participation),
        "flags": list(view.flags),
        # Built by participation_svg, which escapes every text it draws.
        "chart_svg": Markup(view.chart_svg),  # noqa: S704
    }
