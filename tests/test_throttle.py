"""Relay limits: the window arithmetic, and a capped tick against a real SMTP server."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from support.partnership import Partnership, use_smtp
from support.smtp_sink import SinkHandler, start_sink

from scheduler.app.services import build_services
from scheduler.outbound.throttle import (
    MAX_WAIT,
    THROTTLE_PAUSE,
    Caps,
    Pacer,
    free_at,
    is_throttling,
    next_send_at,
)
from scheduler.reports.status import status_text

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
FIRST_DAY = 8  # an induction pack and a first question to each of four; invitations follow


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


class FakePaceClock:
    """Sleeping moves the clock on at once; nothing waits for real."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


# ------------------------------------------------------------------ the window math


def test_no_cap_and_room_in_the_window_mean_now() -> None:
    assert free_at([ago(1)] * 50, NOW, Caps()) == NOW
    assert free_at([ago(50), ago(40)], NOW, Caps(per_minute=3)) == NOW
    assert free_at([], NOW, Caps(per_minute=1, per_day=1)) == NOW


def test_a_full_minute_frees_when_its_oldest_message_drops_out() -> None:
    sent = [ago(50), ago(40), ago(10)]
    assert free_at(sent, NOW, Caps(per_minute=3)) == NOW + timedelta(seconds=10)
    # older than a minute does not count
    assert free_at([ago(61), *sent[1:]], NOW, Caps(per_minute=3)) == NOW


def test_more_than_the_cap_already_sent_waits_for_the_excess_too() -> None:
    # e.g. the cap was lowered: 4 in the last minute, cap 2 -> wait until only 1 is left
    sent = [ago(55), ago(45), ago(30), ago(5)]
    assert free_at(sent, NOW, Caps(per_minute=2)) == ago(30) + timedelta(minutes=1)


def test_a_full_day_frees_a_day_after_its_oldest_message() -> None:
    sent = [ago(23 * 3600), ago(3600), ago(120)]
    assert free_at(sent, NOW, Caps(per_day=3)) == NOW + timedelta(hours=1)
    # both caps: the later moment wins
    assert free_at(sent, NOW, Caps(per_minute=100, per_day=3)) == NOW + timedelta(hours=1)


def test_messages_are_spread_evenly_over_the_minute() -> None:
    caps = Caps(per_minute=30)
    assert caps.spacing == timedelta(seconds=2)
    assert next_send_at([ago(0.5)], NOW, caps) == NOW + timedelta(seconds=1.5)
    assert next_send_at([ago(5)], NOW, caps) == NOW
    assert next_send_at([], NOW, caps) == NOW


def test_spaced_sending_never_puts_more_than_the_cap_in_any_minute() -> None:
    caps = Caps(per_minute=7, per_day=50)
    sent: list[datetime] = []
    moment = NOW
    for _ in range(60):
        moment = next_send_at(sent, moment, caps)
        sent.append(moment)
    for t in sent:
        assert sum(1 for s in sent if t - timedelta(minutes=1) < s <= t) <= 7
    assert sum(1 for s in sent if s <= sent[0] + timedelta(days=1) - timedelta(seconds=1)) <= 50
    assert sent[50] >= sent[0] + timedelta(days=1)  # the 51st waits for the day window


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (451, "451 4.7.500 Server busy. Please try again later", True),
        (421, "421 4.7.0 Try again later, closing connection", True),
        (450, "450 4.7.1 Too many messages, slow down", True),
        (451, "451 4.3.0 Temporary local problem", False),
        (450, "450 4.2.1 Mailbox busy", False),
        (550, "550 5.7.1 Relaying denied", False),
        (None, "connection lost: 4.7.0", False),
        (451, "451 14.7.0 not an enhanced code", False),
    ],
)
def test_a_4_7_x_reply_is_throttling(code: int | None, message: str, expected: bool) -> None:
    assert is_throttling(code, message) is expected


async def test_the_pacer_waits_for_short_gaps_and_names_long_ones() -> None:
    clock = FakePaceClock()
    pacer = Pacer(Caps(per_minute=4, per_day=3), NOW, [], clock)
    assert await pacer.admit() is None
    first = pacer.record()
    assert first == NOW
    assert await pacer.admit() is None  # waited 15 s for the next slot
    assert clock.slept == [15.0] and pacer.record() == NOW + timedelta(seconds=15)
    assert await pacer.admit() is None
    pacer.record()
    held = await pacer.admit()  # three today: the next waits a day, far beyond MAX_WAIT
    assert held == first + timedelta(days=1) and held - pacer.now() > MAX_WAIT
    assert len(clock.slept) == 2


