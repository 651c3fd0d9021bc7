"""``reflect report``: one standalone, printable HTML page a convenor can put in a report.

Participation over time (a chart and a table), the latest cycle by sector,
what to notice, every cycle's answers, and what meetings agreed with the
follow-through rate. No external resources: styles and
charts are inline, so the file opens anywhere and prints as it looks. Times
are shown in ``now``'s time zone (the CLI passes the partnership's).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
from markupsafe import Markup

from scheduler.archive.database import Archive
from scheduler.inputs.sectors import SECTOR_SHORT, SECTORS
from scheduler.reports.actions import report_section
from scheduler.reports.charts import participation_svg, participation_trend_svg
from scheduler.reports.digest import build_digest
from scheduler.reports.participation import participation
from scheduler.reports.participation_words import cycle_summary

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ partnership }}: participation and reflections</title>
<style>
  body { margin: 0; background: #f4f4f0; color: #1f2a2e;
         font-family: -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 16px;
         line-height: 1.5; }
  main { max-width: 860px; margin: 0 auto; padding: 16px 20px 40px; background: #fff; }
  h1 { font-size: 26px; line-height: 1.25; margin: 8px 0 4px; }
  h2 { font-size: 20px; margin: 28px 0 8px; border-bottom: 2px solid #d8dcd6; padding-bottom: 4px; }
  h3 { font-size: 17px; margin: 18px 0 6px; }
  .muted { color: #5a6468; font-size: 14px; }
  .note { background: #f1f5ee; border-left: 4px solid #6c9a5b; padding: 8px 12px; margin: 12px 0; }
  .chart { margin: 12px 0; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e3e7e2; vertical-align: top; }
  th { background: #f1f3ef; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  blockquote { margin: 8px 0 14px; padding: 6px 12px; border-left: 4px solid #6c9a5b;
               background: #f7f9f5; break-inside: avoid; page-break-inside: avoid; }
  blockquote p { margin: 0 0 6px; }
  .cycle { break-before: auto; }
  @media print {
    body { background: #fff; font-size: 12pt; }
    main { max-width: none; padding: 0; }
    h2 { break-after: avoid; page-break-after: avoid; }
    .chart, table { break-inside: avoid; page-break-inside: avoid; }
  }
</style>
</head>
<body>
<main>
<h1>{{ partnership }}: participation and reflections</h1>
<p class="muted">Report made {{ made }}.{% if anonymised %} Names are left out, and groups of fewer
than {{ min_group }} members are combined so that nobody can be identified.{% endif %}</p>

{% if not cycles %}
<p>No reflection questions have been sent for a meeting yet, so there is nothing to report.</p>
{% else %}
<h2>What to notice</h2>
{% if flags %}<div class="note"><ul>{% for flag in flags %}<li>{{ flag }}</li>{% endfor %}</ul></div>
{% else %}<p>Every sector was heard in the latest cycle, and nobody has been silent for
{{ quiet_cycles }} cycles.</p>{% endif %}

<h2>The latest cycle: {{ latest_title }}</h2>
{% for line in latest_summary %}<p>{{ line }}</p>{% endfor %}
<div class="chart">{{ latest_chart }}</div>

<h2>Participation over time</h2>
<div class="chart">{{ trend_chart }}</div>
<div class="scroll">
<table>
<caption class="muted" style="text-align:left">Members who replied, of those asked, by sector.</caption>
<thead><tr><th scope="col">Cycle</th><th scope="col" class="num">All</th>
{% for label in sector_labels %}<th scope="col" class="num">{{ label }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in table %}<tr><th scope="row">{{ row.title }}</th>
{% for cell in row.cells %}<td class="num">{{ cell }}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
</div>

<h2>What members said</h2>
{% for cycle in answers %}
<section class="cycle">
<h3>{{ cycle.title }}</h3>
{% for line in cycle.summary %}<p class="muted">{{ line }}</p>{% endfor %}
{% for q in cycle.questions %}
<p><strong>{{ q.text }}</strong></p>
{% for a in q.answers %}<blockquote>
{% for para in a.paragraphs %}<p>{% for line in para %}{{ line }}{% if not loop.last %}<br>{% endif %}{% endfor %}</p>
{% endfor %}{% if a.attribution %}<p class="muted">&mdash; {{ a.attribution }}</p>{% endif %}
</blockquote>
{% else %}<p class="muted">No answers.</p>
{% endfor %}
{% endfor %}
</section>
{% endfor %}
{% endif %}
{% if agreed_meetings %}
<h2>What we agreed, and what became of it</h2>
<p>Follow-through: {{ follow_through.overall[0].done }} of {{ follow_through.overall[0].agreed }}
actions agreed are done ({{ follow_through.overall[0].rate }}).</p>
<div class="scroll"><table>
<caption class="muted" style="text-align:left">Actions done, of those agreed, by the sector of the
owner's organisation, so that it shows whether the work falls on one sector.</caption>
<thead><tr><th scope="col">Sector</th><th scope="col" class="num">Agreed</th>
<th scope="col" class="num">Done</th><th scope="col" class="num">Rate</th></tr></thead>
<tbody>{% for row in follow_through.sectors %}<tr><th scope="row">{{ row.label }}</th>
<td class="num">{{ row.agreed }}</td><td class="num">{{ row.done }}</td><td class="num">{{ row.rate }}</td></tr>
{% endfor %}</tbody></table></div>
<div class="scroll"><table>
<caption class="muted" style="text-align:left">Follow-through over time: actions done, of those
each meeting agreed.</caption>
<thead><tr><th scope="col">Meeting</th><th scope="col" class="num">Agreed</th>
<th scope="col" class="num">Done</th><th scope="col" class="num">Rate</th></tr></thead>
<tbody>{% for row in follow_through.meetings %}<tr><th scope="row">{{ row.label }}</th>
<td class="num">{{ row.agreed }}</td><td class="num">{{ row.done }}</td><td class="num">{{ row.rate }}</td></tr>
{% endfor %}</tbody></table></div>
{% for meeting in agreed_meetings %}
<section class="cycle">
<h3>{{ meeting.title }}</h3>
<ul>{% for item in meeting.lines %}<li>{% if item.kind == "decision" %}<strong>Decision:</strong> {{ item.text }}{% else %}{{ item.text }}
<span class="muted">({{ item.owner }}{% if item.due %}, due {{ item.due }}{% endif %}): <strong>{{ item.status }}</strong>{% if item.note %}, {{ item.note }}{% endif %}</span>{% endif %}</li>
{% endfor %}</ul>
</section>
{% endfor %}
{% endif %}
</main>
</body>
</html>
"""


