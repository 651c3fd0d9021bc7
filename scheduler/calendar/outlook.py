"""Which recurrence rules Outlook can show.

Outlook's recurrence patterns are: every n days; every n weeks on some
weekdays; every n months on day d or on the first..fourth/last weekday;
every n years likewise. A rule outside them is dropped or rewritten by
Outlook, so the service refuses it with the reason."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.calendar.rules import Rule


_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def outlook_problem(rule: Rule) -> str | None:
    """Why Outlook cannot hold this rule, or None.

    Outlook's recurrence patterns are: every n days; every n weeks on some
    weekdays; every n months on day d or on the first..fourth/last weekday;
    every n years likewise. Anything else is dropped or rewritten.
    """
    freq = rule.get("FREQ") or ""
    if freq in ("SECONDLY", "MINUTELY", "HOURLY"):
        return f"FREQ={freq} repeats more often than daily, which Outlook cannot show."
    for name in ("BYSECOND", "BYMINUTE", "BYHOUR", "BYYEARDAY", "BYWEEKNO"):
        if rule.get(name) is not None:
            return f"{name} is not something Outlook can repeat by; leave it out."
    setpos = rule.get("BYSETPOS")
    if setpos is not None and "," in setpos:
        return f"BYSETPOS={setpos} picks several days in one period, which Outlook cannot show."
    for name in ("BYMONTHDAY", "BYMONTH"):
        value = rule.get(name)
        if value is not None and "," in value:
            return (
                f"{name}={value} names several values in one rule, which Outlook cannot show; "
                "use one series for each."
            )
    byday = rule.get("BYDAY")
    if byday is not None:
        days = byday.split(",")
        ordinals = [day for day in days if (found := _BYDAY.match(day)) and found.group(1)]
        if ordinals and len(days) > 1:
            return (
                f"BYDAY={byday} names several numbered days in one rule (e.g. the first and "
                "third Tuesday), which Outlook cannot show; use one series for each."
            )
        for day in ordinals:
            number = int(day[:-2])
            if number not in (1, 2, 3, 4, -1):
                return f"BYDAY={day}: Outlook can only repeat on the first to fourth or last day."
        if ordinals and freq not in ("MONTHLY", "YEARLY"):
            return f"BYDAY={byday} numbers a day, which only a MONTHLY or YEARLY rule can do."
    return _combination_problem(rule, freq)


_ONLY_WITH = {
    "BYMONTH": ("YEARLY",),
    "BYMONTHDAY": ("MONTHLY", "YEARLY"),
    "BYSETPOS": ("MONTHLY", "YEARLY"),
}


def _combination_problem(rule: Rule, freq: str) -> str | None:
    """Parts Outlook has no pattern for together, or None."""
    for name, freqs in _ONLY_WITH.items():
        if rule.get(name) is not None and freq not in freqs:
            return f"{name} with FREQ={freq} is not a pattern Outlook has; leave {name} out."
    setpos, byday = rule.get("BYSETPOS"), rule.get("BYDAY")
    if setpos is not None and (byday is None or setpos not in ("1", "2", "3", "4", "-1")):
        return (
            f"BYSETPOS={setpos}: Outlook can only pick the first to fourth or last (-1) "
            "of the days named in BYDAY."
        )
    if rule.get("BYMONTHDAY") is not None and byday is not None:
        return "BYMONTHDAY and BYDAY together are not a pattern Outlook has; keep one."
    return None
