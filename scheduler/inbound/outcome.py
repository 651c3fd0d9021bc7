"""The one state a reading ends in, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.vocabulary import InboundStatus


@dataclass(frozen=True)
class Outcome:
    status: InboundStatus
    reason: str
    member_id: int | None = None
    prompt_id: int | None = None
    text: str = ""  # an answer's words
    # what else this state means (a message to queue), done in the transaction that
    # records the state, so both commit or neither does
    then: Callable[[], object] | None = field(default=None, compare=False, repr=False)
