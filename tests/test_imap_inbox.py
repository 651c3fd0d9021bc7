"""ImapInbox against a real Dovecot: what a convenor's archive would receive, and what
their mailbox shows afterwards."""

from __future__ import annotations

import imaplib
import re
import ssl
import uuid
from typing import TYPE_CHECKING, Any, Literal

import pytest

from scheduler.errors import InboxError, InboxLoginError, ReflectError
from scheduler.inbound.imap import FetchedMail, ImapInbox

if TYPE_CHECKING:
    from support.dovecot_server import DovecotServer

# The session `dovecot` fixture comes from tests/conftest.py (defined in tests/support/dovecot_server.py).
pytestmark = pytest.mark.imap

DONE = "Reflections/Processed"


def reply(n: int, body: bytes = b"") -> bytes:
    """A reply as a phone mail client sends it: CRLF lines, 8-bit UTF-8 body."""
    return (
        b"From: Tom Okafor <tom.okafor@council.example.gov.uk>\r\n"
        b"To: reflect+tok@reflect.example.org\r\n"
        b"Subject: Re: What is our purpose? (" + str(n).encode() + b")\r\n"
        b"Message-ID: <reply-" + str(n).encode() + b"@council.example.gov.uk>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n"
        b"Caf\xc3\xa9 conversations with residents \xe2\x80\x94 that is where we learn.\r\n"
        b"  Indented line, trailing spaces   \r\n"
        b"\r\n" + body + b"-- \r\nTom\r\n"
    )


