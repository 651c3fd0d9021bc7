"""Participation as pictures: accessible SVG bar and column charts.

Every text a chart draws is escaped here, so the SVG is safe to embed as it is.
"""

from __future__ import annotations

from datetime import tzinfo
from html import escape

from scheduler.reports.participation import CycleParticipation, Participation

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
