"""SMTP faults against a real aiosmtpd server on 127.0.0.1, some through a cutting proxy.

Each test ticks a four-member partnership's first day (8 messages: an induction pack
and a first prompt each; their invitations follow on the next days, one a day, as
``plan/pacing.py`` keeps a member's day within budget) into a server that misbehaves in one
scripted way, then checks what a convenor would see: what was sent, what
waits, what failed with the server's words, and that a retry carries the
same Message-ID.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from support.partnership import Partnership
from support.smtp_sink import SinkHandler, SmtpSink
from support.tcp_proxy import Cut, start_proxy

from scheduler.app.services import Services, build_services

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
TOTAL = 8  # the first day's: an induction pack and a first prompt to each of four
TOM = "tom.okafor@council.example.gov.uk"
FINAL_DOT = b"\r\n.\r\n"


@dataclass
class ScriptedHandler(SinkHandler):
    """The test sink, plus scripted answers at EHLO, MAIL FROM and DATA, and a log."""

    ehlo_code: str | None = None
    mail_code: str | None = None
    data_codes: dict[str, str] = field(default_factory=dict)  # recipient -> code at DATA
    commands: list[str] = field(default_factory=list)
    data_attempts: list[str] = field(default_factory=list)  # Message-IDs seen at DATA

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        self.commands.append("EHLO")
        if self.ehlo_code:
            return [self.ehlo_code]
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.commands.append("MAIL")
        if self.mail_code:
            return self.mail_code
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        message_id = next(
            (
                line.split(b":", 1)[1].strip().decode()
                for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
                if line.lower().startswith(b"message-id:")
            ),
            "",
        )
        self.data_attempts.append(message_id)
        for rcpt in envelope.rcpt_tos:
            if rcpt.lower() in self.data_codes:
                return self.data_codes[rcpt.lower()]
        return await super().handle_DATA(server, session, envelope)


async def start(handler: SinkHandler, **smtp_options: Any) -> SmtpSink:
    import asyncio

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", ident="test sink", **smtp_options),
        host="127.0.0.1",
        port=0,
    )
    return SmtpSink(handler, server, "127.0.0.1", server.sockets[0].getsockname()[1])


def use_smtp(
    p: Partnership, port: int, *, security: str = "none", smtp: str = "", mail: str = ""
) -> None:
    text = p.config.read_text().replace('transport = "maildir"', 'transport = "smtp"')
    text = text.replace(
        'outbox_maildir = "var/outbox"\n',
        f'outbox_maildir = "var/outbox"\n{mail}\n[mail.smtp]\nhost = "127.0.0.1"\n'
        f'port = {port}\nsecurity = "{security}"\n{smtp}',
    )
    p.config.write_text(text)


def outbox(services: Services) -> list[dict[str, Any]]:
    return services.archive.rows(
        "SELECT id, kind, recipient, status, attempts, message_id, last_error FROM outbox ORDER BY id"
    )


def received_ids(handler: SinkHandler) -> list[str]:
    return [str(r.message["Message-ID"]) for r in handler.received]


def statuses(services: Services) -> Counter[str]:
    return Counter(row["status"] for row in outbox(services))


# ------------------------------------------------------------- connection set-up


async def test_421_at_the_greeting_defers_and_the_next_tick_sends_everything(
    partnership: Partnership,
) -> None:
    handler = ScriptedHandler()
    sink = await start(handler)
    proxy = await start_proxy(sink.host, sink.port)
    proxy.greeting = b"421 4.3.2 sink.test too busy, try later\r\n"
    use_smtp(partnership, proxy.port)
    services = build_services(partnership.config)
    try:
        first = await services.tick(NOW)
        rows = outbox(services)
        assert (first.sent, first.deferred, first.failed) == (0, 1, 0)
        assert statuses(services) == {"queued": TOTAL}  # nothing lost, nothing stuck 'sending'
        assert sum(row["attempts"] for row in rows) == 1  # one try, no hammering
        assert "421" in next(row["last_error"] for row in rows if row["last_error"])
        assert handler.commands == []

        proxy.greeting = None
        later = await services.tick(NOW + timedelta(hours=1))
        assert later.sent == TOTAL
        assert sorted(received_ids(handler)) == sorted(row["message_id"] for row in rows)
    finally:
        services.close()
        await proxy.close()
        sink.close()


async def test_421_at_ehlo_defers_without_touching_the_rest(partnership: Partnership) -> None:
    handler = ScriptedHandler(ehlo_code="421 4.7.0 sink.test closing, too many connections")
    sink = await start(handler)
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    try:
        first = await services.tick(NOW)
        assert (first.sent, first.failed) == (0, 0)
        assert statuses(services) == {"queued": TOTAL}
        assert "MAIL" not in handler.commands
        handler.ehlo_code = None
        later = await services.tick(NOW + timedelta(hours=1))
        assert later.sent == TOTAL and len(set(received_ids(handler))) == TOTAL
    finally:
        services.close()
        sink.close()


async def test_starttls_missing_stops_sending_and_never_falls_back_to_plain_text(
    partnership: Partnership,
) -> None:
    handler = ScriptedHandler()  # no tls_context: the server does not offer STARTTLS
    sink = await start(handler)
    use_smtp(partnership, sink.port, security="starttls")
    services = build_services(partnership.config)
    try:
        report = await services.tick(NOW)
        again = await services.tick(NOW + timedelta(hours=1))
        rows = outbox(services)
    finally:
        services.close()
        sink.close()
    assert (report.sent, report.failed, report.deferred) == (0, 0, 0)
    assert len(report.problems) == 1 and "STARTTLS" in report.problems[0]
    assert "MAIL" not in handler.commands and handler.received == []
    assert {row["status"] for row in rows} == {"queued"}
    assert {row["attempts"] for row in rows} == {0}
    assert handler.commands.count("EHLO") == 2  # one connection per tick, no hammering
    assert len(again.problems) == 1


async def test_535_at_auth_stops_the_batch_and_keeps_everything_pending(
    partnership: Partnership,
) -> None:
    tries: list[str] = []

    def refuse(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        tries.append(data.login.decode())
        return AuthResult(success=False, handled=False)

    handler = ScriptedHandler()
    sink = await start(handler, authenticator=refuse, auth_require_tls=False)
    use_smtp(
        partnership,
        sink.port,
        smtp='username = "reflect@reflect.example.org"\npassword_env = "SMTP_PW"\n',
    )
    services = build_services(partnership.config, environ={"SMTP_PW": "wrong"})
    try:
        report = await services.tick(NOW)
        rows = outbox(services)
    finally:
        services.close()
        sink.close()
    assert (report.sent, report.failed, report.deferred) == (0, 0, 0)
    assert len(report.problems) == 1 and "535" in report.problems[0]
    # one connection and one login (aiosmtplib offers PLAIN, then LOGIN), not one per message
    assert handler.commands.count("EHLO") == 1
    assert set(tries) == {"reflect@reflect.example.org"} and len(tries) <= 2
    assert "MAIL" not in handler.commands
    assert {(row["status"], row["attempts"]) for row in rows} == {("queued", 0)}


async def test_550_at_mail_from_stops_the_batch_and_keeps_the_rest_pending(
    partnership: Partnership,
) -> None:
    handler = ScriptedHandler(mail_code="550 5.7.1 Sender address rejected: not authorised")
    sink = await start(handler)
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    try:
        report = await services.tick(NOW)
        rows = outbox(services)
        assert (report.sent, report.failed, report.deferred) == (0, 0, 0)
        assert report.problems == [
            "sending stopped: 127.0.0.1: 550 5.7.1 Sender address rejected: not authorised"
        ]
        assert handler.commands.count("MAIL") == 1  # no hammering
        assert {(row["status"], row["attempts"]) for row in rows} == {("queued", 0)}
        handler.mail_code = None
        later = await services.tick(NOW + timedelta(minutes=5))
        assert later.sent == TOTAL
    finally:
        services.close()
        sink.close()


# ------------------------------------------------------------- per message


async def test_4xx_is_retried_with_the_same_message_id_until_give_up_then_failed(
    partnership: Partnership,
) -> None:
    handler = ScriptedHandler(
        rcpt_codes={TOM: "452 4.2.2 Mailbox full"},
        data_codes={"aoife.obrien@pcc.example.nhs.uk": "451 4.3.0 Try again later"},
    )
    sink = await start(handler)
    use_smtp(partnership, sink.port, mail="give_up_after_hours = 3\n")
    services = build_services(partnership.config)
    try:
        first = await services.tick(NOW)
        assert (first.sent, first.deferred, first.failed) == (4, 4, 0)
        held = {row["message_id"] for row in outbox(services) if row["status"] == "queued"}
        early = await services.tick(NOW + timedelta(seconds=30))  # the back-off holds them
        assert (early.sent, early.deferred) == (0, 0)
        second = await services.tick(NOW + timedelta(hours=1))
        assert second.deferred == 4
        late = await services.tick(NOW + timedelta(hours=4))
        rows = outbox(services)
    finally:
        services.close()
        sink.close()
    assert late.failed == 4 and late.sent == 0
    failed = [row for row in rows if row["status"] == "failed"]
    assert {row["message_id"] for row in failed} == held
    assert {row["recipient"] for row in failed} == {TOM, "aoife.obrien@pcc.example.nhs.uk"}
    assert {row["last_error"] for row in failed} == {
        "gave up after 3 tries: 452 4.2.2 Mailbox full",
        "gave up after 3 tries: 451 4.3.0 Try again later",
    }
    # Aoife's reached DATA every time, always with the Message-ID it was queued with
    aoife = [mid for mid in handler.data_attempts if mid in held]
    assert len(aoife) == 6 and len(set(aoife)) == 2  # her two, three tries each


async def test_550_at_rcpt_552_and_554_at_data_fail_that_member_and_the_batch_goes_on(
    partnership: Partnership,
) -> None:
    handler = ScriptedHandler(
        rcpt_codes={TOM: "550 5.1.1 <tom.okafor@council.example.gov.uk>: no such user"},
        data_codes={
            "aoife.obrien@pcc.example.nhs.uk": "552 5.3.4 Message size exceeds fixed limit",
            "dev.mistry@trust.example.nhs.uk": "554 5.7.1 Message rejected as spam",
        },
    )
    sink = await start(handler)
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    try:
        report = await services.tick(NOW)
        again = await services.tick(NOW + timedelta(days=1))
        rows = outbox(services)
    finally:
        services.close()
        sink.close()
    assert (report.sent, report.failed, report.deferred) == (2, 6, 0)
    # a 5xx is not retried: the next day's failures are that day's invitations, new messages
    assert (again.sent, again.failed) == (1, 3)
    assert all(row["attempts"] == 1 for row in rows if row["status"] == "failed")
    errors = {row["recipient"]: row["last_error"] for row in rows if row["status"] == "failed"}
    assert errors == {
        TOM: "550 5.1.1 <tom.okafor@council.example.gov.uk>: no such user",
        "aoife.obrien@pcc.example.nhs.uk": "552 5.3.4 Message size exceeds fixed limit",
        "dev.mistry@trust.example.nhs.uk": "554 5.7.1 Message rejected as spam",
    }
    assert {r.recipients[0] for r in handler.received} == {"priya.shah@grapevine.example.org"}


# ------------------------------------------------------------- dropped connections


async def test_a_reset_before_the_final_dot_loses_nothing_and_doubles_nothing(
    partnership: Partnership,
) -> None:
    handler = ScriptedHandler()
    sink = await start(handler)
    proxy = await start_proxy(sink.host, sink.port, Cut(FINAL_DOT, "before"))
    use_smtp(partnership, proxy.port)
    services = build_services(partnership.config)
    try:
        first = await services.tick(NOW)
        assert first.deferred == 1 and first.sent < TOTAL
        assert statuses(services)["sending"] == 0
        await services.tick(NOW + timedelta(hours=1))
        rows = outbox(services)
    finally:
        services.close()
        await proxy.close()
        sink.close()
    ids = received_ids(handler)
    assert sorted(ids) == sorted(row["message_id"] for row in rows)  # each exactly once
    assert {row["status"] for row in rows} == {"sent"}


async def test_a_reset_after_the_final_dot_resends_with_the_same_message_id(
    partnership: Partnership,
) -> None:
    """The ambiguous window: the server has it, we never heard 250. Sent again, same ID."""
    handler = ScriptedHandler()
    sink = await start(handler)
    proxy = await start_proxy(sink.host, sink.port, Cut(FINAL_DOT, "after"))
    use_smtp(partnership, proxy.port)
    services = build_services(partnership.config)
    try:
        first = await services.tick(NOW)
        assert first.deferred == 1
        await services.tick(NOW + timedelta(hours=1))
        rows = outbox(services)
    finally:
        services.close()
        await proxy.close()
        sink.close()
    counts = Counter(received_ids(handler))
    assert set(counts) == {row["message_id"] for row in rows}
    assert sorted(counts.values()) == [1] * (TOTAL - 1) + [2]


async def test_a_read_timeout_after_the_data_is_deferred_and_resent_once(
    partnership: Partnership,
) -> None:
    handler = ScriptedHandler()
    sink = await start(handler)
    proxy = await start_proxy(sink.host, sink.port, Cut(FINAL_DOT, "stall"))
    use_smtp(partnership, proxy.port, smtp="timeout_seconds = 1\n")
    services = build_services(partnership.config)
    try:
        first = await services.tick(NOW)
        assert first.deferred == 1 and first.sent == 0
        await services.tick(NOW + timedelta(hours=1))
        rows = outbox(services)
    finally:
        services.close()
        await proxy.close()
        sink.close()
    counts = Counter(received_ids(handler))
    assert set(counts) == {row["message_id"] for row in rows}
    assert max(counts.values()) <= 2 and sum(counts.values()) <= TOTAL + 1


# ------------------------------------------------------------- what the convenor sees


async def test_status_shows_failures_and_resend_requeues_with_the_same_message_id(
    partnership: Partnership,
) -> None:
    handler = ScriptedHandler(rcpt_codes={TOM: "550 5.1.1 No such user here"})
    sink = await start(handler)
    use_smtp(partnership, sink.port)
    services = build_services(partnership.config)
    await services.tick(NOW)
    services.close()

    def reflect(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scheduler", "--config", str(partnership.config), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    try:
        status = reflect("status", "--now", "2026-11-22T10:00")
        assert status.returncode == 0, status.stderr
        assert f"failed prompt to {TOM}: 550 5.1.1 No such user here" in status.stdout
        assert "Outbox: 0 queued, 0 sending, 6 sent, 2 failed" in status.stdout

        listing = reflect("resend")
        assert listing.returncode == 0 and "2 message(s) failed:" in listing.stdout
        number = int(listing.stdout.split("#", 1)[1].split()[0])
        services = build_services(partnership.config)
        before = next(row for row in outbox(services) if row["id"] == number)
        services.close()

        done = reflect("resend", str(number), "--now", "2026-11-22T10:00")
        assert done.returncode == 0, done.stderr
        assert f"queued again with the same Message-ID {before['message_id']}" in done.stdout
        wrong = reflect("resend", "1")  # sent, not failed
        assert wrong.returncode == 1
        assert wrong.stderr == "Error: #1 is not a failed message (see: reflect resend).\n"

        handler.rcpt_codes.clear()  # the address was fixed at the member's end
        services = build_services(partnership.config)
        report = await services.tick(NOW + timedelta(hours=1, minutes=1))
        services.close()
    finally:
        sink.close()
    # the message sent again, and Tom's first invitation: what failed never reached him,
    # so his day has room for it (plan/pacing.py counts what was sent)
    assert (report.queued, report.sent) == (1, 2)
    assert received_ids(handler).count(before["message_id"]) == 1