@pytest.fixture
def user(request: pytest.FixtureRequest) -> str:
    """A mailbox of its own for each test (the server accepts any user name)."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"{name}-{uuid.uuid4().hex[:6]}"


def inbox(
    server: DovecotServer,
    user: str,
    *,
    host: str | None = None,
    port: int | None = None,
    security: Literal["tls", "starttls", "none"] = "none",
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    **options: Any,
) -> ImapInbox:
    """An ImapInbox for ``user`` on the test server, plain text unless told otherwise."""
    return ImapInbox(
        host=host or server.host,
        port=port or server.port,
        security=security,
        username=user,
        password=server.password if password is None else password,
        ssl_context=ssl_context,
        **{"timeout": 10.0, **options},
    )


def unseen(server: DovecotServer, user: str) -> int:
    imap = imaplib.IMAP4(server.host, server.port, timeout=10)
    try:
        imap.login(user, server.password)
        imap.select("INBOX", readonly=True)
        _, data = imap.search(None, "UNSEEN")
        return len(data[0].split())
    finally:
        imap.logout()


async def test_fetch_returns_the_stored_bytes_and_leaves_them_unread(
    dovecot: DovecotServer,
    user: str,
) -> None:
    messages = [reply(1), reply(2, b"Line with a tab\there and \xf0\x9f\x8c\xb1 emoji.\r\n")]
    for raw in messages:
        dovecot.append(user, raw)

    async with inbox(dovecot, user) as box:
        fetched = await box.fetch()

    assert [mail.raw for mail in fetched] == messages
    assert all(re.fullmatch(r"\d+:\d+", mail.ref) for mail in fetched)
    assert dovecot.list_folder(user, "INBOX") == messages
    assert unseen(dovecot, user) == 2


async def test_acknowledge_moves_to_a_new_nested_done_folder(
    dovecot: DovecotServer,
    user: str,
) -> None:
    messages = [reply(1), reply(2)]
    for raw in messages:
        dovecot.append(user, raw)

    async with inbox(dovecot, user) as box:
        fetched = await box.fetch()
        assert [await box.acknowledge(mail.ref) for mail in fetched] == [True, True]
        assert await box.fetch() == []
        # Acknowledging twice is harmless: nothing left to move.
        assert await box.acknowledge(fetched[0].ref) is False

    assert dovecot.list_folder(user, "INBOX") == []
    assert dovecot.list_folder(user, DONE) == messages
    assert "Reflections.Processed" in dovecot.folders(user)  # Maildir separator is "."


async def test_unacknowledged_messages_come_back_next_time(
    dovecot: DovecotServer,
    user: str,
) -> None:
    for n in (1, 2):
        dovecot.append(user, reply(n))

    async with inbox(dovecot, user) as box:
        first = await box.fetch()
        assert await box.acknowledge(first[0].ref) is True
    # The caller crashed before committing the second: it must still be there.
    async with inbox(dovecot, user) as box:
        again = await box.fetch()

    assert again == [first[1]]
    assert dovecot.list_folder(user, DONE) == [reply(1)]


async def test_batch_size_limits_each_fetch_oldest_first(
    dovecot: DovecotServer,
    user: str,
) -> None:
    for n in range(1, 6):
        dovecot.append(user, reply(n))

    seen: list[list[bytes]] = []
    async with inbox(dovecot, user, batch_size=2) as box:
        while batch := await box.fetch():
            seen.append([mail.raw for mail in batch])
            for mail in batch:
                assert await box.acknowledge(mail.ref)

    assert seen == [[reply(1), reply(2)], [reply(3), reply(4)], [reply(5)]]


async def test_imaps_with_the_servers_certificate(
    dovecot: DovecotServer,
    user: str,
) -> None:
    dovecot.append(user, reply(1))
    context = ssl.create_default_context(cafile=str(dovecot.cafile))

    async with inbox(
        dovecot, user, port=dovecot.tls_port, security="tls", ssl_context=context
    ) as box:
        fetched = await box.fetch()
        assert await box.acknowledge(fetched[0].ref)

    assert [mail.raw for mail in fetched] == [reply(1)]
    assert dovecot.list_folder(user, DONE) == [reply(1)]
    # Logins: the helper's append, the inbox (over TLS), the helper's list_folder.
    assert [", TLS," in line for line in dovecot.login_lines(user)] == [False, True, False]


async def test_starttls_is_negotiated_even_on_loopback(
    dovecot: DovecotServer,
    user: str,
) -> None:
    dovecot.append(user, reply(1))
    context = ssl.create_default_context(cafile=str(dovecot.cafile))

    async with inbox(dovecot, user, security="starttls", ssl_context=context) as box:
        fetched = await box.fetch()

    assert [mail.raw for mail in fetched] == [reply(1)]
    # The helper's append logged in first, in plain text (Dovecot calls loopback
    # "secured"); the inbox's own login went over TLS.
    assert [", TLS," in line for line in dovecot.login_lines(user)] == [False, True]


async def test_starttls_never_falls_back_to_plain_text(
    dovecot: DovecotServer,
    user: str,
) -> None:
    box = inbox(dovecot, user, host=dovecot.plain_only_host, security="starttls")

    with pytest.raises(InboxError, match="does not offer STARTTLS") as caught:
        async with box:
            pass

    assert dovecot.plain_only_host in str(caught.value)
    assert dovecot.login_lines(user) == []  # the password never went out


async def test_untrusted_certificate_is_refused(
    dovecot: DovecotServer,
    user: str,
) -> None:
    with pytest.raises(InboxError, match="certificate was not accepted"):
        async with inbox(dovecot, user, port=dovecot.tls_port, security="tls"):
            pass


async def test_wrong_password_names_host_and_user_but_not_the_password(
    dovecot: DovecotServer,
    user: str,
) -> None:
    secret = "not-the-Pa55word"

    with pytest.raises(InboxLoginError) as caught:
        async with inbox(dovecot, user, password=secret):
            pass

    message = str(caught.value)
    assert isinstance(caught.value, ReflectError)
    assert f"{dovecot.host}:{dovecot.port}" in message
    assert repr(user) in message
    assert "refused" in message
    assert secret not in message
    assert secret not in repr(caught.value.__cause__)


async def test_stale_reference_after_folder_recreated_is_not_moved(
    dovecot: DovecotServer,
    user: str,
) -> None:
    dovecot.append(user, reply(1), folder="Replies")
    async with inbox(dovecot, user, folder="Replies") as box:
        [old] = await box.fetch()

    dovecot.recreate_folder(user, "Replies")
    dovecot.append(user, reply(2), folder="Replies")  # gets the same UID as the old one

    async with inbox(dovecot, user, folder="Replies") as box:
        assert await box.acknowledge(old.ref) is False
        [new] = await box.fetch()

    assert new.raw == reply(2)
    assert new.ref != old.ref
    assert dovecot.list_folder(user, "Replies") == [reply(2)]
    assert dovecot.list_folder(user, DONE) == []


async def test_server_without_move_uses_copy_and_expunge(
    dovecot: DovecotServer,
    user: str,
) -> None:
    for n in (1, 2):
        dovecot.append(user, reply(n))

    async with inbox(dovecot, user, host=dovecot.no_move_host) as box:
        first = await box.fetch()
        assert await box.acknowledge(first[0].ref) is True
        assert await box.fetch() == [first[1]]

    assert dovecot.list_folder(user, "INBOX") == [reply(2)]
    assert dovecot.list_folder(user, DONE) == [reply(1)]


async def test_non_ascii_done_folder(
    dovecot: DovecotServer,
    user: str,
) -> None:
    dovecot.append(user, reply(1))

    async with inbox(dovecot, user, done_folder="Réflexions/Traitées") as box:
        [mail] = await box.fetch()
        assert await box.acknowledge(mail.ref)

    # Modified UTF-7, as every mail client decodes it back to "Réflexions/Traitées".
    assert "R&AOk-flexions.Trait&AOk-es" in dovecot.folders(user)
    assert dovecot.list_folder(user, "R&AOk-flexions/Trait&AOk-es") == [reply(1)]


async def test_missing_folder_and_bad_reference_are_clear_errors(
    dovecot: DovecotServer,
    user: str,
) -> None:
    async with inbox(dovecot, user, folder="No/Such") as box:
        with pytest.raises(InboxError, match=r"'No/Such' .* cannot be opened"):
            await box.fetch()
        with pytest.raises(InboxError, match="not an IMAP message reference"):
            await box.acknowledge("12")


def test_fetched_mail_is_a_value() -> None:
    assert FetchedMail("1:2", b"x") == FetchedMail("1:2", b"x")


async def test_a_dropped_connection_is_survived(
    dovecot: DovecotServer, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    for n in (1, 2):
        dovecot.append(user, reply(n))

    async with inbox(dovecot, user) as box:
        [first, second] = await box.fetch()
        dovecot.kick(user)
        assert await box.acknowledge(first.ref) is True
        dovecot.kick(user)
        assert await box.fetch() == [second]

    assert dovecot.list_folder(user, DONE) == [reply(1)]
    assert caplog.text.count("reconnecting") == 2


async def test_a_silent_server_times_out(dovecot: DovecotServer, user: str) -> None:
    # The IMAPS port waits for a TLS hello and never greets a plain-text client.
    box = inbox(dovecot, user, port=dovecot.tls_port, timeout=0.5)

    with pytest.raises(InboxError, match="Cannot connect to IMAP server"):
        async with box:
            pass


async def test_a_message_over_the_size_limit_comes_as_its_headers_and_stays_whole(
    dovecot: DovecotServer, user: str
) -> None:
    small, large = reply(1), reply(2, b"x" * 300_000 + b"\r\n")
    for raw in (small, large):
        dovecot.append(user, raw)
    async with inbox(dovecot, user, max_bytes=100_000) as box:
        fetched = await box.fetch()
        for mail in fetched:
            await box.acknowledge(mail.ref)
    assert [m.whole for m in fetched] == [True, False]
    assert fetched[0].raw == small
    assert fetched[1].raw == large[: large.index(b"\r\n\r\n") + 4]  # the headers alone
    assert fetched[1].size == len(large)
    assert dovecot.list_folder(user, DONE) == [small, large]  # nothing lost: kept whole
