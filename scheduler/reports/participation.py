"""Who is being heard: replies by sector and organisation, per cycle and over time.

A *cycle* is one occurrence of a meeting that had questions sent for it
(``prompts.meeting_id`` and ``prompts.occurrence``). A member *replied* when
any of their questions for that cycle has an answer (a forgotten member's
erased answer still counts). Who a cycle *counts* (its figures, its named
non-repliers, its sector flags and the quiet-member streaks):

* only members a question for it was actually sent to (``outbox.status = 'sent'``);
* of those, only members still in the partnership on the day of the meeting,
  as the membership history records it (``membership_events``, or the
  member's ``joined`` and ``left_on`` where there is none): someone asked who
  has left by then is listed as asked-but-left, not counted;
* and a member who joined after the cycle's question first went out (so got
  it late) counts only once they reply: they are never a non-replier.

Days are the partnership's calendar days when a ``zone`` is given, else UTC.

``participation`` reads the archive once (through ``ParticipationStore``) and
hands plain rows to ``summarise``, which is pure; ``groups`` holds the
counts by sector and organisation, ``participation_words`` and ``charts``
say and draw the result. In anonymised mode no figure is shown for a
group too small to hide a person (fewer than ``min_group`` members asked):
small groups are merged, and if even the merged group is too small it is
folded into the smallest large group, so no group can be worked out by
subtraction either. Flags then speak only of the merged groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from scheduler.archive.database import Archive
from scheduler.archive.participation_queries import ParticipationStore
from scheduler.reports.groups import (
    GroupCount,
    merge_organisations,
    merge_sectors,
    organisation_groups,
    protect,
    sector_groups,
)


@dataclass(frozen=True)
class PromptedRow:
    """One member asked in one cycle, and whether they replied."""

    meeting_id: str
    occurrence: datetime  # aware UTC, the occurrence's original start
    member_id: int
    replied: bool
    sent_at: datetime | None = None  # aware, when their first question for the cycle went out


# One spell of membership: from the day they joined, until the day they left
# (no longer a member that day, as ``Member.is_active`` has it), or still open.
Spell = tuple[date | None, date | None]


@dataclass(frozen=True)
class MemberInfo:
    id: int
    name: str
    organisation: str
    sector: str
    status: str
    spells: tuple[Spell, ...] = ((None, None),)  # a member throughout, unless told otherwise
    forgotten: bool = False  # erased at their request: counted still, named by number only

    def member_on(self, day: date) -> bool:
        return any(
            (start is None or start <= day) and (end is None or day < end)
            for start, end in self.spells
        )

    def left_by(self, day: date) -> date | None:
        """The day they last left on or before ``day``."""
        ends = [end for _start, end in self.spells if end is not None and end <= day]
        return max(ends, default=None)

    @property
    def named(self) -> str:
        """How a list of members names them: "Tom Okafor (City Council)"."""
        return self.name if self.forgotten else f"{self.name} ({self.organisation})"


@dataclass(frozen=True)
class CycleParticipation:
    meeting_id: str
    meeting_title: str
    occurrence: datetime  # aware UTC
    prompted: int
    replied: int
    by_sector: tuple[GroupCount, ...]
    by_organisation: tuple[GroupCount, ...]
    withheld: bool  # anonymised and too few members asked to show anything
    flags: tuple[str, ...]
    # Counted but no reply yet, by name (the digest lists them unless anonymised).
    silent: tuple[MemberInfo, ...] = ()
    # Asked, but had left by the meeting: not counted. With the day they left.
    left: tuple[tuple[MemberInfo, date | None], ...] = ()
    # Joined after the question went out and not replied: not counted.
    late: tuple[MemberInfo, ...] = ()
    anonymised: bool = False

    @property
    def percent(self) -> int:
        return round(100 * self.replied / self.prompted) if self.prompted else 0

    def title(self, zone: tzinfo | None = None) -> str:
        when = self.occurrence.astimezone(zone) if zone else self.occurrence
        return f"{self.meeting_title}, {when.day} {when:%b %Y}"


@dataclass(frozen=True)
class Participation:
    cycles: tuple[CycleParticipation, ...]  # oldest first
    quiet_flags: tuple[str, ...]
    anonymised: bool
    min_group: int
    quiet_cycles: int

    @property
    def latest(self) -> CycleParticipation | None:
        return self.cycles[-1] if self.cycles else None

    @property
    def flags(self) -> tuple[str, ...]:
        """What a convenor should notice now: the latest cycle's gaps, then quiet members."""
        latest = self.latest
        return (latest.flags if latest else ()) + self.quiet_flags

    def cycle(self, meeting_id: str, occurrence: datetime) -> CycleParticipation | None:
        for cycle in self.cycles:
            if cycle.meeting_id == meeting_id and cycle.occurrence == occurrence:
                return cycle
        return None


