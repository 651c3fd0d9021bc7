"""The clock, at the edge: only ``SystemClock`` reads the real time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


def utc_text(moment: datetime) -> str:
    """One sortable text form for every stored time: UTC, seconds, +00:00."""
    if moment.tzinfo is None:
        raise ValueError("archive times must be aware")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests and simulations: it moves only when told to."""

    current: datetime = field(default_factory=lambda: datetime(2027, 1, 1, tzinfo=UTC))

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.current = self.current.astimezone(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


def parse_now(text: str, *, default_tz: str = "UTC") -> datetime:
    """Read a ``--now`` value: ISO 8601; a time without a zone is taken in ``default_tz``."""
    from zoneinfo import ZoneInfo

    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(default_tz))
    return value.astimezone(UTC)
