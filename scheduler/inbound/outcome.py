"""The one state a reading ends in, and why."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.vocabulary import InboundStatus


@dataclass(frozen=True)
class Outcome:
    status: InboundStatus
    reason: str
    member_id: int | None = None
    prompt_id: int | None = None
    text: str = ""  # an answer's words