def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def report_html(
    archive: Archive,
    *,
    partnership: str,
    now: datetime,
    anonymise: bool = False,
    min_group: int = 3,
    quiet_cycles: int = 3,
) -> str:
    if now.tzinfo is None:
        raise ValueError("report_html needs an aware now")
    zone = now.tzinfo
    p = participation(
        archive, min_group=min_group, anonymise=anonymise, quiet_cycles=quiet_cycles, zone=zone
    )
    latest = p.latest
    sectors = [s for s in SECTORS if any(s in g.keys for c in p.cycles for g in c.by_sector)]
    table = []
    for cycle in p.cycles:
        if cycle.withheld:
            cells = ["withheld"] * (len(sectors) + 1)
        else:
            cells = [f"{cycle.replied} of {cycle.prompted}"]
            for sector in sectors:
                group = next((g for g in cycle.by_sector if sector in g.keys), None)
                if group is None:
                    cells.append("")
                elif group.merged:
                    cells.append(f"{group.replied} of {group.prompted} (combined)")
                else:
                    cells.append(f"{group.replied} of {group.prompted}")
        table.append({"title": cycle.title(zone), "cells": cells})
    answers: list[dict[str, Any]] = []
    for cycle in reversed(p.cycles):
        view = build_digest(
            archive,
            partnership=partnership,
            meeting_id=cycle.meeting_id,
            meeting_title=cycle.meeting_title,
            occurrence=cycle.occurrence,
            when_text=cycle.title(zone),
            anonymise=anonymise,
            min_group=min_group,
            quiet_cycles=quiet_cycles,
            zone=zone,
        )
        answers.append(
            {
                "title": cycle.title(zone),
                "summary": cycle_summary(cycle, min_group)[:1],
                "questions": view.questions,
            }
        )
    context: dict[str, Any] = {
        "partnership": partnership,
        "made": f"{now.day} {now:%B %Y at %H:%M %Z}".strip(),
        "anonymised": anonymise,
        "min_group": min_group,
        "quiet_cycles": quiet_cycles,
        "cycles": p.cycles,
        "flags": p.flags,
        "latest_title": latest.title(zone) if latest else "",
        "latest_summary": cycle_summary(latest, min_group) if latest else [],
        # Both charts are built from escaped text by charts.py.
        "latest_chart": Markup(participation_svg(p, zone=zone, id_prefix="latest")),  # noqa: S704
        "trend_chart": Markup(participation_trend_svg(p, zone=zone, id_prefix="trend")),  # noqa: S704
        "sector_labels": [SECTOR_SHORT[s] for s in sectors],
        "table": table,
        "answers": answers,
        **report_section(archive, zone, anonymise=anonymise),
    }
    return _environment().from_string(_PAGE).render(context)
