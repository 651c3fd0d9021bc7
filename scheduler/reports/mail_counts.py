"""How many emails each member gets: per month, and the most on one day of it.

``reflect preview`` prints this for the rounds it simulates, so a convenor can see
what the partnership asks of each member's inbox before anything is sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date


def count_lines(sent: Iterable[tuple[str, date]]) -> list[str]:
    """A table: one row per recipient, one column per month, each cell the month's
    count with the most on any one day of it in brackets ("12 (3)")."""
    per_month: Counter[tuple[str, tuple[int, int]]] = Counter()
    per_day: Counter[tuple[str, date]] = Counter()
    for recipient, day in sent:
        per_month[(recipient, (day.year, day.month))] += 1
        per_day[(recipient, day)] += 1
    if not per_month:
        return ["No emails in this period."]
    people = sorted({who for who, _ in per_month})
    months = sorted({month for _, month in per_month})
    busiest: Counter[tuple[str, tuple[int, int]]] = Counter()
    for (who, day), n in per_day.items():
        key = (who, (day.year, day.month))
        busiest[key] = max(busiest[key], n)
    width = max(len(p) for p in people)
    heads = [date(y, m, 1).strftime("%b %Y") for y, m in months]
    lines = [
        "Emails to each recipient per month (in brackets: the most on one day):",
        "  " + " " * width + "".join(f"  {h:>9}" for h in heads),
    ]
    for who in people:
        cells = []
        for month in months:
            n = per_month[(who, month)]
            cells.append(f"  {f'{n} ({busiest[(who, month)]})' if n else '-':>9}")
        lines.append(f"  {who:<{width}}" + "".join(cells))
    return lines
