"""What ``reflect check`` asks of a config beyond reading it.

Once the content is known: does every question ``[prompts] questions`` names
exist? Once the archive is known: is any meeting over before anything was sent
for it (almost always a wrong year)?
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from scheduler.calendar.rules import local_rule, localize
from scheduler.errors import Problem
from scheduler.inputs.config import Config
from scheduler.inputs.plain_text import quote
from scheduler.inputs.toml_lines import TomlLines


def question_problems(config: Config, text: str, known: set[str]) -> list[Problem]:
    """Problems with ``[prompts] questions`` once the content is known."""
    where = TomlLines(text)
    problems = []
    for qid in config.prompts.questions:
        if qid not in known:
            problems.append(
                Problem(
                    config.path.name,
                    f'"{qid}" is not a question in content/. Known ids: '
                    + ", ".join(sorted(known))
                    + ".",
                    where.key("prompts", "questions"),
                    "[prompts] questions",
                )
            )
    return problems


def area_problems(config: Config, text: str, known: list[str]) -> list[Problem]:
    """Problems with ``[digest] anonymise_areas`` once the checklist is known."""
    where = TomlLines(text)
    return [
        Problem(
            config.path.name,
            f'"{area}" is not an area of the partnership checklist. Known ids: '
            + ", ".join(known)
            + ".",
            where.key("digest", "anonymise_areas"),
            "[digest] anonymise_areas",
        )
        for area in config.digest.anonymise_areas
        if area not in known
    ]


def past_meeting_problems(
    config: Config, text: str, now: datetime, archived: Collection[str]
) -> list[Problem]:
    """Meetings that will never happen again and never did for this archive.

    ``archived`` are the ids of series the archive already holds: a meeting that
    happened (and was sent out) is history, not a mistake. One that is in the past
    before anything was sent for it is almost always a wrong year.
    """
    where = TomlLines(text)
    zone = config.partnership.zone
    local_now = now.astimezone(zone).replace(tzinfo=None)
    problems = []
    for index, meeting in enumerate(config.meetings):
        if meeting.id in archived:
            continue
        if meeting.rrule is None:
            over = localize(meeting.first, config.partnership.timezone) <= now
            what = f"{meeting.first:%Y-%m-%d %H:%M} is in the past and the meeting does not repeat"
            fix = "Correct the date (is the year right?), or add an rrule if it is a series."
        else:
            try:
                following = local_rule(meeting.first, meeting.rrule, config.partnership.timezone)
                over = following.after(local_now) is None
            except ValueError:
                continue  # the rule itself is reported elsewhere
            what = f"every meeting of {quote(meeting.rrule)} from {meeting.first:%Y-%m-%d} is over"
            fix = "Correct first, or UNTIL or COUNT in the rule."
        if over:
            problems.append(
                Problem(
                    config.path.name,
                    f"{what}, so nothing will ever be sent for it. {fix}",
                    where.key("meeting", "first", index),
                    f'[[meeting]] "{meeting.id}" first',
                )
            )
    return problems
