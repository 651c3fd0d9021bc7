"""The pre-meeting digest: what members said about this cycle's questions.

``build_digest`` reads one cycle (a meeting occurrence) from the archive: its
questions in the order they were sent, every answer to each (attributed by
name and organisation, or not at all when the partnership anonymises), who
has not replied yet, and the cycle's participation picture. Who has not
replied is read from that same picture, so the names listed are exactly the
members its figures count (a member asked who left before the meeting is
said to have left, never counted; see ``participation``). ``digest_context``
turns that into the variables of the ``convenor-digest`` templates.

Anonymised digests name nobody: answers carry no attribution, members' names
and email addresses inside answers are replaced, and those not yet replied
are counted by sector groups large enough to hide a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from markupsafe import Markup

from scheduler.archive.answer_store import AnswerStore
from scheduler.archive.database import Archive, utc_text
from scheduler.archive.member_records import MemberRecords
from scheduler.replies import Sender, author, redact
from scheduler.reports.charts import participation_svg
from scheduler.reports.groups import GroupCount
from scheduler.reports.participation import CycleParticipation, participation
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


@dataclass(frozen=True)
class DigestView:
    partnership: str
    meeting_id: str
    meeting_title: str
    when_text: str
    anonymised: bool
    questions: tuple[DigestQuestion, ...]
    not_replied: tuple[str, ...]  # "Tom Okafor (City Council)", or "2 from the NHS sector"
    prompted: int
    replied: int
    participation: tuple[str, ...]  # sentences about who replied
    flags: tuple[str, ...]
    chart_svg: str  # built here from escaped text; safe to embed

    @property
    def answer_count(self) -> int:
        return sum(len(q.answers) for q in self.questions)


def paragraphs(text: str) -> tuple[tuple[str, ...], ...]:
    """Blank lines split paragraphs; single line breaks stay inside one."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip())
    return tuple(
        tuple(line.rstrip() for line in block.strip("\n").split("\n"))
        for block in blocks
        if block.strip()
    )


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
) -> DigestView:
    if occurrence.tzinfo is None:
        raise ValueError("build_digest needs an aware occurrence")
    questions = cycle_questions(archive, meeting_id, occurrence, anonymise=anonymise)
    picture = participation(
        archive, min_group=min_group, anonymise=anonymise, quiet_cycles=quiet_cycles, zone=zone
    )
    cycle = picture.cycle(meeting_id, datetime.fromisoformat(utc_text(occurrence)))
    if cycle is None:
        summary: list[str] = ["No questions have been sent for this meeting yet."]
        flags: tuple[str, ...] = ()
        not_replied: tuple[str, ...] = ()
        prompted = replied = 0
    else:
        summary = cycle_summary(cycle, min_group)
        flags = cycle.flags + picture.quiet_flags
        prompted, replied = cycle.prompted, cycle.replied
        not_replied = (
            _silent_counts(cycle) if anonymise else tuple(info.named for info in cycle.silent)
        )
    return DigestView(
        partnership=partnership,
        meeting_id=meeting_id,
        meeting_title=meeting_title,
        when_text=when_text,
        anonymised=anonymise,
        questions=questions,
        not_replied=not_replied,
        prompted=prompted,
        replied=replied,
        participation=tuple(summary),
        flags=flags,
        chart_svg=participation_svg(picture, cycle, id_prefix=f"digest-{meeting_id}")
        if cycle is not None
        else "",
    )


def cycle_questions(
    archive: Archive, meeting_id: str, occurrence: datetime, *, anonymise: bool
) -> tuple[DigestQuestion, ...]:
    """One cycle's questions in the order they were sent, each with its answers:
    attributed, or (anonymised) unsigned and cleaned of members' names and addresses."""
    store = AnswerStore(archive)
    when = utc_text(occurrence)
    answers = store.cycle_answers(meeting_id, when)
    names, addresses = everyones_names_and_addresses(archive) if anonymise else ([], [])
    questions = []
    for prompt in store.cycle_questions(meeting_id, when):
        found = tuple(
            DigestAnswer(
                text=anonymous(row["text"], names, addresses, author(row))
                if anonymise
                else row["text"],
                attribution=None if anonymise else f"{row['name']}, {row['organisation']}",
            )
            for row in answers
            if row["question_id"] == prompt["question_id"]
        )
        questions.append(DigestQuestion(prompt["question_id"], prompt["question_text"], found))
    return tuple(questions)


def _silent_counts(cycle: CycleParticipation) -> tuple[str, ...]:
    whole = len(cycle.by_sector) == 1 and cycle.by_sector[0].merged
    if cycle.withheld or whole:
        silent = cycle.prompted - cycle.replied
        return (f"{silent} member" + ("" if silent == 1 else "s"),) if silent else ()
    return tuple(f"{_plural(g)} from {g.phrase}" for g in cycle.by_sector if g.prompted > g.replied)


def _plural(group: GroupCount) -> str:
    silent = group.prompted - group.replied
    return f"{silent} member" + ("" if silent == 1 else "s")


def digest_context(view: DigestView) -> dict[str, Any]:
    """The ``convenor-digest`` templates' variables (the renderer adds the convenor's)."""
    return {
        "partnership": view.partnership,
        "meeting_title": view.meeting_title,
        "when_text": view.when_text,
        "anonymised": view.anonymised,
        "questions": [
            {
                "number": number,
                "text": q.text,
                "answers": [
                    {"paragraphs": a.paragraphs, "attribution": a.attribution} for a in q.answers
                ],
            }
            for number, q in enumerate(view.questions, start=1)
        ],
        "answer_count": view.answer_count,
        "prompted": view.prompted,
        "replied": view.replied,
        "not_replied": list(view.not_replied),
        "participation": list(view.participation),
        "flags": list(view.flags),
        # Built by participation_svg, which escapes every text it draws.
        "chart_svg": Markup(view.chart_svg),  # noqa: S704
    }
