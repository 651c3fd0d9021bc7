"""Participation in words: sentences for a digest or a report, and the lines of
``reflect status``.
"""

from __future__ import annotations

from datetime import date, tzinfo

from scheduler.reports.participation import CycleParticipation, Participation


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
