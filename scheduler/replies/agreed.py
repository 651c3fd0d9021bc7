"""What a meeting agreed, read line by line from the note-taker's reply (pure).

``read_agreed(text, directory, meeting_start=..., ...)`` turns the trimmed words of
a reply into ``AgreedLine``s, one per line, in order: a **decision** (a line
starting ``Decision:``, ``Agreed:`` or ``We agreed``, or one under a "Decisions"
heading), an **action** with its owner and due date (``Tom to send the draft by
Friday``, ``Action: book the hall (Grace)``, ``Food bank: share the data``), or,
for anything else, a **note** kept as written. Nothing is dropped except
greetings and sign-offs ("Hi Priya,", "Thanks,") and headings, which carry no
content of their own.

An owner is matched to a member (full name, preferred name, or a first name
only one member has) or an organisation (its name, or words all found in only
one organisation's name, so "the food bank lead" is Willenhall Food Bank);
otherwise it is kept as written. A due date is read with ``dateparser`` in the
partnership's locale, relative dates ("in two weeks", "by Friday") counted from
the meeting's start; "by the next meeting" is the next meeting's date, when
there is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .agreed_dates import DATE_WORD, NEXT_MEETING, due_of, local_date

__all__ = ["AgreedLine", "Directory", "Person", "is_greeting", "read_agreed"]

MAX_LINES = 200  # a reply longer than this is kept whole as one note after the first lines
MAX_LINE_CHARS = 1000


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    organisation: str
    preferred_name: str = ""


@dataclass(frozen=True)
class Directory:
    """Who an owner may be: the partnership's members and organisations."""

    people: tuple[Person, ...] = ()

    @property
    def organisations(self) -> tuple[str, ...]:
        return tuple(sorted({p.organisation for p in self.people if p.organisation}))


