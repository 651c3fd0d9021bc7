"""How the emails say things: dates, times, rhythms, time zones, paragraphs.

Small pure helpers the renderer and the calendar mail share; none of them
knows about a particular message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher
from email.headerregistry import Address
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.calendar.rules import parse_rule
from scheduler.inputs.config import Config, Meeting
from scheduler.plan.state import HeldBack
from scheduler.safety import printable

# what a held message seems to be (``inbound.held`` kinds), in the quarantine notice's words
SEEMS = {
    "answer": "an answer",
    "rsvp": "a calendar reply",
    "bounce": "a delivery report",
    "other": "something else",
}
SEEMS_PLURAL = {"answer": "answers", "rsvp": "calendar replies", "bounce": "delivery reports"}


def spoken_when(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as the emails write it, in the partnership's zone: Tuesday 5 January 2027 at 09:00."""
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


# Words before a name that are not what anyone is called in a greeting.
_TITLES = frozenset(
    {
        "dr", "mr", "mrs", "ms", "mx", "miss", "prof", "professor", "cllr", "councillor",
        "rev", "revd", "reverend", "sir", "dame", "lord", "lady", "fr", "father", "sister",
    }
)  # fmt: skip


def greeting_name(name: str, preferred: str = "") -> str:
    """What a member is called after "Dear": their preferred name, or the first word of
    their name that is not a title ("Dr Peter Lam" is Peter). A name made only of titles
    is left whole."""
    if preferred.strip():
        return " ".join(preferred.split())
    words = name.split()
    for word in words:
        if word.strip(".").casefold() not in _TITLES:
            return word
    return " ".join(words)


def short_day(moment: datetime, zone: ZoneInfo) -> str:
    """A meeting's day as a subject line says it, in the partnership's zone: Tue 2 Mar."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}"


def held_at(meeting: Meeting, occurrence: datetime, zone: ZoneInfo) -> datetime:
    """When an occurrence (by its original start) is held: moved, or as planned."""
    moved = dict(meeting.moved).get(occurrence.astimezone(zone).replace(tzinfo=None))
    return moved.replace(tzinfo=zone) if moved else occurrence


def long_day(moment: datetime) -> str:
    """A called-off date as a subject line says it: Tuesday 6 July 2027."""
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


@lru_cache(maxsize=64)
def new_points(prompts: tuple[str, ...], points: tuple[str, ...]) -> tuple[str, ...]:
    """The long read's points that the one-page prompts do not already ask.

    The framework's points mostly restate its prompts word for word or
    nearly, sometimes two prompts in one point or one prompt's sentences
    apart. A point is kept only if one of its sentences is unlike every
    sentence of the prompts, so an email does not ask the same thing twice.
    """

    def sentences(text: str) -> list[str]:
        spelt_out = re.sub(r"\bVCSE\b", "voluntary, community and social enterprise", text)
        found = (" ".join(re.findall(r"[a-z0-9]+", s.lower())) for s in _SENTENCE.split(spelt_out))
        return [s for s in found if s]

    asked = [s for prompt in prompts for s in sentences(prompt)]

    def already_asked(sentence: str) -> bool:
        return any(SequenceMatcher(None, sentence, a).ratio() >= 0.75 for a in asked)

    return tuple(p for p in points if not all(already_asked(s) for s in sentences(p)))


_SENTENCE = re.compile(r"(?<=[?.!])\s+")


def zone_label(tz_name: str) -> str:
    """A time zone as people say it: "London time", "New York time"; UTC as it is."""
    place = tz_name.rsplit("/", 1)[-1].replace("_", " ")
    return "UTC" if tz_name in ("UTC", "Etc/UTC") else f"{place} time"


def long_date(day: date) -> str:
    """A date as the emails write it: 8 February 2027."""
    return f"{day.day} {day:%B %Y}"


@lru_cache(maxsize=4096)
def address(*, display_name: str, addr_spec: str) -> Address:
    """An ``Address`` (immutable), made once per sender and member: parsing one costs ~0.1 ms."""
    return Address(display_name=display_name, addr_spec=addr_spec)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def localize_first(meeting: Meeting, config: Config) -> datetime:
    return meeting.first.replace(tzinfo=config.partnership.zone)


def meeting_from_definition(meeting_id: str, d: Mapping[str, Any]) -> Meeting:
    return Meeting(
        id=meeting_id,
        kind=str(d["kind"]),
        title=str(d["title"]),
        first=datetime.fromisoformat(str(d["first"])),
        duration=timedelta(minutes=int(d["duration_minutes"])),
        rrule=d.get("rrule"),
        location=str(d.get("location", "")),
        description=str(d.get("description", "")),
        cancelled=tuple(datetime.fromisoformat(c) for c in d.get("cancelled", [])),
        moved=tuple(
            (datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in d.get("moved", [])
        ),
    )


_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
         "SA": "Saturday", "SU": "Sunday"}  # fmt: skip


UTC_ZONE = ZoneInfo("UTC")  # only UNTIL needs a zone, and the wording does not say it


def describe_rhythm(meeting: Meeting) -> str:
    """The rule in a convenor's words: "every 6 weeks on Tuesday"."""
    if not meeting.rrule:
        return f"once, on {meeting.first:%A} {meeting.first.day} {meeting.first:%B %Y}"
    rule = parse_rule(meeting.rrule, UTC_ZONE)  # the one reading of a rule (calendar/rules.py)
    interval = int(rule.get("INTERVAL") or "1")
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}.get(
        rule.get("FREQ") or "", "time"
    )
    every = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    byday = rule.get("BYDAY")
    if byday:
        m = re.fullmatch(r"([+-]?\d)?([A-Z]{2})", byday.split(",")[0])
        if m and m.group(1):
            return (
                f"{every}, on the {_ORDINALS.get(int(m.group(1)), m.group(1))} {_DAYS[m.group(2)]}"
            )
        days = [_DAYS.get(d[-2:], d) for d in byday.split(",")]
        return f"{every} on {', '.join(days)}"
    if unit == "week":
        return f"{every} on {meeting.first:%A}"
    return every


def intent_pair_key(round_key: str, a: str, b: str) -> str:
    """One calendar UID for both people's copy of a conversation."""
    first, second = sorted((a, b))
    return hashlib.sha256(f"{round_key}\x1f{first}\x1f{second}".encode()).hexdigest()[:24]


def held_item(h: HeldBack) -> dict[str, Any]:
    """One message held back, as the quarantine notice lists it: a stranger's words
    shown for what they are, each on its one line."""
    return {
        "id": h.inbound_id,
        "sender": printable(h.sender or "an unreadable address", 120),
        "subject": printable(h.subject, 120),
        "seems": SEEMS.get(h.seems, "a message"),
        "reason": printable(h.reason, 500),
        "lines": [printable(line, 200) for line in h.first_lines],
        "accept": h.seems in ("answer", "rsvp"),
        "vouch": h.seems == "rsvp" and "on behalf of" in h.reason,
    }
