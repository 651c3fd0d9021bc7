"""SIGKILL a real ``python -m scheduler ... tick`` and check that the next tick recovers.

The world: a partnership that has run once (its first prompts went out), then two
new members join and replies sit in the inbox Maildir (answers, an auto-reply
with a valid token, a forged sender, a replay of a Message-ID, the same bytes
twice). The tick under test syncs the joiners, stores and reads the replies,
queues eight messages and sends them to a real aiosmtpd sink in this process.

After every kill the invariants that must hold at any moment are checked:

* every Message-ID the sink received is one the clean run sends (never another);
* a Message-ID arrived twice at most once per kill (only a message in flight
  when the process died, i.e. after the server's 250, can go twice);
* an outbox row marked sent did arrive;
* every inbox message moved to ``.Processed`` is in the archive (custody first);
  the archive holds each distinct message once and each has at most one answer.

After a final clean tick: everything the clean run sent has arrived, the
outbox is all sent, the inbox is empty, and every stored message is in the
same terminal state as in the clean run.
"""

from __future__ import annotations

import asyncio
import hashlib
import imaplib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.mailmaker import fill_maildir, reply, sent_prompts
from support.partnership import CONFIG, MEMBERS_CSV
from support.smtp_sink import SinkHandler, SmtpSink, start_sink

from scheduler.app.services import Services, build_services
from scheduler.faults import POINTS
from scheduler.inbound.imap import ImapInbox
from scheduler.inbound.inboxes import FetchedMail
from scheduler.inbound.ingest import MAX_ATTEMPTS, TERMINAL

if TYPE_CHECKING:
    from support.dovecot_server import DovecotServer