@dataclass(frozen=True)
class AgreedLine:
    kind: str  # decision | action | note
    text: str  # the line as written (without its bullet)
    owner_text: str = ""  # the owner as written, if a line names one
    owner_email: str = ""  # the member it names, if it names one
    owner_organisation: str = ""  # the member's organisation, or the organisation it names
    due: date | None = None
    due_text: str = ""  # the words the due date was read from


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BULLET = re.compile(r"^\s*(?:[-*•·‣◦>]+|\d{1,2}[.)]|\(?[a-z]\)|\[\s?\]|☐)\s*")
_GREETING = re.compile(
    r"^(?:hi|hello|hiya|dear|morning|good (?:morning|afternoon)|thanks|thank you|many thanks|"
    r"cheers|best|best wishes|kind regards|regards|warm regards|all the best|ta)\b[\w\s,.!:'’-]{0,30}$",
    re.IGNORECASE,
)
_HEADING = re.compile(
    r"^(?:(?:the\s+|key\s+|main\s+)?(?P<what>decisions?|actions?|action points?|actions agreed|"
    r"agreed actions|to ?dos?|next steps|notes?|other notes|what we agreed|agreed)"
    r"(?:\s+(?:agreed|made|from (?:today|the meeting)))?)\s*:?$",
    re.IGNORECASE,
)
_DECISION = re.compile(
    r"^(?:decision(?: made)?|decided|agreed|agreement|consensus|resolved|"
    r"we (?:all )?(?:agreed|decided)|it was (?:agreed|decided))"
    r"(?:\s+that)?\s*(?:[:\-–—]\s*|\s+)",
    re.IGNORECASE,
)
_DECISION_WORDS = re.compile(
    r"\b(?:we (?:will|'ll|shall|agreed|decided)|agreed that|decided that|from now on|"
    r"going forward|will alternate|in future)\b",
    re.IGNORECASE,
)
_ACTION = re.compile(
    r"^(?:action(?: point)?s?|ap|to ?do|next step)\s*(?:\(([^)]{1,60})\))?\s*[:\-–—]\s*",
    re.IGNORECASE,
)
_NOTE = re.compile(r"^(?:note|fyi|noted|n\.?b\.?|info)\s*[:\-–—]\s*", re.IGNORECASE)
_OWNER_VERB = re.compile(
    r"^(?P<owner>[^,:;]{2,70}?)\s+(?:to|will|'ll|is to|are to|has agreed to|have agreed to|"
    r"agreed to|offered to|volunteered to|is going to|are going to|said (?:she|he|they)'?d|"
    r"said (?:she|he|they) would)\s+(?P<rest>\S.*)$",
    re.IGNORECASE,
)
_OWNER_DASH = re.compile(r"^(?P<owner>[^-–—]{2,40}?)\s+[-–—]\s+(?P<rest>\S.*)$")
_OWNER_COLON = re.compile(r"^(?P<owner>[^:]{2,50}):\s*(?P<rest>\S.*)$")
_OWNER_TAIL = re.compile(
    r"(?:\(\s*(?:owner|lead|who|action)?\s*:?\s*(?P<a>[^()]{2,60})\)|\[(?P<b>[^\[\]]{2,60})\]|"
    r"\s[-–—]\s*(?P<c>[^-–—]{2,60})|\b(?:owner|lead|who|actions?)\s*:\s*(?P<d>.{2,60}))\s*\.?$",
    re.IGNORECASE,
)
_NOT_OWNERS = {"we", "it", "this", "that", "there", "they", "meetings", "meeting", "the meeting"}
_SEVERAL = re.compile(r"\s*(?:,|&|\+|/|\band\b|\bwith\b)\s*", re.IGNORECASE)
_SECTION_WORDS = (
    ({"decision", "decisions", "decided"}, "decision"),
    ({"action", "actions", "todo", "todos", "steps", "follow", "tasks"}, "action"),
    ({"note", "notes"}, "note"),
)
_CELLS = re.compile(r"\t+|\s*\|\s*")
_TABLE_HEADINGS = {"action", "actions", "owner", "who", "lead", "due", "by when", "when",
                   "deadline", "date", "status", "what", "item"}  # fmt: skip
_TITLES = {"dr", "prof", "cllr", "mr", "mrs", "ms", "miss", "mx", "rev", "sir", "dame"}
_GROUPS = {"the", "our", "each", "every", "all", "everyone", "everybody", "both"}
_VERBS = _wordset(
    "share send circulate write draft ask talk find look bring set book check invite contact email update review make get arrange organise organize agree confirm speak meet plan prepare follow put add take give create explore map raise call chase visit run hold start try keep let see think"
)
_ROLE_WORDS = _wordset(
    "lead leads team rep reps representative representatives colleague colleagues staff manager managers coordinator co-ordinator worker workers officer officers people partner partners and from at of the our their"
)


def is_greeting(line: str) -> bool:
    """A greeting or sign-off on its own line ("Hi Priya,", "Many thanks,")."""
    return _GREETING.match(line.strip()) is not None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def _match_person(owner: str, directory: Directory) -> Person | None:
    wanted = " ".join(_words(re.sub(r"^(?:the|our)\s+", "", owner, flags=re.IGNORECASE)))
    wanted = re.sub(r"'s$", "", wanted)
    if not wanted:
        return None

    def full(p: Person) -> bool:
        return " ".join(_words(p.name)) == wanted

    def preferred(p: Person) -> bool:
        return bool(p.preferred_name) and " ".join(_words(p.preferred_name)) == wanted

    bare = " ".join(w for w in wanted.split() if w not in _TITLES)  # "Dr Lam" is Lam

    def one_name(p: Person) -> bool:
        words = [w for w in _words(p.name) if w not in _TITLES]
        return bool(bare) and (words[:1] == [bare] or words[-1:] == [bare])

    for test in (full, preferred, one_name):
        found = [p for p in directory.people if test(p)]
        if len(found) == 1:
            return found[0]
        if found:
            return None  # two members answer to this: kept as written
    return None