# ---------------------------------------------------------------- reading


def read_rows(archive: Archive) -> tuple[list[PromptedRow], dict[int, MemberInfo], dict[str, str]]:
    """The sent cycle questions, the members with their history, and the meeting titles."""
    store = ParticipationStore(archive)
    rows = [
        PromptedRow(
            meeting_id=row["meeting_id"],
            occurrence=datetime.fromisoformat(row["occurrence"]),
            member_id=row["member_id"],
            replied=bool(row["replied"]),
            sent_at=datetime.fromisoformat(row["sent_at"]) if row["sent_at"] else None,
        )
        for row in store.sent_cycle_questions()
    ]
    events: dict[int, list[tuple[str, date]]] = {}
    for row in store.membership_events():
        events.setdefault(row["member_id"], []).append(
            (row["kind"], date.fromisoformat(row["on_date"][:10]))
        )
    members = {
        row["id"]: MemberInfo(
            row["id"],
            row["name"],
            row["organisation"],
            row["sector"],
            row["status"],
            membership_spells(
                events.get(row["id"], []),
                joined=_day(row["joined"]),
                left_on=_day(row["left_on"]) if row["status"] == "left" else None,
            ),
            forgotten=bool(row["forgotten_at"]),
        )
        for row in store.members()
    }
    return rows, members, store.meeting_titles()


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def membership_spells(
    events: Sequence[tuple[str, date]], *, joined: date | None, left_on: date | None
) -> tuple[Spell, ...]:
    """A member's spells from their ``joined``/``left``/``rejoined`` events, in date order.

    With no events (an archive written without them) the member row's own
    ``joined`` and ``left_on`` make the one spell.
    """
    if not events:
        return ((joined, left_on),)
    spells: list[Spell] = []
    start: date | None = None
    inside = False
    for kind, on in events:
        if kind in ("joined", "rejoined") and not inside:
            start, inside = on, True
        elif kind == "left" and inside:
            spells.append((start, on))
            inside = False
    if inside:
        spells.append((start, None))
    return tuple(spells)


def participation(
    archive: Archive,
    *,
    min_group: int = 3,
    anonymise: bool = False,
    quiet_cycles: int = 3,
    zone: tzinfo | None = None,
) -> Participation:
    rows, members, titles = read_rows(archive)
    return summarise(
        rows,
        members,
        titles,
        min_group=min_group,
        anonymise=anonymise,
        quiet_cycles=quiet_cycles,
        zone=zone,
    )


# ---------------------------------------------------------------- the pure part


def summarise(
    rows: Iterable[PromptedRow],
    members: dict[int, MemberInfo],
    titles: dict[str, str],
    *,
    min_group: int = 3,
    anonymise: bool = False,
    quiet_cycles: int = 3,
    zone: tzinfo | None = None,
) -> Participation:
    by_cycle: dict[tuple[datetime, str], dict[int, bool]] = {}
    first_sent: dict[tuple[datetime, str], datetime] = {}
    for row in rows:
        key = (row.occurrence, row.meeting_id)
        asked = by_cycle.setdefault(key, {})
        asked[row.member_id] = asked.get(row.member_id, False) or row.replied
        if row.sent_at is not None and (key not in first_sent or row.sent_at < first_sent[key]):
            first_sent[key] = row.sent_at
    cycles = []
    counted_by_cycle = []
    for occurrence, meeting_id in sorted(by_cycle):
        asked = by_cycle[(occurrence, meeting_id)]
        went_out = first_sent.get((occurrence, meeting_id), occurrence)
        cycle = _cycle(
            meeting_id,
            titles.get(meeting_id, meeting_id),
            occurrence,
            asked,
            members,
            meeting_day=_local_day(occurrence, zone),
            question_day=_local_day(went_out, zone),
            min_group=min_group,
            anonymise=anonymise,
        )
        cycles.append(cycle)
        counted_by_cycle.append(_counted(asked, cycle))
    quiet = _quiet_flags(counted_by_cycle, members, quiet_cycles=quiet_cycles, anonymise=anonymise)
    return Participation(tuple(cycles), quiet, anonymise, min_group, quiet_cycles)


