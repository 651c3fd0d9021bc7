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

``participation`` reads the archive once and hands plain rows to
``summarise``, which is pure. In anonymised mode no figure is shown for a
group too small to hide a person (fewer than ``min_group`` members asked):
small groups are merged, and if even the merged group is too small it is
folded into the smallest large group, so no group can be worked out by
subtraction either. Flags then speak only of the merged groups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from html import escape

from scheduler.archive.database import Archive
from scheduler.inputs.sectors import SECTOR_PHRASES, SECTOR_SHORT, SECTOR_WORDS, SECTORS


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
class GroupCount:
    """Members asked and members who replied, in one sector or organisation (or a merger)."""

    label: str
    phrase: str  # how a sentence names it: "the NHS sector"
    prompted: int
    replied: int
    keys: tuple[str, ...] = ()  # the sectors or organisations inside it

    @property
    def rate(self) -> float:
        return self.replied / self.prompted if self.prompted else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.rate)

    @property
    def merged(self) -> bool:
        return len(self.keys) > 1


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
    rows = [
        PromptedRow(
            meeting_id=row["meeting_id"],
            occurrence=datetime.fromisoformat(row["occurrence"]),
            member_id=row["member_id"],
            replied=bool(row["replied"]),
            sent_at=datetime.fromisoformat(row["sent_at"]) if row["sent_at"] else None,
        )
        for row in archive.rows(
            """SELECT p.meeting_id, p.occurrence, p.member_id, min(o.sent_at) AS sent_at,
                      max(p.answered = 1 OR EXISTS (SELECT 1 FROM answers a
                                                    WHERE a.prompt_id = p.id)) AS replied
               FROM prompts p JOIN outbox o ON o.id = p.outbox_id
               WHERE p.meeting_id IS NOT NULL AND p.occurrence IS NOT NULL
                 AND o.status = 'sent'
               GROUP BY p.meeting_id, p.occurrence, p.member_id"""
        )
    ]
    events: dict[int, list[tuple[str, date]]] = {}
    for row in archive.rows(
        """SELECT member_id, kind, on_date FROM membership_events
           WHERE kind IN ('joined', 'left', 'rejoined') ORDER BY on_date, id"""
    ):
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
        for row in archive.rows(
            """SELECT id, name, organisation, sector, status, joined, left_on, forgotten_at
               FROM members"""
        )
    }
    titles = {row["id"]: row["title"] for row in archive.rows("SELECT id, title FROM meetings")}
    return rows, members, titles


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
    order = {s: i for i, s in enumerate(SECTORS)}
    by_sector = [
        GroupCount(SECTOR_SHORT.get(s, s), SECTOR_PHRASES.get(s, s), len(v), sum(v), (s,))
        for s, v in sorted(sectors.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
    ]
    by_org = [
        GroupCount(o, o, len(v), sum(v), (o,))
        for o, v in sorted(organisations.items(), key=lambda kv: kv[0].casefold())
    ]
    withheld = anonymise and prompted < min_group
    if anonymise:
        by_sector = [] if withheld else protect(by_sector, min_group, _merge_sectors)
        by_org = [] if withheld else protect(by_org, min_group, _merge_organisations)
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


def protect(
    groups: Sequence[GroupCount],
    min_group: int,
    combine: Callable[[Sequence[GroupCount]], GroupCount],
) -> list[GroupCount]:
    """Groups none of which is smaller than ``min_group``.

    Small groups are merged into one; if that is still too small it joins the
    smallest large group, so that it cannot be worked out from the total by
    subtraction. With no large group at all, everything is one group.
    """
    small = [g for g in groups if g.prompted < min_group]
    large = [g for g in groups if g.prompted >= min_group]
    if not small:
        return list(groups)
    if not large:
        return [combine(groups)]
    joined = combine(small)
    if joined.prompted >= min_group:
        return [*large, joined]
    smallest = min(large, key=lambda g: (g.prompted, g.label))
    return [combine([smallest, *small]) if g is smallest else g for g in large]


def _merge_sectors(groups: Sequence[GroupCount]) -> GroupCount:
    keys = tuple(k for g in groups for k in g.keys)
    if len(groups) == 1:
        return groups[0]
    words = [SECTOR_WORDS.get(k, k) for k in keys]
    names = ", ".join(words[:-1]) + " and " + words[-1]
    return GroupCount(
        label=" + ".join(SECTOR_SHORT.get(k, k) for k in keys),
        phrase=f"the {names} sectors (combined)",
        prompted=sum(g.prompted for g in groups),
        replied=sum(g.replied for g in groups),
        keys=keys,
    )


def _merge_organisations(groups: Sequence[GroupCount]) -> GroupCount:
    keys = tuple(k for g in groups for k in g.keys)
    if len(groups) == 1:
        return groups[0]
    label = f"{len(keys)} organisations combined"
    return GroupCount(
        label=label,
        phrase=label,
        prompted=sum(g.prompted for g in groups),
        replied=sum(g.replied for g in groups),
        keys=keys,
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


# ---------------------------------------------------------------- words and pictures


def cycle_summary(cycle: CycleParticipation, min_group: int) -> list[str]:
    """A few sentences about one cycle, for a digest or a report."""
    if cycle.withheld:
        return [
            f"Fewer than {min_group} members were asked, so figures are withheld "
            "to keep replies anonymous."
        ]
    member = "member" if cycle.prompted == 1 else "members"
    lines = [f"{cycle.replied} of {cycle.prompted} {member} replied ({cycle.percent}%)."]
    if len(cycle.by_sector) > 1 or any(not g.merged for g in cycle.by_sector):
        lines.append(
            "By sector: "
            + "; ".join(f"{g.label} {g.replied} of {g.prompted}" for g in cycle.by_sector)
            + "."
        )
    if len(cycle.by_organisation) > 1 or any(not g.merged for g in cycle.by_organisation):
        lines.append(
            "By organisation: "
            + "; ".join(f"{g.label} {g.replied} of {g.prompted}" for g in cycle.by_organisation)
            + "."
        )
    lines.extend(not_counted_lines(cycle))
    return lines


def not_counted_lines(cycle: CycleParticipation) -> list[str]:
    """Who was sent the question but is left out of the figures, and why."""
    lines = []
    if cycle.left:
        if cycle.anonymised:
            n = len(cycle.left)
            who = "1 member who was" if n == 1 else f"{n} members who were"
            lines.append(f"Not counted: {who} asked but left the partnership before the meeting.")
        else:
            lines.append(
                "Not counted, as they left the partnership before the meeting: "
                + "; ".join(
                    info.named + (f", left on {_day_text(on)}" if on else "")
                    for info, on in cycle.left
                )
                + "."
            )
    # Anonymised, a newcomer would be known by when they joined, and this line
    # would say they have not replied: so it says nothing of them.
    if cycle.late and not cycle.anonymised:
        lines.append(
            "Not counted, as they joined after the question went out and have not "
            "replied: " + "; ".join(info.named for info in cycle.late) + "."
        )
    return lines


def _day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def status_lines(p: Participation, *, zone: tzinfo | None = None, last: int = 3) -> list[str]:
    """The participation part of ``reflect status``."""
    out = ["Participation:"]
    if not p.cycles:
        return [*out, "  no questions sent for a meeting yet"]
    for cycle in p.cycles[-last:]:
        if cycle.withheld:
            out.append(f"  {cycle.title(zone)}: figures withheld (fewer than {p.min_group} asked)")
            continue
        sectors = ", ".join(f"{g.label} {g.replied}/{g.prompted}" for g in cycle.by_sector)
        left_out = []
        if cycle.left:
            left_out.append(f"{len(cycle.left)} asked who left before the meeting")
        if cycle.late and not cycle.anonymised:
            left_out.append(f"{len(cycle.late)} who joined since the question went out")
        out.append(
            f"  {cycle.title(zone)}: {cycle.replied} of {cycle.prompted} replied "
            f"({cycle.percent}%); {sectors}"
            + (f"; not counted: {', '.join(left_out)}" if left_out else "")
        )
    out.extend(f"  ! {flag}" for flag in p.flags)
    return out


_BAR = "#2f6f8f"
_TRACK = "#e3e7e2"
_INK = "#1f2a2e"


def participation_svg(
    p: Participation,
    cycle: CycleParticipation | None = None,
    *,
    zone: tzinfo | None = None,
    id_prefix: str = "participation",
) -> str:
    """One cycle's replies by sector as an accessible horizontal bar chart."""
    cycle = cycle or p.latest
    ids = f"{escape(id_prefix)}-title {escape(id_prefix)}-desc"
    if cycle is None:
        title = "Replies by sector: no questions sent yet"
        rows: list[tuple[str, int, int]] = []
    else:
        title = f"Replies by sector, {cycle.title(zone)}"
        rows = [("All members", cycle.replied, cycle.prompted)]
        if len(cycle.by_sector) > 1 or any(not g.merged for g in cycle.by_sector):
            rows += [(g.label, g.replied, g.prompted) for g in cycle.by_sector]
    if cycle is not None and cycle.withheld:
        rows = []
        desc = f"Figures withheld: fewer than {p.min_group} members were asked."
    elif rows:
        desc = "; ".join(f"{label}: {r} of {n} replied ({_pct(r, n)}%)" for label, r, n in rows)
    else:
        desc = "No questions have been sent for a meeting yet."
    # Label above each bar, so long (merged) labels fit a phone-width chart.
    row_h, top, bar_w, width = 46, 36, 290, 420
    height = top + max(1, len(rows)) * row_h + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ids}" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width + 60}px;'
        'height:auto" font-family="Arial, sans-serif" font-size="15">',
        f'<title id="{escape(id_prefix)}-title">{escape(title)}</title>',
        f'<desc id="{escape(id_prefix)}-desc">{escape(desc)}</desc>',
        f'<text x="0" y="18" font-size="16" font-weight="bold" fill="{_INK}">'
        f"{escape(title)}</text>",
    ]
    if not rows:
        parts.append(f'<text x="0" y="{top + 20}" fill="{_INK}">{escape(desc)}</text>')
    for i, (label, replied, prompted) in enumerate(rows):
        y = top + i * row_h
        filled = round(bar_w * replied / prompted) if prompted else 0
        weight = ' font-weight="bold"' if i == 0 else ""
        parts += [
            f'<text x="0" y="{y + 14}" fill="{_INK}"{weight}>{escape(label)}</text>',
            f'<rect x="0" y="{y + 20}" width="{bar_w}" height="18" fill="{_TRACK}"/>',
            f'<rect x="0" y="{y + 20}" width="{filled}" height="18" fill="{_BAR}"/>',
            f'<text x="{bar_w + 8}" y="{y + 34}" fill="{_INK}">'
            f"{_pct(replied, prompted)}% ({replied} of {prompted})</text>",
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def participation_trend_svg(
    p: Participation, *, zone: tzinfo | None = None, id_prefix: str = "trend", last: int = 12
) -> str:
    """Share of members who replied, cycle by cycle, as an accessible column chart."""
    cycles = list(p.cycles[-last:])
    title = "Share of members who replied, cycle by cycle"
    shown = [c for c in cycles if not c.withheld]
    desc = (
        "; ".join(f"{c.title(zone)}: {c.replied} of {c.prompted} ({c.percent}%)" for c in shown)
        or "No figures to show yet."
    )
    col_w, left, top, plot_h = 70, 10, 40, 160
    width = max(360, left + len(cycles) * col_w + 10)
    height = top + plot_h + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{escape(id_prefix)}-title {escape(id_prefix)}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;height:auto" '
        'font-family="Arial, sans-serif" font-size="12">',
        f'<title id="{escape(id_prefix)}-title">{escape(title)}</title>',
        f'<desc id="{escape(id_prefix)}-desc">{escape(desc)}</desc>',
        f'<text x="0" y="20" font-size="16" font-weight="bold" fill="{_INK}">'
        f"{escape(title)}</text>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        f'stroke="{_INK}" stroke-width="1"/>',
    ]
    for i, cycle in enumerate(cycles):
        x = left + i * col_w + 10
        when = cycle.occurrence.astimezone(zone) if zone else cycle.occurrence
        if cycle.withheld:
            parts.append(
                f'<text x="{x + 25}" y="{top + plot_h - 6}" text-anchor="middle" '
                f'fill="{_INK}">withheld</text>'
            )
        else:
            h = round(plot_h * cycle.replied / cycle.prompted) if cycle.prompted else 0
            parts += [
                f'<rect x="{x}" y="{top + plot_h - h}" width="50" height="{h}" fill="{_BAR}"/>',
                f'<text x="{x + 25}" y="{top + plot_h - h - 5}" text-anchor="middle" '
                f'fill="{_INK}">{cycle.percent}%</text>',
            ]
        parts.append(
            f'<text x="{x + 25}" y="{top + plot_h + 18}" text-anchor="middle" fill="{_INK}">'
            f"{escape(f'{when.day} {when:%b}')}</text>"
            f'<text x="{x + 25}" y="{top + plot_h + 34}" text-anchor="middle" fill="{_INK}">'
            f"{when:%Y}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _pct(replied: int, prompted: int) -> int:
    return round(100 * replied / prompted) if prompted else 0