def _match_organisation(owner: str, directory: Directory) -> str:
    words = [w.removesuffix("'s") for w in _words(owner)]
    wanted = [w for w in words if w not in _ROLE_WORDS]
    if not wanted:
        return ""
    found = []
    for org in directory.organisations:
        org_words = [w.removesuffix("'s") for w in _words(org)]
        initials = "".join(w[0] for w in org_words if w not in ("the", "of", "and"))
        if set(wanted) <= set(org_words) or (len(wanted) == 1 and wanted[0] == initials):
            found.append(org)
    return found[0] if len(found) == 1 else ""


def _owner(candidate: str, directory: Directory, *, strict: bool) -> tuple[str, str, str] | None:
    """(as written, member email, organisation) for a plausible owner, else None.

    ``strict``: the owner must be a member or an organisation (a trailing "- Grace"
    could be anything); otherwise a short phrase that does not start with a verb
    ("All partners", "Dr Lam") is an owner kept as written.
    """
    written = candidate.strip(" .,:;-–—")
    if not written:
        return None
    bare = re.sub(r"\s*\([^)]*\)\s*", " ", written).strip()  # "Grace (food bank)"
    # "Tom and Grace", "Aoife & Dev", "Tom/Grace": the first one named answers for it
    for part in [bare, *_SEVERAL.split(bare)] if bare else []:
        person = _match_person(part, directory)
        if person is not None:
            return written, person.email, person.organisation
        org = _match_organisation(part, directory)
        if org:
            return written, "", org
    if strict:
        return None
    words = _words(written)
    if not words or len(words) > 5 or words[0] in _VERBS or written.lower() in _NOT_OWNERS:
        return None
    if not (written[0].isupper() or words[0] in _GROUPS):
        return None
    return written, "", ""


def read_agreed(
    text: str,
    directory: Directory,
    *,
    meeting_start: datetime,
    next_meeting: date | None = None,
    locale: str = "en-GB",
) -> list[AgreedLine]:
    """Each line of a note-taker's reply as a decision, an action or a note, in order.

    ``meeting_start`` is the meeting's start in the partnership's zone (its wall
    clock is what counts: an aware time is read as the local time it shows):
    relative dates count from it.
    """
    base = meeting_start.replace(tzinfo=None)
    lines = [line.strip() for line in text.replace("\r", "").split("\n")]
    found: list[AgreedLine] = []
    section = ""
    for n, line in enumerate(lines):
        if n >= MAX_LINES:
            rest = "\n".join(x for x in lines[n:] if x)
            if rest:
                found.append(AgreedLine("note", rest[:20_000]))
            break
        line = _BULLET.sub("", line, count=1).strip()
        if not line or _GREETING.match(line):
            continue
        heading = _HEADING.match(line.strip("*_=#~ ").rstrip(" -–—"))
        if heading is None and line.endswith(":") and len(_words(line)) <= 6:
            words = set(_words(line))  # "Here's what we agreed:", "From today's meeting:"
            section = next((k for w, k in _SECTION_WORDS if w & words), section)
            continue
        if heading is not None:
            what = heading["what"].lower()
            section = (
                "note"
                if what.startswith(("note", "other"))
                else ("decision" if what.startswith(("decision", "agreed", "what")) else "action")
            )
            continue
        if _match_person(line, directory) is not None and len(_words(line)) <= 3:
            continue  # a name on its own: the note-taker signing off
        cells = [c.strip() for c in _CELLS.split(line) if c.strip()]
        if len(cells) >= 2:  # a row of a table pasted from minutes: action | owner | due
            if {c.lower().strip(":?") for c in cells} <= _TABLE_HEADINGS:
                continue
            found.append(_table_row(line, cells, directory, base, next_meeting, locale))
            continue
        found.append(_read_line(line[:MAX_LINE_CHARS], section, directory, base,
                                next_meeting, locale))  # fmt: skip
    return found


