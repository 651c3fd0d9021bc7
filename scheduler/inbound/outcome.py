"""The one state a reading ends in, and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str
    member_id: int | None = None
    prompt_id: int | None = None
    text: str = ""  # an answer's words