# ------------------------------------------------------------------ against a real server


def cap(p: Partnership, *, per_minute: int, per_day: int) -> None:
    text = p.config.read_text().replace(
        'security = "none"\n',
        f'security = "none"\nmax_per_minute = {per_minute}\nmax_per_day = {per_day}\n',
    )
    p.config.write_text(text)


async def test_a_capped_tick_stays_within_the_cap_and_resumes_when_the_window_frees(
    partnership: Partnership,
) -> None:
    sink = await start_sink()
    use_smtp(partnership, sink.port)
    cap(partnership, per_minute=4, per_day=5)
    clock = FakePaceClock()
    services = build_services(partnership.config, pace_clock=clock)
    first = await services.tick(NOW)
    sent_at = sorted(
        datetime.fromisoformat(r[0])
        for r in services.archive.conn.execute("SELECT sent_at FROM outbox WHERE status = 'sent'")
    )
    waiting = services.archive.rows(
        "SELECT attempts, next_attempt_at, message_id FROM outbox WHERE status = 'queued'"
    )
    status = status_text(services.config, services.archive, NOW)
    services.close()
    # the first day's 8 are due; the day's cap lets 5 go, one every 15 seconds, without
    # waiting for real
    assert first.queued == FIRST_DAY
    assert first.sent == len(sink.handler.received) == len(sent_at) == 5
    assert [b - a for a, b in pairwise(sent_at)] == [timedelta(seconds=15)] * 4
    assert clock.slept == [15.0] * 4
    for t in sent_at:
        assert sum(1 for s in sent_at if t - timedelta(minutes=1) < s <= t) <= 4
    # the rest wait, untried, for the day window to free; status says when
    resume = sent_at[0] + timedelta(days=1)
    assert len(waiting) == 3
    assert {(w["attempts"], w["next_attempt_at"]) for w in waiting} == {(0, resume.isoformat())}
    assert f"next attempt {resume:%Y-%m-%dT%H:%M} UTC" in status

    # a restart an hour later remembers the day's sends: nothing more goes
    services = build_services(partnership.config, pace_clock=FakePaceClock())
    again = await services.tick(NOW + timedelta(hours=1))
    assert again.sent == 0 and len(sink.handler.received) == 5
    # what waits now: the first day's three, and any invitation that tick queued for a
    # member whose day (plan/pacing.py counts a message on the day it is to go) had room
    pending = {
        row["message_id"]
        for row in services.archive.rows("SELECT message_id FROM outbox WHERE status = 'queued'")
    }
    assert {w["message_id"] for w in waiting} <= pending
    assert len(pending) == len(waiting) + again.queued
    # a day later the window has freed: the first day's three go first, then as many of
    # the rest (and that day's new invitations) as the day's cap lets, each once
    later = await services.tick(NOW + timedelta(days=1, minutes=5))
    still = services.archive.rows("SELECT attempts FROM outbox WHERE status = 'queued'")
    services.close()
    sink.close()
    assert later.sent == 5 and len(pending) + later.queued > 5
    ids = Counter(str(r.message["Message-ID"]) for r in sink.handler.received)
    assert {w["message_id"] for w in waiting} <= set(ids)
    assert len(ids) == 10 and set(ids.values()) == {1}
    assert len(still) == len(pending) + later.queued - 5
    assert {row["attempts"] for row in still} == {0}


async def test_a_4_7_reply_defers_everything_without_counting_a_try(
    partnership: Partnership,
) -> None:
    handler = SinkHandler(data_code="451 4.7.500 Server busy. Please try again later")
    sink = await start_sink(handler)
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    report = await services.tick(NOW)
    rows = services.archive.rows(
        "SELECT status, attempts, next_attempt_at, last_error FROM outbox ORDER BY id"
    )
    assert report.sent == 0 and report.failed == 0 and report.deferred == FIRST_DAY
    resume = (NOW + THROTTLE_PAUSE).isoformat()
    assert {(r["status"], r["attempts"], r["next_attempt_at"]) for r in rows} == {
        ("queued", 0, resume)
    }
    assert all("4.7.500" in (r["last_error"] or "") for r in rows)

    handler.data_code = None
    assert (await services.tick(NOW + timedelta(minutes=1))).sent == 0  # not yet
    resumed = await services.tick(NOW + THROTTLE_PAUSE + timedelta(minutes=1))
    services.close()
    sink.close()
    assert resumed.sent == FIRST_DAY and resumed.failed == 0
    ids = Counter(str(r.message["Message-ID"]) for r in handler.received)
    assert len(ids) == FIRST_DAY and set(ids.values()) == {1}