T0 = datetime(2026, 11, 22, 9, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
STEP = timedelta(minutes=20)  # > the 15 minutes after which a 'sending' claim is stale
JOINERS = (
    "Sam Hill,sam.hill@youth.example.org,Youth Voice,vcse,Coordinator,2026-11-20,\n"
    "Ruth Eze,ruth.eze@ccg.example.nhs.uk,ICB,nhs,Commissioner,2026-11-20,\n"
)
FIRST_RUN = 8  # T0: an induction pack and the getting-to-know-you question to each of four
CRASHING_TICK = Path(__file__).parent / "support" / "crashing_tick.py"
KILL_BUDGET = float(os.environ.get("KILL_BUDGET_SECONDS", "45"))


class SinkThread:
    """aiosmtpd on 127.0.0.1 in a thread of this process, for ticks run as subprocesses."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(start_sink(self.handler), self.loop)
        self.sink: SmtpSink = future.result(timeout=10)

    @property
    def port(self) -> int:
        return self.sink.port

    def ids(self) -> list[str]:
        return [str(r.message["Message-ID"]) for r in list(self.handler.received)]

    def reset(self) -> None:
        self.handler.received.clear()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.sink.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@dataclass
class World:
    template: Path
    sink: SinkThread
    inbox_digests: set[str]
    reference_ids: set[str] = field(default_factory=set)
    reference_states: Counter[str] = field(default_factory=Counter)
    tick_seconds: float = 0.0
    import_seconds: float = 0.0


def tick(
    home: Path, now: datetime, *, crash_at: str | None = None, kill_after: float | None = None
) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
    config = str(home / "config.toml")
    command = (
        # the same tick with a checkpoint that SIGKILLs the process at that point
        [sys.executable, str(CRASHING_TICK), config, now.isoformat(), crash_at]
        if crash_at
        else [
            sys.executable,
            "-m",
            "scheduler",
            "--config",
            config,
            "tick",
            "--now",
            now.isoformat(),
        ]
    )
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _, err = proc.communicate(timeout=kill_after if kill_after is not None else 120)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    if proc.returncode not in (0, -9):
        pytest.fail(f"tick exited {proc.returncode}:\n{err.decode(errors='replace')}")
    return proc.returncode


def digests(folder: Path) -> list[str]:
    return [hashlib.sha256(f.read_bytes()).hexdigest() for f in folder.iterdir() if f.is_file()]


def check_safe(world: World, home: Path, kills: int) -> None:
    """What must hold at any moment, however the last process died."""
    ids = Counter(world.sink.ids())
    assert set(ids) <= world.reference_ids, "a Message-ID the clean run never sends"
    assert sum(n - 1 for n in ids.values()) <= kills, f"doubled beyond one per kill: {ids}"
    conn = sqlite3.connect(home / "var" / "reflect.db", timeout=30)
    try:
        sent = {
            row[0]
            for row in conn.execute(
                "SELECT message_id FROM outbox WHERE status = 'sent' AND created_at >= ?",
                (T1.isoformat(),),
            )
        }
        stored = [row[0] for row in conn.execute("SELECT sha256 FROM inbound")]
        per_inbound = conn.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM answers GROUP BY inbound_id)"
        ).fetchone()[0]
        wrong = conn.execute(
            "SELECT count(*) FROM answers a JOIN inbound i ON i.id = a.inbound_id "
            "WHERE i.status != 'answer'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert sent <= set(ids), "marked sent but never arrived"
    assert len(stored) == len(set(stored)) and set(stored) <= world.inbox_digests
    processed = home / "var" / "inbox" / ".Processed" / "cur"
    if processed.exists():
        assert set(digests(processed)) <= set(stored), "acknowledged before it was stored"
    assert (per_inbound or 0) <= 1 and wrong == 0


def check_complete(world: World, home: Path) -> None:
    """After a clean tick: nothing lost, every message in its one terminal state."""
    assert set(world.sink.ids()) == world.reference_ids
    conn = sqlite3.connect(home / "var" / "reflect.db", timeout=30)
    try:
        outbox = Counter(row[0] for row in conn.execute("SELECT status FROM outbox"))
        states = Counter(row[0] for row in conn.execute("SELECT status FROM inbound"))
    finally:
        conn.close()
    assert outbox == {"sent": len(world.reference_ids) + FIRST_RUN}
    assert list((home / "var" / "inbox" / "new").iterdir()) == []
    assert set(states) <= set(TERMINAL)
    assert states == world.reference_states


def fresh(world: World, tmp: Path) -> Path:
    home = tmp / "home"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(world.template, home)
    world.sink.reset()
    return home


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    sink = SinkThread()
    template = tmp_path_factory.mktemp("template")
    (template / "config.toml").write_text(CONFIG, encoding="utf-8")
    (template / "members.csv").write_text(MEMBERS_CSV, encoding="utf-8")
    services = build_services(template / "config.toml")
    asyncio.run(services.tick(T0))  # the first run, delivered to the outbox Maildir
    prompts = sent_prompts(services.archive)
    services.close()
    assert len(prompts) == 4
    by_name = {p.member.split(".")[0]: p for p in prompts}
    tom, aoife, dev = by_name["tom"], by_name["aoife"], by_name["dev"]
    answers = [reply(p, f"My answer, from {p.member}.", message_id=f"<a{n}@m.example>")
               for n, p in enumerate(prompts)]  # fmt: skip
    inbox = [
        *answers,
        reply(tom, "I am out of the office.", message_id="<ooo@m.example>",
              headers="Auto-Submitted: auto-replied\r\n"),
        reply(dev, "Forged.", sender="Mallory <mallory@evil.example>", message_id="<f@m.example>"),
        reply(aoife, "Replayed, different words.", message_id="<a1@m.example>"),
        answers[2],  # the same bytes again: stored once
    ]  # fmt: skip
    fill_maildir(template / "var" / "inbox", inbox)
    with (template / "members.csv").open("a", encoding="utf-8") as handle:
        handle.write(JOINERS)
    text = (
        (template / "config.toml")
        .read_text()
        .replace('transport = "maildir"', 'transport = "smtp"')
    )
    text = text.replace(
        'outbox_maildir = "var/outbox"\n',
        'outbox_maildir = "var/outbox"\n\n[mail.smtp]\nhost = "127.0.0.1"\n'
        f'port = {sink.port}\nsecurity = "none"\ntimeout_seconds = 10\n',
    )
    (template / "config.toml").write_text(text)
    world = World(template, sink, {hashlib.sha256(raw).hexdigest() for raw in inbox})

    # The clean run every crashed one must end up matching.
    home = fresh(world, tmp_path_factory.mktemp("reference"))
    started = time.monotonic()
    assert tick(home, T1) == 0
    world.tick_seconds = time.monotonic() - started
    assert tick(home, T1 + STEP) == 0
    world.reference_ids = set(sink.ids())
    # each joiner's pack and first question, a first series invitation to each founder
    # (their second day: one a day), and one notice to the convenor of the two replies
    # held back, which fills her day (plan/pacing.py), so her invitation waits
    assert len(world.reference_ids) == len(sink.ids()) == 8
    conn = sqlite3.connect(home / "var" / "reflect.db")
    world.reference_states = Counter(row[0] for row in conn.execute("SELECT status FROM inbound"))
    conn.close()
    assert world.reference_states == {"answer": 4, "auto_reply": 1, "quarantined": 2}
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", "import scheduler.cli.main, scheduler.app.services"], check=True
    )
    world.import_seconds = time.monotonic() - started
    try:
        yield world
    finally:
        sink.close()


@pytest.mark.parametrize("point", POINTS)
def test_a_kill_at_each_named_point_recovers(world: World, tmp_path: Path, point: str) -> None:
    home = fresh(world, tmp_path)
    assert tick(home, T1, crash_at=point) == -9, f"{point} was never reached"
    check_safe(world, home, kills=1)
    ids = Counter(world.sink.ids())
    if point == "after_smtp_250":
        assert list(ids.values()) == [1], "killed after the first 250"
    elif point != "before_imap_move":
        assert not ids
    assert tick(home, T1 + STEP) == 0
    check_safe(world, home, kills=1)
    check_complete(world, home)
    if point == "after_smtp_250":
        # the message in flight went twice, with the same Message-ID; nothing else did
        assert sorted(Counter(world.sink.ids()).values()) == [1] * (
            len(world.reference_ids) - 1
        ) + [2]
    else:
        assert sorted(Counter(world.sink.ids()).values()) == [1] * len(world.reference_ids)


def test_two_ticks_at_once_send_each_message_once(world: World, tmp_path: Path) -> None:
    home = fresh(world, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
    command = [sys.executable, "-m", "scheduler", "--config", str(home / "config.toml"), "tick",
               "--now", T1.isoformat()]  # fmt: skip
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    codes = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        codes.append(proc.returncode)
        # the archive's lock lets one work; the other, if they overlapped, does nothing and says so
        assert proc.returncode == 0 or (proc.returncode == 75 and b"Skipped: " in err), err
    assert 0 in codes
    assert sorted(Counter(world.sink.ids()).values()) == [1] * len(world.reference_ids)
    check_safe(world, home, kills=0)
    assert tick(home, T1 + STEP) == 0
    check_complete(world, home)
    assert sorted(Counter(world.sink.ids()).values()) == [1] * len(world.reference_ids)


@pytest.mark.slow
def test_kills_at_random_moments_lose_nothing_and_double_nothing(
    world: World, tmp_path: Path
) -> None:
    """Kill ticks at random moments, up to three in a row, for a fixed time budget."""
    rng = random.Random(27043)
    low = max(0.0, world.import_seconds * 0.8)
    high = max(low + 0.1, world.tick_seconds * 0.95)
    deadline = time.monotonic() + KILL_BUDGET
    kills = runs = scenarios = 0
    # Run for the budget, and on a slow machine until at least ten kills have landed.
    while time.monotonic() < deadline or (kills < 10 and time.monotonic() < deadline + KILL_BUDGET):
        scenarios += 1
        home = fresh(world, tmp_path)
        scenario_kills = 0
        moment = T1
        for _ in range(rng.randint(1, 3)):
            runs += 1
            if tick(home, moment, kill_after=rng.uniform(low, high)) == -9:
                scenario_kills += 1
            check_safe(world, home, kills=scenario_kills)
            moment += STEP
        assert tick(home, moment) == 0
        check_safe(world, home, kills=scenario_kills)
        check_complete(world, home)
        kills += scenario_kills
    print(f"\n{kills} kills in {runs} killable runs over {scenarios} scenarios")
    assert kills >= 10


# ------------------------------------------------------------- IMAP custody (real Dovecot)


class ScriptedImap:
    """A real ImapInbox, with the server made to misbehave at chosen moments."""

    name = "imap"

    def __init__(self, inner: ImapInbox, before_fetch: list[object], before_ack: list[object]):
        self.inner, self.batch_size = inner, inner.batch_size
        self.before_fetch, self.before_ack = before_fetch, before_ack

    async def __aenter__(self) -> ScriptedImap:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(None, None, None)

    async def fetch(self) -> list[FetchedMail]:
        if self.before_fetch:
            self.before_fetch.pop(0)()  # type: ignore[operator]
        return await self.inner.fetch()

    async def acknowledge(self, ref: str) -> bool:
        if self.before_ack:
            self.before_ack.pop(0)()  # type: ignore[operator]
        return await self.inner.acknowledge(ref)


async def imap_world(
    tmp_path: Path, dovecot: DovecotServer, *, host: str | None = None
) -> tuple[Path, str, list[bytes]]:
    user = f"crash-{uuid.uuid4().hex[:8]}"
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "members.csv").write_text(MEMBERS_CSV, encoding="utf-8")
    services = build_services(tmp_path / "config.toml")
    await services.tick(T0)
    prompts = sent_prompts(services.archive)
    services.close()
    replies = [reply(p, f"Answer from {p.member}.", message_id=f"<i{n}@m.example>")
               for n, p in enumerate(prompts)]  # fmt: skip
    for raw in replies:
        dovecot.append(user, raw)
    text = (
        (tmp_path / "config.toml")
        .read_text()
        .replace(
            '[inbox]\nsource = "maildir"\nmaildir = "var/inbox"\n',
            f'[inbox]\nsource = "imap"\n\n[inbox.imap]\nhost = "{host or dovecot.host}"\n'
            f'port = {dovecot.port}\nsecurity = "none"\nusername = "{user}"\n'
            'password_env = "IMAP_PW"\nfolder = "INBOX"\ndone_folder = "Done"\n',
        )
    )
    (tmp_path / "config.toml").write_text(text)
    return tmp_path, user, replies


def imap_services(
    home: Path,
    dovecot: DovecotServer,
    user: str,
    *,
    host: str | None = None,
    **script: list[object],
) -> Services:
    def inbox() -> ScriptedImap:
        real = ImapInbox(host=host or dovecot.host, port=dovecot.port, security="none",
                         username=user, password=dovecot.password, folder="INBOX",
                         done_folder="Done", timeout=10.0)  # fmt: skip
        return ScriptedImap(real, script.get("before_fetch", []), script.get("before_ack", []))

    return build_services(
        home / "config.toml", environ={"IMAP_PW": dovecot.password}, inbox_factory=inbox
    )


def archived(services: Services) -> Counter[str]:
    return Counter(row["status"] for row in services.archive.rows("SELECT status FROM inbound"))


@pytest.mark.imap
async def test_imap_drops_mid_session_lose_and_double_nothing(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    home, user, replies = await imap_world(tmp_path, dovecot)

    def kick() -> None:
        dovecot.kick(user)

    script_ack: list[object] = [lambda: None, kick]  # dropped after the first move
    services = imap_services(home, dovecot, user, before_fetch=[kick], before_ack=script_ack)
    report = await services.tick(T1)
    states = archived(services)
    services.close()
    assert report.ingested == {"answer": 4} and states == {"answer": 4}
    assert dovecot.list_folder(user, "INBOX") == []
    assert sorted(dovecot.list_folder(user, "Done")) == sorted(replies)


@pytest.mark.imap
async def test_a_changed_uidvalidity_between_store_and_move_keeps_one_copy(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    home, user, replies = await imap_world(tmp_path, dovecot)

    def recreate() -> None:  # the folder is re-created and refilled (a server migration)
        imap = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=10)
        imap.login(user, dovecot.password)
        imap.select("INBOX")
        imap.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
        imap.expunge()
        imap.logout()
        for raw in replies:
            dovecot.append(user, raw)

    services = imap_services(home, dovecot, user, before_ack=[recreate])
    first = await services.tick(T1)
    second = await services.tick(T1 + STEP)
    states = archived(services)
    services.close()
    assert states == {"answer": 4}
    assert first.ingested == {"answer": 4} and second.ingested == {}
    assert dovecot.list_folder(user, "INBOX") == []


@pytest.mark.imap
async def test_copy_and_expunge_interrupted_between_the_two_keeps_one_copy(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    """A server without MOVE: the copy reached Done but the original stayed in INBOX."""
    home, user, replies = await imap_world(tmp_path, dovecot, host=dovecot.no_move_host)
    services = imap_services(home, dovecot, user, host=dovecot.no_move_host)
    await services.tick(T1)
    assert dovecot.list_folder(user, "INBOX") == []
    for raw in replies[:2]:  # the state an interruption after COPY, before EXPUNGE, leaves
        dovecot.append(user, raw)
    again = await services.tick(T1 + STEP)
    states = archived(services)
    services.close()
    assert states == {"answer": 4} and again.ingested == {}
    assert dovecot.list_folder(user, "INBOX") == []


@pytest.mark.imap
async def test_a_message_that_fails_every_time_is_quarantined_and_blocks_nothing(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    home, user, replies = await imap_world(tmp_path, dovecot)
    bad = replies[0]
    services = imap_services(home, dovecot, user)
    # A real fault in the real database: every attempt to record this one message fails.
    services.archive.conn.execute(
        "CREATE TRIGGER poison BEFORE UPDATE OF status ON inbound "
        f"WHEN NEW.sha256 = '{hashlib.sha256(bad).hexdigest()}' "
        "AND NEW.reason NOT LIKE 'could not be read%' "
        "BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END"
    )
    reports = [await services.tick(T1 + n * STEP) for n in range(MAX_ATTEMPTS + 1)]
    row = services.archive.one(
        "SELECT status, reason, attempts, processed_at FROM inbound WHERE raw = ?", (bad,)
    )
    states = archived(services)
    services.close()
    assert reports[0].ingested == {"answer": 3}  # the others were not held up
    assert reports[MAX_ATTEMPTS - 1].ingested == {"quarantined": 1}
    assert reports[MAX_ATTEMPTS].ingested == {}
    assert states == {"answer": 3, "quarantined": 1}
    assert row is not None and row["attempts"] == MAX_ATTEMPTS
    assert row["reason"].startswith(f"could not be read after {MAX_ATTEMPTS} tries")
    assert "disk I/O error (simulated)" in row["reason"]
    # held as of the tick that gave up, so the convenor's next notice lists it even when
    # one went out between its arrival and then
    assert row["processed_at"] is not None
    assert dovecot.list_folder(user, "INBOX") == []  # stored, so moved at once
