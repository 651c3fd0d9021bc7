"""The wiring, in one place: built once from the config, then ``tick(now)``.

A tick syncs membership, reconciles the meeting series, plans, renders what
is new into the outbox, sends what is due, and ingests replies. ``run`` only
repeats it; ``preview`` runs the same path with a transport that writes files.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.archive.database import Archive, utc_text
from scheduler.archive.lock import hold
from scheduler.archive.state import (
    apply_meetings,
    apply_membership,
    load_meetings,
    load_members,
    load_state,
)
from scheduler.compose.calendar_mail import series_uid
from scheduler.compose.render import HandoverNote, Renderer, long_date
from scheduler.compose.tokens import load_secret, return_address
from scheduler.errors import (
    ArchiveError,
    InputError,
    PermanentDeliveryError,
    ReflectError,
    TemporaryDeliveryError,
    TimeWentBackError,
)
from scheduler.faults import crash_point
from scheduler.inbound.inboxes import Inbox, MaildirInbox
from scheduler.inbound.ingest import Reader, store_raw
from scheduler.inbound.limits import Limits, too_large
from scheduler.inputs.config import Config, Meeting
from scheduler.inputs.config_file import parse_config
from scheduler.inputs.content import Content, load_bundled_content
from scheduler.inputs.members import read_members
from scheduler.inputs.membership import Membership
from scheduler.outbound.outbox import (
    claim_due,
    enqueue,
    existing_keys,
    mark_deferred,
    mark_failed,
    mark_sent,
    postpone,
    release,
)
from scheduler.outbound.throttle import (
    THROTTLE_PAUSE,
    Caps,
    PaceClock,
    Pacer,
    RealPaceClock,
    is_throttling,
)
from scheduler.outbound.transports import (
    MaildirTransport,
    ServerRefusedError,
    SmtpTransport,
    Transport,
)
from scheduler.plan.planner import plan
from scheduler.plan.state import MemberState
from scheduler.plan.sync import reconcile_meetings, sync_membership
from scheduler.reports.digest import DigestView, build_digest
from scheduler.reports.privacy import purge_raw_older_than

log = logging.getLogger("reflect")


@dataclass
class TickReport:
    joined: int = 0
    left: int = 0
    queued: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    ingested: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        read = sum(self.ingested.values())
        parts = [
            f"{self.joined} joined",
            f"{self.left} left",
            f"{self.queued} queued",
            f"{self.sent} sent",
        ]
        if self.deferred:
            parts.append(f"{self.deferred} deferred")
        if self.failed:
            parts.append(f"{self.failed} failed")
        detail = ", ".join(f"{n} {k}" for k, n in sorted(self.ingested.items()))
        parts.append(f"{read} replies read" + (f" ({detail})" if detail else ""))
        return ", ".join(parts)


def read_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReflectError(
            f"{path}: no config file here. Copy config.example.toml to config.toml, or pass "
            "--config PATH (or set REFLECT_CONFIG)."
        ) from None
    return parse_config(text, path)


def read_membership(config: Config) -> Membership:
    """Every good row; the bad ones are in ``problems``, left out (``reflect check`` lists them)."""
    path = config.partnership.members
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReflectError(
            f"{config.path.name}, [partnership] members: {path} does not exist. Create it "
            "(name,email,organisation,sector,role,joined,left) or fix the path."
        ) from None
    return read_members(raw, file=path.name)


def read_content(config: Config) -> Content:
    extra = [config.prompts.extra_questions] if config.prompts.extra_questions else []
    return load_bundled_content(extra)


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
    ) -> None:
        self.pace_clock = pace_clock or RealPaceClock()  # the sending caps' waits; tests fake it
        self.environ = dict(os.environ if environ is None else environ)
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
        self.transport_factory = transport_factory or self._default_transport
        self.inbox_factory = inbox_factory or self._default_inbox

    def close(self) -> None:
        self.archive.close()

    # ------------------------------------------------------------ edges

    def _secret_from_env(self, name: str, what: str) -> str:
        value = self.environ.get(name, "")
        if not value:
            raise ReflectError(f"{what}: set the environment variable {name} to the password.")
        return value

    def _default_transport(self) -> Transport:
        mail = self.config.mail
        if mail.transport == "maildir":
            return MaildirTransport(path=mail.outbox_maildir)
        smtp = mail.smtp
        password = (
            self._secret_from_env(smtp.password_env, f"SMTP login to {smtp.host}")
            if smtp.username
            else ""
        )
        return SmtpTransport(
            host=smtp.host,
            port=smtp.port,
            security=smtp.security,
            username=smtp.username,
            password=password,
            timeout=smtp.timeout_seconds,
        )

    def _default_inbox(self) -> Inbox | None:
        inbox = self.config.inbox
        if inbox.source == "none":
            return None
        if inbox.source == "maildir":
            return MaildirInbox(path=inbox.maildir, max_bytes=inbox.max_message_bytes)
        from scheduler.inbound.imap import ImapInbox

        imap = inbox.imap
        return ImapInbox(
            host=imap.host,
            port=imap.port,
            security=imap.security,
            username=imap.username,
            password=self._secret_from_env(imap.password_env, f"IMAP login to {imap.host}"),
            folder=imap.folder,
            done_folder=imap.done_folder,
            max_bytes=inbox.max_message_bytes,
        )

    # ------------------------------------------------------------ steps

    def sync(self, now: datetime, report: TickReport) -> None:
        """Record joins and leaves, and changes to the meeting series."""
        try:
            membership = read_membership(self.config)
        except (InputError, ReflectError) as exc:
            # A broken spreadsheet must never read as "everyone left".
            report.problems.append(f"membership not synced: {exc}")
            log.error("membership not synced, nothing changed: %s", exc)
        else:
            for problem in membership.problems:
                # One bad row holds up only its own member: the others are synced.
                report.problems.append(f"row left out: {problem}")
                log.error("membership row left out, that member unchanged: %s", problem)
            if membership.unreadable:
                log.warning(
                    "%s row(s) without a readable address: nobody is taken as removed "
                    "from the file until they are fixed",
                    membership.unreadable,
                )
            today = now.astimezone(self.config.partnership.zone).date()
            archived = load_members(self.archive)
            changes = sync_membership(
                membership.members,
                archived,
                today,
                held=membership.held,
                complete=not membership.unreadable,
            )
            apply_membership(
                self.archive,
                changes,
                now,
                first_run=not archived,
                existing_members=self.config.induction.existing_members,
            )
            for change in changes:
                if change.kind in ("joined", "rejoined"):
                    report.joined += 1
                    log.info("member %s: %s", change.kind, change.email)
                elif change.kind == "left":
                    report.left += 1
                    log.info("member left: %s", change.email)
        stored = load_meetings(self.archive)
        meeting_changes = reconcile_meetings(
            self.config.meetings, stored, self.config.partnership.timezone
        )
        if meeting_changes:
            apply_meetings(self.archive, meeting_changes, self.config, now)
            for series_change in meeting_changes:
                log.info(
                    "series %s %s (sequence %s)",
                    series_change.meeting_id,
                    series_change.kind,
                    series_change.sequence,
                )

    def queue(self, now: datetime, report: TickReport) -> None:
        """Plan, and render what is new into the outbox."""
        state = load_state(self.archive, now)
        intents = plan(self.config, self.content, now, state)
        if not intents:
            return
        known = existing_keys(self.archive, [i.key for i in intents])
        fresh = [i for i in intents if i.key not in known]
        if not fresh:
            return
        renderer = Renderer(
            config=self.config,
            content=self.content,
            secret=self.secret,
            members=state.members,
            meetings=state.meetings,
            now=now,
            handovers_for=self.handovers_for,
            digest_for=self.digest_for,
            answer_text=self.answer_text,
            invitations=state.invitations,
            answer_to_meeting=self.answer_to_meeting,
            held_back=state.held_back,
            started=state.started,
        )
        member_ids = {m.email: m.id for m in state.members.values()}
        batch = []
        for intent in fresh:
            batch.append((intent, renderer.render(intent)))
            if len(batch) >= 500:
                report.queued += enqueue(self.archive, batch, member_ids, now)
                batch = []
        crash_point("after_render")
        report.queued += enqueue(self.archive, batch, member_ids, now)
        crash_point("after_queue")
        for intent in fresh:
            log.debug("queued %s for %s", intent.kind, intent.recipient)
        log.info("queued %s message(s)", report.queued)

    def digest_for(self, meeting: Meeting, occurrence: datetime, when_text: str) -> DigestView:
        settings = self.config.digest
        return build_digest(
            self.archive,
            partnership=self.config.partnership.name,
            meeting_id=meeting.id,
            meeting_title=meeting.title,
            occurrence=occurrence,
            when_text=when_text,
            anonymise=settings.anonymise,
            min_group=settings.min_group,
            quiet_cycles=settings.quiet_cycles,
            zone=self.config.partnership.zone,
        )

    def answer_text(self, answer_id: int) -> str:
        return str(self.archive.scalar("SELECT text FROM answers WHERE id = ?", (answer_id,)) or "")

    def answer_to_meeting(self, email: str, meeting_id: str, occurrence: datetime | None) -> str:
        """The member's last calendar answer (PARTSTAT) for this meeting or its whole series.

        With ``occurrence`` None, only an answer to the whole series counts.
        """
        answer = self.archive.scalar(
            """SELECT r.partstat FROM rsvps r JOIN members m ON m.id = r.member_id
               WHERE m.email = ? AND r.meeting_id = ?
                 AND (r.recurrence_id IS NULL OR r.recurrence_id = ?)
               ORDER BY r.id DESC LIMIT 1""",
            (email, meeting_id, utc_text(occurrence) if occurrence is not None else None),
        )
        # only a plain answer carries over: an odd or delegated one is asked again
        return str(answer) if answer in ("ACCEPTED", "DECLINED", "TENTATIVE") else "NEEDS-ACTION"

    def handovers_for(self, member: MemberState) -> list[HandoverNote]:
        rows = self.archive.rows(
            """SELECT m.name, m.organisation, m.role, m.left_on, a.text FROM answers a
               JOIN members m ON m.id = a.member_id
               WHERE a.kind = 'handover' AND a.forgotten = 0 AND m.id != ?
                 AND m.status = 'left' AND (m.organisation = ? OR (m.role != '' AND m.role = ?))
               ORDER BY a.received_at""",
            (member.id, member.organisation, member.role),
        )  # someone who has come back speaks for themselves: only leavers' notes
        return [
            HandoverNote(r["name"], r["organisation"], r["role"], _day(r["left_on"]), r["text"])
            for r in rows
        ]

    async def send_due(self, now: datetime, report: TickReport, transport: Transport) -> None:
        give_up = timedelta(hours=self.config.mail.give_up_after_hours)
        pacer = self._pacer(now, transport)
        while True:
            claimed = claim_due(self.archive, now, limit=pacer.batch(200) if pacer else 200)
            if not claimed:
                return
            async with transport:
                for position, item in enumerate(claimed):
                    if pacer is not None and (held := await pacer.admit()) is not None:
                        # the cap is reached: this message and the rest wait for the window
                        postpone(self.archive, claimed[position:], now, held)
                        log.info("sending cap reached; the rest go from %s", held)
                        return
                    try:
                        await transport.send(
                            sender=self.envelope_sender(item.key),
                            recipient=(
                                self.config.convenor.email
                                if self.config.mail.rehearsal
                                else item.recipient
                            ),
                            raw=item.raw,
                            label=item.kind,
                        )
                    except PermanentDeliveryError as exc:
                        if isinstance(exc, ServerRefusedError):
                            # The server refuses us, not this member: stop, keep the rest pending.
                            release(self.archive, claimed[position:])
                            report.problems.append(f"sending stopped: {exc}")
                            log.error("sending stopped: %s", exc)
                            return
                        mark_failed(self.archive, item, str(exc))
                        report.failed += 1
                        log.warning("failed %s to %s: %s", item.kind, item.recipient, exc)
                    except TemporaryDeliveryError as exc:
                        if is_throttling(exc.code, str(exc)):
                            # The relay asks us to slow down: not this message's fault, no try
                            # counted; it and the rest wait, the server's words kept for status.
                            until = (pacer.now() if pacer else now) + THROTTLE_PAUSE
                            postpone(self.archive, claimed[position:], now, until, reason=str(exc))
                            report.deferred += len(claimed) - position
                            log.warning("relay throttling (%s); sending resumes at %s", exc, until)
                            return
                        kept = mark_deferred(
                            self.archive, item, now, str(exc), give_up_after=give_up
                        )
                        if kept:
                            report.deferred += 1
                            log.warning("deferred %s to %s: %s", item.kind, item.recipient, exc)
                        else:
                            report.failed += 1
                            log.warning("gave up on %s to %s: %s", item.kind, item.recipient, exc)
                        if exc.code is None or exc.code == 421:
                            # The connection is gone: the rest wait for the next tick.
                            release(self.archive, claimed[position + 1 :])
                            return
                    else:
                        crash_point("after_smtp_250")
                        mark_sent(self.archive, item, pacer.record() if pacer else now)
                        report.sent += 1
                        done = "previewed" if transport.name == "preview" else "sent"
                        log.info("%s %s to %s", done, item.kind, item.recipient)

    def envelope_sender(self, key: str) -> str:
        """Where a message's delivery reports go: its own signed return address (VERP)."""
        mail = self.config.mail
        return return_address(key, self.secret, mail.reply_to) if mail.verp else mail.from_address

    def _pacer(self, now: datetime, transport: Transport) -> Pacer | None:
        """The sending caps, for an SMTP relay that has them (not for files or previews)."""
        smtp = self.config.mail.smtp
        caps = Caps(per_minute=smtp.max_per_minute, per_day=smtp.max_per_day)
        if not caps.active or transport.name != "smtp":
            return None
        rows = self.archive.conn.execute(
            "SELECT sent_at FROM outbox WHERE status = 'sent' AND sent_at > ?",
            (utc_text(now - caps.lookback - timedelta(seconds=1)),),
        ).fetchall()
        # stored times are cut to the second: count each as a second later, to be safe
        sent = [datetime.fromisoformat(r[0]) + timedelta(seconds=1) for r in rows]
        return Pacer(caps, now, sent, self.pace_clock)

    async def ingest(self, now: datetime, report: TickReport) -> None:
        try:
            await self._take_custody(now)
        except ReflectError as exc:
            # The inbox cannot be read this round; what is stored is read, sending goes on.
            report.problems.append(f"replies not fetched: {exc}")
            log.error("replies not fetched: %s", exc)
        for status, count in self.reader().process_pending(now).items():
            report.ingested[status] = report.ingested.get(status, 0) + count

    async def _take_custody(self, now: datetime) -> None:
        """Store each waiting message, then (only then) tell the inbox it can move it."""
        inbox = self.inbox_factory()
        if inbox is None:
            return
        async with inbox:
            while True:
                fetched = await inbox.fetch()
                if not fetched:
                    break
                crash_point("after_fetch")
                with self.archive.transaction():  # the whole batch's bytes in one commit
                    for mail in fetched:
                        store_raw(
                            self.archive,
                            mail.raw,
                            source=inbox.name,
                            ref=mail.ref,
                            now=now,
                            held=None if mail.whole else self._set_aside(mail.size),
                            size=mail.size if not mail.whole else None,
                        )
                for mail in fetched:
                    crash_point("before_imap_move")
                    await inbox.acknowledge(mail.ref)  # only after the commit
                if len(fetched) < getattr(inbox, "batch_size", 10**9):
                    break

    def _set_aside(self, size: int) -> str:
        inbox = self.config.inbox
        kept = (
            f"the IMAP folder {inbox.imap.done_folder!r}"
            if inbox.source == "imap"
            else f"{inbox.maildir / '.Processed'}"
        )
        return (
            f"{too_large(size, self.limits)}: set aside unread, only its headers are here; "
            f"the whole message is kept in {kept}"
        )

    def reader(self) -> Reader:
        inbox = self.config.inbox
        return Reader(
            self.archive,
            secret=self.secret,
            reply_to=self.config.mail.reply_to,
            from_address=self.config.mail.from_address,
            meeting_for_uid={
                series_uid(self.config, m): m
                for m in [row["id"] for row in self.archive.rows("SELECT id FROM meetings")]
            },
            called_off=self.called_off(),
            trusted_authserv_id=inbox.trusted_authserv_id,
            limits=self.limits,
        )

    @property
    def limits(self) -> Limits:
        return Limits(max_bytes=self.config.inbox.max_message_bytes)

    def called_off(self) -> set[tuple[str, str]]:
        """(meeting id, occurrence in UTC text) of every meeting the config calls off."""
        zone = self.config.partnership.zone
        return {
            (meeting.id, utc_text(when.replace(tzinfo=zone)))
            for meeting in self.config.meetings
            for when in meeting.cancelled
        }

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
                return await self._tick(now, transport=transport, ingest=ingest)
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

    async def _tick(
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
        if self.config.keep_raw_days:
            purged = purge_raw_older_than(
                self.archive, now - timedelta(days=self.config.keep_raw_days)
            )
            if purged:
                log.info("removed the raw copies of %s message(s) past the retention age", purged)
        return report


def _moment(when: datetime, zone: ZoneInfo) -> str:
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M %Z}"


def _day(iso: str | None) -> str:
    return long_date(date.fromisoformat(iso)) if iso else ""


def build_services(config_path: Path, **kwargs: object) -> Services:
    return Services(read_config(config_path), **kwargs)  # type: ignore[arg-type]
