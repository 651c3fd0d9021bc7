"""How close the real pipeline comes to what the machine and the libraries allow.

Run from the repository root::

    python bench/run.py            # the full bench (several minutes)
    python bench/run.py --quick    # a one-minute smoke run; its figures mean little

Every figure is taken in the same run as what it is compared with, as the
median of several interleaved rounds, with min and max: absolute times on a
shared machine drift by tens of percent between runs, ratios taken side by
side do not. Everything talks only to 127.0.0.1 (an aiosmtpd sink in its own
process) and to files in a temporary directory; every loop is bounded in
count and in time. One line per figure, then one summary line. The targets
are printed for reading; the bench never fails on them (``--quick`` is a
smoke run for CI). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import shutil
import smtplib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import aiosmtplib  # noqa: E402
import icalendar  # noqa: E402
import jinja2  # noqa: E402
import sqlite_utils  # noqa: E402
from sink import Sink, start_sink  # noqa: E402
from workload import (  # noqa: E402
    HISTORY_NOW,
    PRESYNC_AT,
    SEND_AT,
    Place,
    big_reply,
    build_history,
    config_text,
    copy_place,
    presync,
    prompts_sent,
    replies,
    write_partnership,
)

from scheduler.app.services import Services, build_services  # noqa: E402
from scheduler.archive.state import load_state  # noqa: E402
from scheduler.compose.render import templates_dir  # noqa: E402
from scheduler.compose.tokens import sign_token, token_id_for  # noqa: E402
from scheduler.inbound.ingest import store_raw  # noqa: E402
from scheduler.inputs.config import Config, Meeting  # noqa: E402
from scheduler.inputs.content import load_bundled_content  # noqa: E402
from scheduler.plan.planner import plan  # noqa: E402
from scheduler.replies import parse_reply  # noqa: E402

SENDER = "reflect@reflect.example.org"


QUESTIONS = 2
"""Questions each member is sent in the send tick: a day's email allowance
(``scheduler/plan/pacing.py``), so that one tick plans exactly what goes."""


@dataclass(frozen=True)
class Sizes:
    members: int  # x QUESTIONS = prompts sent
    invites: int
    naive_cap: int  # the naive script sends at most this many per round ...
    naive_seconds: float  # ... and stops after this long
    replies: int
    history_members: int
    big_message: int
    throttle_messages: int
    throttle_cap: int
    rounds: int
    memory_rounds: int

    @staticmethod
    def full() -> Sizes:
        return Sizes(5000, 500, 1500, 20.0, 10_000, 2000, 10 * 1024 * 1024, 200, 600, 3, 2)

    @property
    def prompts(self) -> int:
        return self.members * QUESTIONS

    @staticmethod
    def quick() -> Sizes:
        return Sizes(250, 50, 100, 3.0, 500, 100, 1024 * 1024, 30, 600, 2, 1)


# ---------------------------------------------------------------- figures


@dataclass
class Figure:
    name: str
    unit: str
    values: list[float] = field(default_factory=list)
    target: str = ""
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    def line(self) -> str:
        if not self.values:
            return f"{self.name:<34} (no value)"
        lo, hi = min(self.values), max(self.values)
        text = (
            f"{self.name:<34} {_num(self.median):>10} {self.unit:<6} "
            f"median of {len(self.values)} (min {_num(lo)}, max {_num(hi)})"
        )
        if self.target:
            text += f"  target {self.target}"
        if self.note:
            text += f"  [{self.note}]"
        return text


def _num(value: float) -> str:
    if value != value:  # nan
        return "nan"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


class Report:
    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}

    def add(self, name: str, unit: str, value: float, *, target: str = "", note: str = "") -> None:
        figure = self.figures.setdefault(name, Figure(name, unit, target=target))
        figure.values.append(value)
        if note:
            figure.note = note

    def print(self, names: list[str]) -> None:
        for name in names:
            if name in self.figures:
                print(self.figures[name].line(), flush=True)

    def median(self, name: str) -> float:
        figure = self.figures.get(name)
        return figure.median if figure else float("nan")


def log(text: str) -> None:
    print(f"# {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- 1. send


async def _pipeline_tick(place: Place, now: datetime = SEND_AT) -> tuple[float, int, int]:
    services = build_services(place.config, environ={})
    try:
        start = time.perf_counter()
        report = await services.tick(now)
        elapsed = time.perf_counter() - start
    finally:
        services.close()
    return elapsed, report.sent, report.queued


def run_pipeline(place: Place, sink: Sink, expected: int, now: datetime = SEND_AT) -> float:
    sink.reset()
    elapsed, sent, queued = asyncio.run(_pipeline_tick(place, now))
    if sent != expected or queued != expected or sink.count != expected:
        raise SystemExit(
            f"bench: the pipeline sent {sent} (queued {queued}, sink {sink.count}), "
            f"expected {expected}"
        )
    return elapsed


def outbox_messages(db: Path) -> list[tuple[str, bytes]]:
    conn = sqlite3.connect(db)
    try:
        return [
            (r, bytes(b)) for r, b in conn.execute("SELECT recipient, raw FROM outbox ORDER BY id")
        ]
    finally:
        conn.close()


async def _limit_send(port: int, messages: list[tuple[str, bytes]]) -> float:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, use_tls=False, start_tls=False)
    await client.connect()
    try:
        start = time.perf_counter()
        for recipient, raw in messages:
            await client.sendmail(SENDER, [recipient], raw)
        return time.perf_counter() - start
    finally:
        await client.quit()


def run_limit(sink: Sink, messages: list[tuple[str, bytes]]) -> float:
    sink.reset()
    elapsed = asyncio.run(_limit_send(sink.port, messages))
    if sink.count != len(messages):
        raise SystemExit(f"bench: the limit run delivered {sink.count} of {len(messages)}")
    return elapsed


def _naive_members(place: Place) -> list[dict[str, str]]:
    import csv

    with (place.dir / "members.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def naive_calendar(config: Config, meeting: Meeting, member: dict[str, str]) -> bytes:
    """The invitation as a script would write it with icalendar: its own VTIMEZONE each time."""
    zone = ZoneInfo(config.partnership.timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//naive script//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = icalendar.Event()
    event.add("uid", f"{meeting.id}@reflect.example.org")
    event.add("dtstamp", SEND_AT)
    event.add("dtstart", meeting.first.replace(tzinfo=zone))
    event.add("dtend", (meeting.first + meeting.duration).replace(tzinfo=zone))
    event.add("rrule", icalendar.vRecur.from_ical(meeting.rrule or "FREQ=WEEKLY"))
    event.add("summary", meeting.title)
    event.add("location", meeting.location)
    organizer = icalendar.vCalAddress(f"mailto:{SENDER}")
    organizer.params["CN"] = config.convenor.name
    event.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{member['email']}")
    attendee.params.update({"CN": member["name"], "RSVP": "TRUE", "PARTSTAT": "NEEDS-ACTION"})
    event.add("attendee", attendee)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def run_naive(place: Place, sink: Sink, *, invites: bool, cap: int, seconds: float) -> float:
    """The naive script: render each message in the loop, a new smtplib connection for each.

    Returns messages per second over what it managed within ``cap`` and ``seconds``.
    """
    content = load_bundled_content([])
    # the naive script's own Jinja2 set-up on the same templates (lenient: a variable the
    # service has added since simply renders empty)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    )

    def render_template(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
        return tuple(  # type: ignore[return-value]
            env.get_template(f"{name}.{part}").render(context)
            for part in ("subject", "txt", "html")
        )

    services = build_services(place.config, environ={})
    config, secret = services.config, services.secret
    services.close()
    questions = list(config.prompts.questions)
    sink.reset()
    sent = 0
    start = time.perf_counter()
    for i, member in enumerate(_naive_members(place)):
        for qid in [None] if invites else questions:
            if sent >= cap or time.perf_counter() - start > seconds:
                break
            msg = EmailMessage()
            if invites:
                meeting = config.meetings[0]
                subject, text, html = render_template(
                    "member-invite",
                    {
                        "partnership": config.partnership.name,
                        "convenor_name": config.convenor.name,
                        "convenor_email": config.convenor.email,
                        "reply_marker": "## Please reply above this line ##",
                        "member_name": member["name"],
                        "greeting_name": member["name"].split()[0],
                        "meeting_title": meeting.title,
                        "cancelled": False,
                        "cancel_reason": "",
                        "update": False,
                        "rhythm": "every 6 weeks on Tuesday",
                        "time_range": "10:00–11:30",
                        "tz": config.partnership.timezone,
                        "next": "Tuesday 12 January 2027 at 10:00",
                        "location": meeting.location,
                        "purpose_line": "We stop to reflect together.",
                    },
                )
                ics = naive_calendar(config, meeting, member)
                msg.set_content(text)
                msg.add_alternative(html, subtype="html")
                msg.add_attachment(
                    ics, maintype="text", subtype="calendar", params={"method": "REQUEST"}
                )
            else:
                q = content.questions[qid or ""]
                subject, text, html = render_template(
                    "member-prompt",
                    {
                        "partnership": config.partnership.name,
                        "convenor_name": config.convenor.name,
                        "convenor_email": config.convenor.email,
                        "reply_marker": "## Please reply above this line ##",
                        "question_text": q.text,
                        "question_number": q.number,
                        "prompts": list(q.prompts),
                        "points": list(q.points),
                        "resources": [
                            {"title": r.title, "description": r.description} for r in q.resources
                        ],
                        "source": q.source,
                        "is_checklist": False,
                        "member_name": member["name"],
                        "greeting_name": member["name"].split()[0],
                        "organisation": member["organisation"],
                        "meeting_title": "Reflection point",
                        "meeting_when": "Tuesday 12 January 2027 at 10:00",
                        "meeting_day": "Tue 12 Jan",
                        "intro": "",
                    },
                )
                msg.set_content(text)
                msg.add_alternative(html, subtype="html")
                token = sign_token(token_id_for(f"{i}/{qid}"), secret)
                msg["Reply-To"] = f"reflect+{token}@reflect.example.org"
            msg["From"] = f"Bench Together <{SENDER}>"
            msg["To"] = f"{member['name']} <{member['email']}>"
            msg["Subject"] = subject
            msg["Message-ID"] = email.utils.make_msgid(domain="reflect.example.org")
            with smtplib.SMTP("127.0.0.1", sink.port, local_hostname="bench") as smtp:
                smtp.send_message(msg)
            sent += 1
    elapsed = time.perf_counter() - start
    if sink.count != sent or sent == 0:
        raise SystemExit(f"bench: the naive script delivered {sink.count} of {sent}")
    return sent / elapsed


def time_plan(place: Place, rounds: int, report: Report) -> int:
    """Time ``load_state`` and the pure ``plan`` on a pre-synced archive; returns the intents."""
    services = build_services(place.config, environ={})
    count = 0
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            state = load_state(services.archive, SEND_AT)
            loaded = time.perf_counter() - start
            start = time.perf_counter()
            count = len(plan(services.config, services.content, SEND_AT, state))
            planned = time.perf_counter() - start
            report.add("send.plan.load_state", "ms", loaded * 1000)
            report.add(f"send.plan.{count}_intents", "ms", planned * 1000)
    finally:
        services.close()
    return count


def section_send(work: Path, sink: Sink, sizes: Sizes, report: Report) -> Place:
    log(f"send: {sizes.members} members x {QUESTIONS} questions, {sizes.invites} invitations")
    prompts_base = write_partnership(
        work / "send-base",
        members=sizes.members,
        config=config_text(port=sink.port, questions_per_cycle=QUESTIONS),
    )
    presync(prompts_base)
    invites_base = write_partnership(
        work / "invite-base",
        members=sizes.invites,
        config=config_text(port=sink.port, questions_per_cycle=1),
    )
    presync(invites_base, invitations=False)
    expected = sizes.prompts
    sent_place: Place | None = None
    prompt_messages: list[tuple[str, bytes]] = []
    invite_messages: list[tuple[str, bytes]] = []
    for round_no in range(sizes.rounds):
        rates: dict[str, float] = {}
        order = ["pipeline", "limit", "naive"]
        order = order[round_no % 3 :] + order[: round_no % 3]
        for which in order:
            if which == "pipeline":
                place = copy_place(prompts_base, work / "send-round")
                rates["pipeline"] = expected / run_pipeline(place, sink, expected)
                if sent_place is None:
                    sent_place = copy_place(place, work / "ingest-base")
                    prompt_messages = outbox_messages(sent_place.db)
                iplace = copy_place(invites_base, work / "invite-round")
                rates["ipipeline"] = sizes.invites / run_pipeline(
                    iplace, sink, sizes.invites, PRESYNC_AT
                )
                if not invite_messages:
                    invite_messages = outbox_messages(iplace.db)
            elif which == "limit":
                if not prompt_messages:  # the pipeline's own messages, once it has run
                    place = copy_place(prompts_base, work / "send-round")
                    run_pipeline(place, sink, expected)
                    prompt_messages = outbox_messages(place.db)
                    sent_place = copy_place(place, work / "ingest-base")
                    iplace = copy_place(invites_base, work / "invite-round")
                    run_pipeline(iplace, sink, sizes.invites, PRESYNC_AT)
                    invite_messages = outbox_messages(iplace.db)
                rates["limit"] = len(prompt_messages) / run_limit(sink, prompt_messages)
                rates["ilimit"] = len(invite_messages) / run_limit(sink, invite_messages)
            else:
                rates["naive"] = run_naive(
                    prompts_base, sink, invites=False, cap=sizes.naive_cap,
                    seconds=sizes.naive_seconds,
                )  # fmt: skip
                rates["inaive"] = run_naive(
                    invites_base, sink, invites=True, cap=min(sizes.naive_cap, sizes.invites),
                    seconds=sizes.naive_seconds / 2,
                )  # fmt: skip
        for prefix, label in (("", "send.prompts"), ("i", "send.invites")):
            report.add(f"{label}.pipeline", "msg/s", rates[f"{prefix}pipeline"])
            report.add(f"{label}.limit", "msg/s", rates[f"{prefix}limit"])
            report.add(f"{label}.naive", "msg/s", rates[f"{prefix}naive"])
            report.add(
                f"{label}.pipeline/limit", "x",
                rates[f"{prefix}pipeline"] / rates[f"{prefix}limit"], target=">= 0.5",
            )  # fmt: skip
            report.add(
                f"{label}.pipeline/naive", "x",
                rates[f"{prefix}pipeline"] / rates[f"{prefix}naive"], target=">= 2",
            )  # fmt: skip
        log(f"send round {round_no + 1}: " + ", ".join(f"{k} {v:.0f}/s" for k, v in rates.items()))
    planned = time_plan(prompts_base, sizes.rounds, report)
    report.print(
        [
            f"send.{kind}.{name}"
            for kind in ("prompts", "invites")
            for name in ("pipeline", "limit", "naive", "pipeline/limit", "pipeline/naive")
        ]
        + ["send.plan.load_state", f"send.plan.{planned}_intents"]
    )
    assert sent_place is not None
    return sent_place


# ---------------------------------------------------------------- 2. ingest


def compose_all(place: Place, count: int) -> list[bytes]:
    services = build_services(place.config, environ={})
    secret, reply_to = services.secret, services.config.mail.reply_to
    services.close()
    return list(replies(prompts_sent(place.db, count), secret=secret, reply_to=reply_to))


def ingest_pipeline(services: Services, messages: list[bytes]) -> dict[str, int]:
    now = SEND_AT + timedelta(days=1)
    for raw in messages:
        store_raw(services.archive, raw, source="bench", ref=None, now=now)
    reader = services.reader()
    counts: dict[str, int] = {}
    for _ in range(len(messages) // 100 + 10):  # bounded: each pass reads up to 1000
        done = reader.process_pending(now)
        for key, value in done.items():
            counts[key] = counts.get(key, 0) + value
        if not services.archive.scalar("SELECT count(*) FROM inbound WHERE status = 'pending'"):
            break
    return counts


def run_ingest(base: Place, work: Path, messages: list[bytes]) -> tuple[float, dict[str, int]]:
    place = copy_place(base, work / "ingest-round")
    services = build_services(place.config, environ={})
    try:
        start = time.perf_counter()
        counts = ingest_pipeline(services, messages)
        elapsed = time.perf_counter() - start
    finally:
        services.close()
    if sum(counts.values()) != len(messages):
        raise SystemExit(f"bench: ingested {counts}, expected {len(messages)} messages")
    return elapsed, counts


def run_ingest_limit(work: Path, messages: list[bytes]) -> float:
    path = work / "limit.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = sqlite_utils.Database(path)
    db.enable_wal()
    try:
        start = time.perf_counter()
        rows = []
        for raw in messages:
            msg = email.message_from_bytes(raw)
            rows.append(
                {"message_id": msg["Message-ID"], "subject": msg["Subject"], "raw": raw,
                 "size": len(raw)}
            )  # fmt: skip
            if len(rows) >= 500:
                db["inbound"].insert_all(rows)
                rows = []
        db["inbound"].insert_all(rows)
        return time.perf_counter() - start
    finally:
        db.close()


def section_ingest(work: Path, base: Place, sizes: Sizes, report: Report) -> None:
    messages = compose_all(base, sizes.replies)
    log(
        f"ingest: {len(messages)} replies, {sum(map(len, messages)) // len(messages)} bytes on average"
    )
    counts: dict[str, int] = {}
    for round_no in range(sizes.rounds):
        rates = {}
        for which in ["pipeline", "limit"] if round_no % 2 == 0 else ["limit", "pipeline"]:
            if which == "pipeline":
                elapsed, counts = run_ingest(base, work, messages)
                rates["pipeline"] = len(messages) / elapsed
            else:
                rates["limit"] = len(messages) / run_ingest_limit(work, messages)
        report.add("ingest.pipeline", "msg/s", rates["pipeline"])
        report.add("ingest.limit", "msg/s", rates["limit"])
        report.add(
            "ingest.pipeline/limit", "x", rates["pipeline"] / rates["limit"], target=">= 0.3"
        )
        log(f"ingest round {round_no + 1}: {rates} {counts}")
    sample = messages[: min(2000, len(messages))]
    for _ in range(sizes.rounds):
        start = time.perf_counter()
        for raw in sample:
            parse_reply(raw)
        report.add(
            "ingest.parse_reply", "ms/msg", (time.perf_counter() - start) * 1000 / len(sample)
        )
        # the library's own floor: email's modern parser reading what any reply reader must
        # (From, To, Subject, the text body), beside compat32's parse as in the limit
        start = time.perf_counter()
        for raw in sample:
            msg = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            _ = msg["From"].addresses, msg["To"].addresses, msg["Subject"]
            body = msg.get_body(("plain", "html"))
            _ = body.get_content() if body is not None else ""
        modern = (time.perf_counter() - start) * 1000 / len(sample)
        start = time.perf_counter()
        for raw in sample:
            old = email.message_from_bytes(raw)
            _ = old["Message-ID"], old["Subject"]
        compat = (time.perf_counter() - start) * 1000 / len(sample)
        report.add("ingest.email_default_policy_read", "ms/msg", modern)
        report.add("ingest.email_compat32_parse", "ms/msg", compat)
    report.figures["ingest.pipeline"].note = ", ".join(
        f"{v} {k}" for k, v in sorted(counts.items())
    )
    report.print(
        [
            "ingest.pipeline",
            "ingest.limit",
            "ingest.pipeline/limit",
            "ingest.parse_reply",
            "ingest.email_default_policy_read",
            "ingest.email_compat32_parse",
        ]
    )


# ---------------------------------------------------------------- 3. history


async def _nothing_due(place: Place) -> float:
    services = build_services(place.config, environ={})
    try:
        start = time.perf_counter()
        report = await services.tick(HISTORY_NOW)
        elapsed = time.perf_counter() - start
    finally:
        services.close()
    if report.queued or report.sent or report.joined or report.left:
        raise SystemExit(f"bench: the nothing-due tick did something: {report.summary()}")
    return elapsed


def section_history(
    work: Path, sink: Sink, sizes: Sizes, report: Report, sample_raw: bytes
) -> None:
    years = 3
    log(f"history: {sizes.history_members} members, {years} years of six-weekly prompts")
    text = config_text(port=sink.port, questions_per_cycle=1, first="2024-01-09T10:00:00",
                       governance=True)  # fmt: skip
    fresh = write_partnership(work / "fresh", members=sizes.history_members, config=text)
    presync(fresh, now=HISTORY_NOW - timedelta(days=1))
    history = copy_place(fresh, work / "history")
    start = time.perf_counter()
    counts = build_history(history, years=years, sample_raw=sample_raw)
    size_mb = history.db.stat().st_size / 1e6
    log(f"history built in {time.perf_counter() - start:.1f}s: {counts}, {size_mb:.0f} MB")
    for place in (fresh, history):  # warm the page cache once, as a second cron tick would find it
        asyncio.run(_nothing_due(place))
    for round_no in range(max(5, sizes.rounds)):
        times = {}
        for which in ["fresh", "history"] if round_no % 2 == 0 else ["history", "fresh"]:
            times[which] = asyncio.run(_nothing_due(fresh if which == "fresh" else history))
        report.add("history.tick.fresh", "ms", times["fresh"] * 1000)
        report.add("history.tick.3_years", "ms", times["history"] * 1000,
                   note=f"{counts['outbox']} outbox, {counts['inbound']} inbound rows, {size_mb:.0f} MB")  # fmt: skip
        report.add("history.3_years/fresh", "x", times["history"] / times["fresh"], target="<= 1.5")
    report.print(["history.tick.fresh", "history.tick.3_years", "history.3_years/fresh"])


# ---------------------------------------------------------------- 4. memory


# A small launcher between the bench and each memory case: Linux carries the peak RSS of
# the process that forks (the bench, with its messages in memory) into the child's
# ru_maxrss across exec, so the case must be started by a process that is itself small.
_LAUNCHER = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(done.returncode)"
)


def child_rss(args: list[str]) -> float:
    """Run one case in a child process; its peak RSS in MB (ru_maxrss, KiB on Linux)."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: memory case {args} failed ({done.returncode}): {done.stderr}")
    return int(done.stdout.split()[-1]) / 1024