def _table_row(
    line: str,
    cells: list[str],
    directory: Directory,
    base: datetime,
    next_meeting: date | None,
    locale: str,
) -> AgreedLine:
    """One row of a pasted table: the cell naming someone is the owner, a cell that is a
    date the due date, the rest what is to be done (a row with neither is a note)."""
    owner: tuple[str, str, str] | None = None
    due: date | None = None
    due_text = ""
    for cell in cells[1:]:
        if owner is None and (found := _owner(cell, directory, strict=len(cells) > 3)):
            owner = found
            continue
        when = re.sub(r"^(?:by|before|due)\s+", "", cell, flags=re.IGNORECASE)
        if due is None and NEXT_MEETING.match(when):
            due, due_text = next_meeting, cell
        elif due is None and DATE_WORD.search(when):
            due = local_date(when, base, locale)
            due_text = cell if due else ""
    text = " | ".join(cells) if owner is None and due is None else cells[0]
    if owner is None and due is None:
        return AgreedLine("note", line)
    written, email, org = owner or ("", "", "")
    return AgreedLine("action", text, written, email, org, due, due_text)


def _read_line(
    line: str,
    section: str,
    directory: Directory,
    base: datetime,
    next_meeting: date | None,
    locale: str,
) -> AgreedLine:
    if _NOTE.match(line) is not None:
        return AgreedLine("note", line)
    action = _ACTION.match(line)
    decision = None if action is not None else _DECISION.match(line)
    lead = action or decision
    body = line[lead.end() :] if lead is not None else line
    owner = None
    if action is not None and action.group(1):
        owner = _owner(action.group(1), directory, strict=False)
    if owner is None:
        owner = _owner_of(body, directory, strict=decision is not None)
    if decision is not None and owner is None:
        return AgreedLine("decision", line)
    if action is None and owner is None:
        dated = due_of(line, base, next_meeting, locale)[0] is not None
        verb = _words(line)[:1] != [] and _words(line)[0] in _VERBS
        if section == "action" and (verb or dated):
            pass  # an action nobody was named for: kept, with no owner
        elif (
            section in ("decision", "") and _DECISION_WORDS.search(line)
        ) or section == "decision":
            return AgreedLine("decision", line)
        elif section == "note" or not dated:
            return AgreedLine("note", line)
    due, due_text = due_of(body, base, next_meeting, locale)
    written, email, org = owner or ("", "", "")
    return AgreedLine("action", line, written, email, org, due, due_text)


def _owner_of(body: str, directory: Directory, *, strict: bool) -> tuple[str, str, str] | None:
    """Who a line names as doing it: "Tom - ...", "Tom to ...", "Tom: ...", "... (Tom)"."""
    dash = _OWNER_DASH.match(body)
    if dash is not None and (found := _owner(dash["owner"], directory, strict=True)):
        return found
    front = _OWNER_VERB.match(body)
    if front is not None:
        found = _owner(front["owner"], directory, strict=strict)
        if found is not None:
            return found
    colon = _OWNER_COLON.match(body)
    if colon is not None:
        found = _owner(colon["owner"], directory, strict=True)
        if found is not None:
            return found
    tail = _OWNER_TAIL.search(body)
    if tail is not None:
        candidate = next(g for g in tail.groups() if g)
        if (found := _owner(candidate, directory, strict=True)) is not None:
            return found
    for bracket in re.finditer(r"\(([^()]{2,60})\)", body):  # "(Kwame) by 30/7"
        if (found := _owner(bracket.group(1), directory, strict=True)) is not None:
            return found
    return None


def people_of(rows: Sequence[tuple[str, str, str, str]]) -> Directory:
    """A directory from (email, name, organisation, preferred name) rows."""
    return Directory(tuple(Person(e, n, o, p) for e, n, o, p in rows))
