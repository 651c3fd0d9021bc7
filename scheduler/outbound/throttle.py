"""Relay limits: ``[mail.smtp] max_per_minute`` and ``max_per_day``.

Real relays throttle: Microsoft 365 accepts about 30 messages a minute from
one mailbox and answers ``4.7.x`` when pushed. The caps are sliding windows:
at most ``per_minute`` messages in any 60 seconds and ``per_day`` in any 24
hours, counted from the outbox's ``sent_at`` times, so a restart remembers
what was just sent. Within a minute the messages are spread out evenly (one
every ``60 / per_minute`` seconds) rather than sent in a burst.

The window arithmetic (``free_at``, ``next_send_at``) is pure. ``Pacer`` is
what the send loop holds: it waits for short gaps (up to ``MAX_WAIT``, and
``PACE_BUDGET`` in all per tick), and otherwise says when the window frees,
so the loop can leave the rest queued with ``next_attempt_at`` set to that
moment (``reflect status`` shows it as the next attempt).

A ``4.7.x`` reply (RFC 3463: a security or policy status, which is how
relays say "too many, slow down") is throttling, not a fault of the message:
``is_throttling`` recognises it, and the send loop puts the message and the
rest back in the queue for ``THROTTLE_PAUSE`` without counting a try.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
MAX_WAIT = timedelta(minutes=1)  # wait in the loop for a gap this short; leave longer ones queued
PACE_BUDGET = timedelta(minutes=4)  # the most one tick spends waiting for gaps
THROTTLE_PAUSE = timedelta(minutes=2)  # after a 4.7.x reply
_THROTTLED = re.compile(r"(?<![\d.])4\.7\.\d{1,3}(?![\d.])")


@dataclass(frozen=True)
class Caps:
    per_minute: int = 0  # 0 = no cap
    per_day: int = 0

    @property
    def active(self) -> bool:
        return self.per_minute > 0 or self.per_day > 0

    @property
    def spacing(self) -> timedelta:
        """The even gap between two messages under the per-minute cap."""
        return MINUTE / self.per_minute if self.per_minute > 0 else timedelta(0)

    @property
    def lookback(self) -> timedelta:
        return DAY if self.per_day > 0 else MINUTE


def free_at(sent: Iterable[datetime], now: datetime, caps: Caps) -> datetime:
    """The first moment at or after ``now`` when one more message keeps within both windows.

    ``sent`` are the times messages went (any order). A window of length ``span``
    holding ``limit`` or more messages in (moment - span, moment] frees when its
    oldest excess message drops out, at that message's time + ``span``.
    """
    times = sorted(sent)
    moment = now
    for limit, span in ((caps.per_minute, MINUTE), (caps.per_day, DAY)):
        if limit <= 0:
            continue
        recent = [t for t in times if t > moment - span]
        if len(recent) >= limit:
            moment = max(moment, recent[len(recent) - limit] + span)
    return moment


def next_send_at(sent: Iterable[datetime], now: datetime, caps: Caps) -> datetime:
    """When the next message may go: within the windows, and spaced from the last one."""
    times = sorted(sent)
    moment = free_at(times, now, caps)
    if times and caps.per_minute > 0:
        moment = max(moment, times[-1] + caps.spacing)
    return moment


def is_throttling(code: int | None, message: str) -> bool:
    """A 4xx reply whose enhanced status is 4.7.x: the relay asks us to slow down."""
    return code is not None and 400 <= code < 500 and _THROTTLED.search(message) is not None


class PaceClock(Protocol):
    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealPaceClock:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass
class Pacer:
    """The send loop's view of the caps during one tick."""

    caps: Caps
    start: datetime  # the tick's now
    sent: list[datetime]  # send times of the last ``caps.lookback``, from the outbox
    clock: PaceClock = field(default_factory=RealPaceClock)
    waited: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        self._origin = self.clock.monotonic()
        self._admitted: datetime | None = None

    def now(self) -> datetime:
        """The tick's now, moved on by the time the tick has taken so far."""
        return self.start + timedelta(seconds=self.clock.monotonic() - self._origin)

    def batch(self, default: int) -> int:
        """How many rows to claim at once: no more than can go within ``MAX_WAIT``."""
        if self.caps.per_minute > 0:
            return max(1, min(default, self.caps.per_minute))
        return default

    async def admit(self) -> datetime | None:
        """Wait for a short gap if needed; ``None`` when a message may go now, else when it may."""
        current = self.now()
        moment = next_send_at(self.sent, current, self.caps)
        gap = moment - current
        if gap > MAX_WAIT or self.waited + gap > PACE_BUDGET:
            return moment
        if gap > timedelta(0):
            await self.clock.sleep(gap.total_seconds())
            self.waited += gap
        self._admitted = self.now()
        return None

    def record(self) -> datetime:
        """Note a message sent; returns the time to store as its ``sent_at``.

        That is when it was admitted (the send began), so that the spacing is
        kept between the starts of two sends, not from the end of one.
        """
        moment = self._admitted or self.now()
        self._admitted = None
        self.sent.append(moment)
        cutoff = moment - self.caps.lookback
        if self.sent and self.sent[0] <= cutoff:
            self.sent = [t for t in self.sent if t > cutoff]
        return moment