def child_main(kind: str, place_dir: Path, count: int, port: int) -> None:
    place = Place(place_dir, place_dir / "config.toml")
    if kind == "baseline":
        services = build_services(place.config, environ={})
        services.close()
    elif kind == "ingest-big":
        services = build_services(place.config, environ={})
        prompt = prompts_sent(place.db, 1)[0]
        raw = big_reply(prompt, secret=services.secret, reply_to=services.config.mail.reply_to,
                        size=count)  # fmt: skip
        counts = ingest_pipeline(services, [raw])
        del raw
        services.close()
        assert sum(counts.values()) == 1, counts
    elif kind == "ingest-many":
        services = build_services(place.config, environ={})
        now = SEND_AT + timedelta(days=1)
        stream = replies(prompts_sent(place.db, count), secret=services.secret,
                         reply_to=services.config.mail.reply_to)  # fmt: skip
        for raw in stream:  # composed one at a time, so that only the ingest's memory shows
            store_raw(services.archive, raw, source="bench", ref=None, now=now)
        reader = services.reader()
        for _ in range(count // 100 + 10):
            reader.process_pending(now)
            if not services.archive.scalar("SELECT count(*) FROM inbound WHERE status = 'pending'"):
                break
        services.close()
    elif kind == "send":
        _elapsed, sent, _queued = asyncio.run(_pipeline_tick(place))
        assert sent == count, (sent, count)
    else:
        raise SystemExit(f"unknown child {kind}")


def section_memory(work: Path, sink: Sink, sizes: Sizes, report: Report, sent: Place) -> None:
    log("memory: each case in its own process")
    send_base = Place(work / "send-base", work / "send-base" / "config.toml")
    for _ in range(sizes.memory_rounds):
        place = copy_place(sent, work / "mem")
        report.add(
            "memory.baseline", "MB", child_rss(["--child", "baseline", str(place.dir), "0", "0"])
        )
        report.add(
            f"memory.ingest_one_{sizes.big_message // 1024 // 1024}MiB", "MB",
            child_rss(["--child", "ingest-big", str(place.dir), str(sizes.big_message), "0"]),
            target="<= 256",
        )  # fmt: skip
        place = copy_place(sent, work / "mem")
        report.add(
            f"memory.ingest_{sizes.replies}", "MB",
            child_rss(["--child", "ingest-many", str(place.dir), str(sizes.replies), "0"]),
            target="<= 256",
        )  # fmt: skip
        place = copy_place(send_base, work / "mem")
        sink.reset()
        report.add(
            f"memory.send_{sizes.prompts}", "MB",
            child_rss(["--child", "send", str(place.dir), str(sizes.prompts), "0"]),
            target="<= 256",
        )  # fmt: skip
    report.print(
        [
            "memory.baseline",
            f"memory.ingest_one_{sizes.big_message // 1024 // 1024}MiB",
            f"memory.ingest_{sizes.replies}",
            f"memory.send_{sizes.prompts}",
        ]
    )


# ---------------------------------------------------------------- 5. relay limits


def section_throttle(work: Path, sink: Sink, sizes: Sizes, report: Report) -> None:
    cap, count = sizes.throttle_cap, sizes.throttle_messages
    log(f"throttle: {count} messages under max_per_minute = {cap}")
    base = write_partnership(
        work / "throttle-base",
        members=count,
        config=config_text(port=sink.port, questions_per_cycle=1, max_per_minute=cap),
    )
    presync(base)
    for _ in range(sizes.rounds):
        place = copy_place(base, work / "throttle-round")
        run_pipeline(place, sink, count)
        first, last = sink.span()
        rate = (sink.count - 1) / (last - first) * 60 if last > first else float("inf")
        report.add("throttle.sent_per_minute", "msg/min", rate)
        report.add("throttle.rate/cap", "x", rate / cap, target="0.95 to 1.0")
    report.print(["throttle.sent_per_minute", "throttle.rate/cap"])


# ---------------------------------------------------------------- main


def summary(report: Report, sizes: Sizes) -> str:
    checks: list[tuple[str, str, Callable[[float], bool]]] = [
        ("send.prompts.pipeline/limit", ">=0.5", lambda v: v >= 0.5),
        ("send.prompts.pipeline/naive", ">=2", lambda v: v >= 2),
        ("send.invites.pipeline/limit", ">=0.5", lambda v: v >= 0.5),
        ("send.invites.pipeline/naive", ">=2", lambda v: v >= 2),
        ("ingest.pipeline/limit", ">=0.3", lambda v: v >= 0.3),
        ("history.3_years/fresh", "<=1.5", lambda v: v <= 1.5),
        (
            f"memory.ingest_one_{sizes.big_message // 1024 // 1024}MiB",
            "<=256MB",
            lambda v: v <= 256,
        ),
        (f"memory.ingest_{sizes.replies}", "<=256MB", lambda v: v <= 256),
        (f"memory.send_{sizes.prompts}", "<=256MB", lambda v: v <= 256),
        ("throttle.rate/cap", "0.95-1.0", lambda v: 0.95 <= v <= 1.0),
    ]
    parts = []
    met = 0
    shown = 0
    for name, target, ok in checks:
        value = report.median(name)
        if value != value:
            continue
        shown += 1
        good = ok(value)
        met += good
        parts.append(f"{name} {_num(value)} ({target} {'met' if good else 'MISSED'})")
    return f"summary: {met}/{shown} targets met: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a one-minute smoke run")
    parser.add_argument("--rounds", type=int, help="rounds per figure (default 3; quick 2)")
    parser.add_argument(
        "--only", default="send,ingest,history,memory,throttle",
        help="comma-separated sections to run",
    )  # fmt: skip
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument(
        "--child", nargs=4, metavar=("KIND", "DIR", "COUNT", "PORT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        kind, place_dir, count, port = args.child
        child_main(kind, Path(place_dir), int(count), int(port))
        return 0
    sizes = Sizes.quick() if args.quick else Sizes.full()
    if args.rounds:
        sizes = Sizes(**{**sizes.__dict__, "rounds": args.rounds})
    only = set(args.only.split(","))
    started = time.perf_counter()
    work = args.keep or Path(tempfile.mkdtemp(prefix="reflect-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sink = start_sink()
    report = Report()
    try:
        print(f"reflect bench ({'quick' if args.quick else 'full'}, {sizes.rounds} rounds, "
              f"python {sys.version.split()[0]}, {os.cpu_count()} cpus)", flush=True)  # fmt: skip
        sent: Place | None = None
        if only & {"send", "ingest", "memory", "history"}:
            sent = (
                section_send(work, sink, sizes, report)
                if "send" in only or only & {"ingest", "memory"}
                else None
            )
        if "ingest" in only and sent is not None:
            section_ingest(work, sent, sizes, report)
        if "history" in only:
            sample = outbox_messages(sent.db)[0][1] if sent is not None else b"x" * 6000
            section_history(work, sink, sizes, report, sample)
        if "memory" in only and sent is not None:
            section_memory(work, sink, sizes, report, sent)
        if "throttle" in only:
            section_throttle(work, sink, sizes, report)
        print(summary(report, sizes) + f"; {time.perf_counter() - started:.0f}s", flush=True)
    finally:
        sink.stop()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
