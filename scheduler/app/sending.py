"""Stage 4, send: what is due in the outbox goes out, within the relay's caps.

Each claimed row ends sent, deferred (with back-off), failed (with the server's
words), or released untouched for the next tick when the server refuses us or
the connection is gone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.app.report import TickReport
from scheduler.archive.database import Archive
from scheduler.archive.send_history import SendHistory
from scheduler.compose.tokens import return_address
from scheduler.errors import PermanentDeliveryError, ServerRefusedError, TemporaryDeliveryError
from scheduler.faults import Checkpoint
from scheduler.inputs.config import Config
from scheduler.outbound.outbox import (
    Claimed,
    claim_due,
    mark_deferred,
    mark_failed,
    mark_sent,
    postpone,
    release,
)
from scheduler.outbound.throttle import THROTTLE_PAUSE, Caps, PaceClock, Pacer, is_throttling
from scheduler.outbound.transports import Transport

log = logging.getLogger("reflect")

CLAIM = 200  # rows claimed at a time


def envelope_sender(config: Config, secret: bytes, key: str) -> str:
    """Where a message's delivery reports go: its own signed return address (VERP)."""
    mail = config.mail
    return return_address(key, secret, mail.reply_to) if mail.verp else mail.from_address


def pacer_for(
    archive: Archive, config: Config, now: datetime, transport: Transport, clock: PaceClock
) -> Pacer | None:
    """The sending caps, for an SMTP relay that has them (not for files or previews)."""
    smtp = config.mail.smtp
    caps = Caps(per_minute=smtp.max_per_minute, per_day=smtp.max_per_day)
    if not caps.active or transport.name != "smtp":
        return None
    sent = SendHistory(archive).sent_after(now - caps.lookback - timedelta(seconds=1))
    return Pacer(caps, now, sent, clock)


@dataclass
class Sender:
    """One tick's sending: the outbox, the transport, and what to report."""

    archive: Archive
    config: Config
    secret: bytes
    transport: Transport
    pacer: Pacer | None
    now: datetime
    report: TickReport
    checkpoint: Checkpoint

    async def send_due(self) -> None:
        while True:
            claimed = claim_due(
                self.archive, self.now, limit=self.pacer.batch(CLAIM) if self.pacer else CLAIM
            )
            if not claimed:
                return
            async with self.transport:
                for position, item in enumerate(claimed):
                    if not await self._send_one(claimed, position, item):
                        return

    async def _send_one(self, claimed: list[Claimed], position: int, item: Claimed) -> bool:
        """Send one claimed message; False when the rest must wait (caps, refusal, lost link)."""
        if self.pacer is not None and (held := await self.pacer.admit()) is not None:
            # the cap is reached: this message and the rest wait for the window
            postpone(self.archive, claimed[position:], self.now, held)
            log.info("sending cap reached; the rest go from %s", held)
            return False
        mail = self.config.mail
        try:
            await self.transport.send(
                sender=envelope_sender(self.config, self.secret, item.key),
                recipient=self.config.convenor.email if mail.rehearsal else item.recipient,
                raw=item.raw,
                label=item.kind,
            )
        except PermanentDeliveryError as exc:
            return self._refused(claimed, position, item, exc)
        except TemporaryDeliveryError as exc:
            return self._deferred(claimed, position, item, exc)
        self.checkpoint("after_smtp_250")
        mark_sent(self.archive, item, self.pacer.record() if self.pacer else self.now)
        self.report.sent += 1
        done = "previewed" if self.transport.name == "preview" else "sent"
        log.info("%s %s to %s", done, item.kind, item.recipient)
        return True

    def _refused(
        self, claimed: list[Claimed], position: int, item: Claimed, exc: PermanentDeliveryError
    ) -> bool:
        if isinstance(exc, ServerRefusedError):
            # The server refuses us, not this member: stop, keep the rest pending.
            release(self.archive, claimed[position:])
            self.report.problems.append(f"sending stopped: {exc}")
            log.error("sending stopped: %s", exc)
            return False
        mark_failed(self.archive, item, str(exc))
        self.report.failed += 1
        log.warning("failed %s to %s: %s", item.kind, item.recipient, exc)
        return True

    def _deferred(
        self, claimed: list[Claimed], position: int, item: Claimed, exc: TemporaryDeliveryError
    ) -> bool:
        if is_throttling(exc.code, str(exc)):
            # The relay asks us to slow down: not this message's fault, no try
            # counted; it and the rest wait, the server's words kept for status.
            until = (self.pacer.now() if self.pacer else self.now) + THROTTLE_PAUSE
            postpone(self.archive, claimed[position:], self.now, until, reason=str(exc))
            self.report.deferred += len(claimed) - position
            log.warning("relay throttling (%s); sending resumes at %s", exc, until)
            return False
        give_up = timedelta(hours=self.config.mail.give_up_after_hours)
        if mark_deferred(self.archive, item, self.now, str(exc), give_up_after=give_up):
            self.report.deferred += 1
            log.warning("deferred %s to %s: %s", item.kind, item.recipient, exc)
        else:
            self.report.failed += 1
            log.warning("gave up on %s to %s: %s", item.kind, item.recipient, exc)
        if exc.code is None or exc.code == 421:
            # The connection is gone: the rest wait for the next tick.
            release(self.archive, claimed[position + 1 :])
            return False
        return True
