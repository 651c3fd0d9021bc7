"""``Services``: everything a tick needs, built once from the config, and the tick itself.

A tick runs named stages, each in its own module:

1. sync (``syncing``): joins and leaves from the membership file, changes to the series;
2. take custody (``custody``): inbound mail's bytes committed before the inbox is told;
3. read (``reading``): every stored message ends in one recorded state (replies are
   read before planning: an answer that has arrived cancels its reminder);
4. plan and queue (``queueing``): what is due is rendered into the outbox, and the
   notices to the convenor (digests, replies held back) are among what is planned;
5. send (``sending``): what is due goes out, within the relay's caps;
6. forget: raw copies past ``keep_raw_days`` are removed.

``run`` only repeats it; ``preview`` runs the same path with a transport that
writes files. ``with Services(config) as services:`` closes the archive after.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.app.custody import take_custody
from scheduler.app.queueing import queue
from scheduler.app.reading import make_reader
from scheduler.app.report import TickReport
from scheduler.app.sending import Sender, envelope_sender, pacer_for
from scheduler.app.syncing import sync
from scheduler.app.wiring import (
    default_inbox,
    default_transport,
    read_config,
    read_content,
    read_membership,
)
from scheduler.archive.database import Archive
from scheduler.archive.lock import hold
from scheduler.compose.tokens import load_secret
from scheduler.errors import ArchiveError, ReflectError, TimeWentBackError
from scheduler.faults import Checkpoint, no_checkpoint
from scheduler.inbound.inboxes import Inbox
from scheduler.inbound.ingest import Reader
from scheduler.inbound.limits import Limits
from scheduler.inputs.config import Config
from scheduler.outbound.throttle import PaceClock, RealPaceClock
from scheduler.outbound.transports import Transport
from scheduler.reports.privacy import purge_raw_older_than

# names callers know this module by
__all__ = ["Services", "TickReport", "build_services", "read_config", "read_membership"]

log = logging.getLogger("reflect")


class Services:
    """Everything a tick needs, built once from the config."""

    def __init__(
        self,
        config: Config,
        *,
        environ: Mapping[str, str] | None = None,
        transport_factory: Callable[[], Transport] | None = None,
        inbox_factory: Callable[[], Inbox | None] | None = None,
        archive: Archive | None = None,
        pace_clock: PaceClock | None = None,
        secret: bytes | None = None,
        checkpoint: Checkpoint = no_checkpoint,
    ) -> None:
        self.pace_clock = pace_clock or RealPaceClock()  # the sending caps' waits; tests fake it
        # where the secrets the config names are looked up (passwords, the token key)
        self.environ = dict(os.environ if environ is None else environ)
        # called at each named point of ``faults.POINTS``; tests pass one that crashes
        self.checkpoint = checkpoint
        self.content = read_content(config)
        self.archive = archive or Archive(config.database)
        # known by what it first ran as: renaming it, or moving its mail, re-sends nothing
        key, domain = self.archive.identity(config.partnership.name, config.mail.from_domain)
        self.config = config = replace(
            config, partnership=replace(config.partnership, key=key, uid_domain=domain)
        )
        # ``secret`` is for a preview's throwaway key: given one, the key file is not touched
        self.secret = (
            secret
            if secret is not None
            else load_secret(
                env_name=config.security.token_key_env,
                key_file=config.security.key_file,
                environ=self.environ,
            )
        )
        self.transport_factory = transport_factory or (
            lambda: default_transport(self.config, self.environ)
        )
        self.inbox_factory = inbox_factory or (lambda: default_inbox(self.config, self.environ))

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def limits(self) -> Limits:
        return Limits(max_bytes=self.config.inbox.max_message_bytes)

    def reader(self) -> Reader:
        return make_reader(
            self.archive,
            self.config,
            secret=self.secret,
            limits=self.limits,
            checkpoint=self.checkpoint,
        )

    def envelope_sender(self, key: str) -> str:
        """Where a message's delivery reports go: its own signed return address (VERP)."""
        return envelope_sender(self.config, self.secret, key)

    # ------------------------------------------------------------ the tick

    async def tick(
        self,
        now: datetime,
        *,
        transport: Transport | None = None,
        ingest: bool = True,
        forward_only: bool = False,
    ) -> TickReport:
        """One pass. A database that is locked or full ends it with an ``ArchiveError``.

        Every step commits in short transactions, so what was done stands, what was
        not is rolled back whole, and the next tick carries on from there. Only one
        tick works on an archive at a time: while another holds it, this one raises
        ``Busy`` and does nothing.

        ``forward_only`` (a tick someone asked for, at a time they chose): a time
        before the last tick raises ``TimeWentBackError`` and does nothing. Without
        it (the service's own rounds), a system clock stepped back is survived:
        every message has one key, so nothing is sent twice.
        """
        try:
            with hold(self.archive.path):
                if forward_only:
                    self._refuse_the_past(now)
                return await self._stages(now, transport=transport, ingest=ingest)
        except sqlite3.OperationalError as exc:
            raise ArchiveError(
                f"{self.archive.path}: {exc}. This round stopped; nothing was half-written, and "
                "the next round carries on (free disk space, or stop the other program using it)."
            ) from exc

    def _refuse_the_past(self, now: datetime) -> None:
        """Refuse a tick before the last one.

        The files say what is true now; read as of an earlier day against an archive
        that has lived past it, they make nonsense (in a trial, 24 leaver emails:
        everyone "left" before they had joined).
        """
        last = self.archive.last_tick()
        if last is not None and now < last:
            zone = self.config.partnership.zone
            raise TimeWentBackError(
                f"this round's time, {_moment(now, zone)}, is before the last round on "
                f"{self.archive.path.name} at {_moment(last, zone)}, and time only moves "
                f"forward for an archive. Use --now {last.astimezone(zone):%Y-%m-%dT%H:%M} or "
                "later, or set [storage] database to a new file to try out earlier dates. "
                "Nothing was done."
            )

    async def _stages(
        self, now: datetime, *, transport: Transport | None, ingest: bool
    ) -> TickReport:
        if now.tzinfo is None:
            raise ValueError("tick needs an aware time")
        now = now.astimezone(UTC)
        self.archive.record_tick(now)
        report = TickReport()
        self.sync(now, report)
        if ingest:
            # Replies first: an answer that has arrived cancels its reminder.
            await self.ingest(now, report)
        self.queue(now, report)
        await self.send_due(now, report, transport or self.transport_factory())
        self._forget_old_raw(now)
        return report

    # ------------------------------------------------------------ the stages

    def sync(self, now: datetime, report: TickReport) -> None:
        """Record joins and leaves, and changes to the meeting series."""
        sync(self.archive, self.config, now, report)

    async def ingest(self, now: datetime, report: TickReport) -> None:
        """Take custody of what waits in the inbox, then read everything stored."""
        await self._take_custody(now, report)
        self._read(now, report)

    def queue(self, now: datetime, report: TickReport) -> None:
        """Plan, and render what is new into the outbox."""
        queue(
            self.archive,
            self.config,
            self.content,
            secret=self.secret,
            now=now,
            report=report,
            checkpoint=self.checkpoint,
        )

    async def _take_custody(self, now: datetime, report: TickReport) -> None:
        try:
            await take_custody(
                self.archive,
                self.inbox_factory(),
                settings=self.config.inbox,
                limits=self.limits,
                now=now,
                checkpoint=self.checkpoint,
            )
        except ReflectError as exc:
            # The inbox cannot be read this round; what is stored is read, sending goes on.
            report.problems.append(f"replies not fetched: {exc}")
            log.error("replies not fetched: %s", exc)

    def _read(self, now: datetime, report: TickReport) -> None:
        for status, count in self.reader().process_pending(now).items():
            report.ingested[status] = report.ingested.get(status, 0) + count

    async def send_due(self, now: datetime, report: TickReport, transport: Transport) -> None:
        """Send what is due, within the relay's caps."""
        pacer = pacer_for(self.archive, self.config, now, transport, self.pace_clock)
        sender = Sender(
            archive=self.archive,
            config=self.config,
            secret=self.secret,
            transport=transport,
            pacer=pacer,
            now=now,
            report=report,
            checkpoint=self.checkpoint,
        )
        await sender.send_due()

    def _forget_old_raw(self, now: datetime) -> None:
        if self.config.keep_raw_days:
            purged = purge_raw_older_than(
                self.archive, now - timedelta(days=self.config.keep_raw_days)
            )
            if purged:
                log.info("removed the raw copies of %s message(s) past the retention age", purged)


def _moment(when: datetime, zone: ZoneInfo) -> str:
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M %Z}"


def build_services(config_path: Path, **kwargs: Any) -> Services:
    return Services(read_config(config_path), **kwargs)