def _local_day(moment: datetime, zone: tzinfo | None) -> date:
    return moment.astimezone(zone or UTC).date()


def _info(members: dict[int, MemberInfo], member_id: int) -> MemberInfo:
    return members.get(member_id) or MemberInfo(
        member_id, f"member #{member_id}", "Unknown", "other", "left"
    )


def _counted(asked: dict[int, bool], cycle: CycleParticipation) -> dict[int, bool]:
    """The members a cycle counts, and whether each replied."""
    left_out = {info.id for info, _on in cycle.left} | {info.id for info in cycle.late}
    return {mid: replied for mid, replied in asked.items() if mid not in left_out}


def _by_name(info: MemberInfo) -> tuple[str, int]:
    return (info.name.casefold(), info.id)


def _cycle(
    meeting_id: str,
    title: str,
    occurrence: datetime,
    asked: dict[int, bool],
    members: dict[int, MemberInfo],
    *,
    meeting_day: date,
    question_day: date,
    min_group: int,
    anonymise: bool,
) -> CycleParticipation:
    sectors: dict[str, list[bool]] = {}
    organisations: dict[str, list[bool]] = {}
    silent: list[MemberInfo] = []
    left: list[tuple[MemberInfo, date | None]] = []
    late: list[MemberInfo] = []
    prompted = replied = 0
    for member_id, answered in asked.items():
        info = _info(members, member_id)
        if not info.member_on(meeting_day):
            left.append((info, info.left_by(meeting_day)))
            continue
        if not answered and not info.member_on(question_day):
            late.append(info)  # joined since the question went out: not a non-replier
            continue
        prompted += 1
        replied += answered
        if not answered:
            silent.append(info)
        sectors.setdefault(info.sector, []).append(answered)
        organisations.setdefault(info.organisation, []).append(answered)
    by_sector = sector_groups(sectors)
    by_org = organisation_groups(organisations)
    withheld = anonymise and prompted < min_group
    if anonymise:
        by_sector = [] if withheld else protect(by_sector, min_group, merge_sectors)
        by_org = [] if withheld else protect(by_org, min_group, merge_organisations)
    flags = tuple(
        f"No reply from {group.phrase} this cycle"
        for group in by_sector
        if group.prompted and not group.replied
    )
    return CycleParticipation(
        meeting_id=meeting_id,
        meeting_title=title,
        occurrence=occurrence,
        prompted=prompted,
        replied=replied,
        by_sector=tuple(by_sector),
        by_organisation=tuple(by_org),
        withheld=withheld,
        flags=flags,
        silent=tuple(sorted(silent, key=_by_name)),
        left=tuple(sorted(left, key=lambda pair: _by_name(pair[0]))),
        late=tuple(sorted(late, key=_by_name)),
        anonymised=anonymise,
    )


def _quiet_flags(
    cycles: Sequence[dict[int, bool]],
    members: dict[int, MemberInfo],
    *,
    quiet_cycles: int,
    anonymise: bool,
) -> tuple[str, ...]:
    """Active members whose last ``quiet_cycles`` (or more) questions all went unanswered.

    ``cycles`` holds, oldest first, the members each cycle counts: a cycle a
    member had left by, or joined too late for, is not one of their silences,
    and ends a run of them: someone who left and came back is counted from
    their return. Only members still active now are named.
    """
    if quiet_cycles < 1:
        return ()
    streaks: dict[int, int] = {}
    for asked in cycles:
        for member_id in streaks.keys() - asked.keys():
            streaks[member_id] = 0  # not counted this time (away, say): the run is broken
        for member_id, replied in asked.items():
            streaks[member_id] = 0 if replied else streaks.get(member_id, 0) + 1
    quiet = [
        (members[mid], n)
        for mid, n in streaks.items()
        if n >= quiet_cycles and mid in members and members[mid].status == "active"
    ]
    if not quiet:
        return ()
    if anonymise:
        count = len(quiet)
        who = "1 member has" if count == 1 else f"{count} members have"
        return (f"{who} not replied for {quiet_cycles} cycles or more",)
    quiet.sort(key=lambda pair: (-pair[1], pair[0].name.casefold()))
    return tuple(
        f"{info.name} has not replied for {n} cycle{'' if n == 1 else 's'}" for info, n in quiet
    )
