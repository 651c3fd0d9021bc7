"""Hostile mail through all three ways in: the Maildir inbox (tick), ``reflect ingest FILE``
and a mail server's pipe (``reflect ingest`` on stdin).

Each message must end in exactly one terminal state, in bounded time and memory,
with its exact bytes kept; only the control case, and nothing forged, is an answer.
"""

from __future__ import annotations

import base64
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.mailmaker import SentPrompt, fill_maildir, reply, sent_prompts
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.archive.database import Archive
from scheduler.inbound.ingest import TERMINAL

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
TOM = "tom.okafor@council.example.gov.uk"
PIPED = ("control", "replay", "attachment_30mb", "huge_header", "deep_multipart", "nul_bytes",
         "cve_2023_27043", "tampered_token", "auto_reply_with_token")  # fmt: skip


def header_of(p: SentPrompt, *, message_id: str, sender: str | None = None, extra: str = "") -> str:
    return (
        f"From: {sender or p.member}\r\nTo: {p.reply_to}\r\nSubject: Re: {p.subject}\r\n"
        f"In-Reply-To: {p.message_id}\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n{extra}"
    )


def cases(tom: SentPrompt, own_message: bytes) -> dict[str, tuple[bytes, set[str]]]:
    """name -> (bytes, the states it may end in)."""
    anything = set(TERMINAL) - {"rejected"}
    held = {"quarantined"}
    token = tom.reply_to.split("+", 1)[1].split("@", 1)[0]
    flipped = token[:-1] + ("a" if token[-1] != "a" else "b")
    domain = tom.reply_to.split("@", 1)[1]

    def h(mid: str, **kw: str) -> str:
        return header_of(tom, message_id=f"<{mid}@m.example>", **kw)

    nested = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(300)
    )
    rfc822 = "".join("Content-Type: message/rfc822\r\n\r\nSubject: x\r\n" for _ in range(300))
    big = base64.encodebytes(b"\x89PNG" + bytes(30 * 1024 * 1024)).replace(b"\n", b"\r\n")
    image = base64.b64encode(bytes(3 * 1024 * 1024)).decode()
    many = "".join(f"X-Filler-{n}: {'v' * 20}\r\n" for n in range(40000))
    return {
        "control": (reply(tom, "Our purpose is health equity.", message_id="<c@m.example>"), {"answer"}),
        "no_boundary": ((h("nb") + "Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhello\r\n").encode(), anything),
        "unterminated_boundary": ((h("ub") + 'Content-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nhalf a message').encode(), anything),
        "deep_multipart": ((h("dm") + nested + "\r\nbottom\r\n").encode(), anything),
        "deep_rfc822": ((h("dr") + rfc822 + "\r\nbottom\r\n").encode(), anything),
        "bad_base64": ((h("b64") + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64===\r\nQQ=\r\n").encode(), anything),
        "bad_qp": ((h("qp") + "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nbad =ZZ soft=\r\n=\r\n").encode(), anything),
        "unknown_charset": ((h("cs") + "Content-Type: text/plain; charset=x-klingon-9\r\n\r\nqapla'\r\n").encode(), anything),
        "nul_bytes": ((h("nul") + "Content-Type: text/plain\r\n\r\nhello\x00world\x00\r\n").encode().replace(b"Subject:", b"Subject: \x00"), anything),
        "huge_header": ((h("hh") + "X-Huge: " + "a" * 2_000_000 + "\r\nContent-Type: text/plain\r\n\r\nhi\r\n").encode(), anything),
        "many_headers": ((h("mh") + many + "Content-Type: text/plain\r\n\r\nhi\r\n").encode(), anything),
        "attachment_30mb": (
            (h("att") + 'Content-Type: multipart/mixed; boundary="q"\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--q\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n').encode() + big + b"\r\n--q--\r\n",
            held,
        ),
        "html_script_image": ((h("html") + f'Content-Type: text/html; charset=utf-8\r\n\r\n<script>alert(1)</script><p>Our purpose</p><img src="data:image/png;base64,{image}"><script>document.cookie</script>\r\n').encode(), anything),
        "encoded_word_line_breaks": ((header_of(tom, message_id="<ew@m.example>", sender=f"=?utf-8?q?Tom=0D=0ABcc:_all@evil.example?= <{TOM}>") + "Subject: =?utf-8?q?Re=0D=0ABcc:_x@evil.example?=\r\nContent-Type: text/plain\r\n\r\nMy answer.\r\n").encode(), anything),
        "several_from": ((header_of(tom, message_id="<sf@m.example>", sender=f"{TOM}, mallory@evil.example") + "Content-Type: text/plain\r\n\r\nMy answer.\r\n").encode(), held),
        "two_from_headers": ((header_of(tom, message_id="<tf@m.example>") + "From: mallory@evil.example\r\nContent-Type: text/plain\r\n\r\nMy answer.\r\n").encode(), held),
        "cve_2023_27043": ((header_of(tom, message_id="<cve@m.example>", sender=f"{TOM} <mallory@evil.example>") + "Content-Type: text/plain\r\n\r\nMy answer.\r\n").encode(), held),
        "cve_reversed": ((header_of(tom, message_id="<cvr@m.example>", sender=f"mallory@evil.example <{TOM}>") + "Content-Type: text/plain\r\n\r\nMy answer.\r\n").encode(), held),
        "forged_token": (
            reply(tom, "Forged.", message_id="<fg@m.example>").replace(tom.reply_to.encode(), f"reflect+{'a' * 32}@{domain}".encode()).replace(f"In-Reply-To: {tom.message_id}\r\n".encode(), b""),
            held,
        ),
        "tampered_token": (
            reply(tom, "Tampered.", message_id="<tt@m.example>").replace(token.encode(), flipped.encode()).replace(f"In-Reply-To: {tom.message_id}\r\n".encode(), b""),
            held,
        ),
        "replay": (reply(tom, "A different answer under a used Message-ID.", message_id="<c@m.example>"), held),
        "auto_reply_with_token": (reply(tom, "I am away until Monday.", message_id="<ar@m.example>", headers="Auto-Submitted: auto-replied\r\n"), {"auto_reply"}),
        "our_own_message": (own_message, {"auto_reply", "quarantined"}),
    }  # fmt: skip


def prepared(p: Partnership) -> tuple[SentPrompt, bytes]:
    services = build_services(p.config)
    import asyncio

    asyncio.run(services.tick(NOW))
    tom = next(x for x in sent_prompts(services.archive) if x.member == TOM)
    own = services.archive.scalar("SELECT raw FROM outbox WHERE kind = 'prompt' LIMIT 1")
    services.close()
    return tom, own


# Over [inbox] max_message_bytes (10 MiB): set aside unread, its headers archived, the
# whole message kept where it arrived (the Maildir's .Processed, or the file itself).
TOO_LARGE = {"attachment_30mb"}


def check(database: Path, expected: dict[str, tuple[bytes, set[str]]]) -> None:
    archive = Archive(database)
    rows = archive.rows("SELECT id, raw, size, status, reason FROM inbound ORDER BY id")
    answers = archive.rows("SELECT inbound_id FROM answers")
    archive.close()
    by_raw = {bytes(row["raw"]): row for row in rows}
    assert len(rows) == len(expected)  # each stored once, none lost
    for name, (raw, states) in expected.items():
        if name in TOO_LARGE:
            row = by_raw.get(raw[: raw.index(b"\r\n\r\n") + 4])
            assert row is not None, f"{name}: its headers were not archived"
            assert row["size"] == len(raw)
            assert "message too large" in row["reason"] and "set aside unread" in row["reason"]
        else:
            row = by_raw.get(raw)
        assert row is not None, f"{name}: raw bytes not kept exactly"
        assert row["status"] in states, f"{name}: {row['status']} ({row['reason']})"
        if row["status"] == "quarantined":
            assert row["reason"], name
    answered = {row["inbound_id"] for row in answers}
    assert len(answered) == len(answers)  # one answer per message at most
    assert {r["id"] for r in rows if r["status"] == "answer"} == answered


@pytest.mark.slow
def test_hostile_mail_through_the_maildir_the_file_command_and_the_pipe(
    partnership: Partnership, tmp_path: Path
) -> None:
    tom, own = prepared(partnership)
    expected = cases(tom, own)
    homes = {}
    for way in ("maildir", "files", "pipe"):
        home = tmp_path / way
        shutil.copytree(partnership.dir, home)
        homes[way] = home
    names = list(expected)

    # 1. The Maildir inbox, read by a tick (run as the real command)
    fill_maildir(homes["maildir"] / "var" / "inbox", [expected[n][0] for n in names])
    started = time.monotonic()
    tick = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(homes["maildir"] / "config.toml"),
         "tick", "--now", (NOW + timedelta(hours=1)).isoformat()],
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert tick.returncode == 0, tick.stderr.decode()[-2000:]
    assert time.monotonic() - started < 120
    check(homes["maildir"] / "var" / "reflect.db", expected)
    assert list((homes["maildir"] / "var" / "inbox" / "new").iterdir()) == []
    kept = [
        f.read_bytes()
        for f in (homes["maildir"] / "var" / "inbox" / ".Processed" / "cur").iterdir()
    ]
    assert sorted(kept) == sorted(raw for raw, _ in expected.values())  # every one, byte for byte

    # 2. reflect ingest FILE... (the replay after the control, so keep the order)
    files = []
    for n, name in enumerate(names):
        path = tmp_path / f"{n:02d}-{name}.eml"
        path.write_bytes(expected[name][0])
        files.append(str(path))
    ingest = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(homes["files"] / "config.toml"),
         "ingest", *files],
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert ingest.returncode == 0, ingest.stderr.decode()[-2000:]
    check(homes["files"] / "var" / "reflect.db", expected)

    # 3. one message per pipe delivery, as a mail server does (the control first, then at once)
    command = [sys.executable, "-m", "scheduler", "--config", str(homes["pipe"] / "config.toml"),
               "ingest"]  # fmt: skip

    def pipe(raw: bytes) -> int:
        return subprocess.run(
            command, input=raw, capture_output=True, timeout=300, check=False
        ).returncode

    # Each pipe delivery is a whole interpreter start; the bytes go the same way as a
    # file's once read, so the pipe takes the largest and the trust-critical cases.
    piped = {n: expected[n] for n in PIPED}
    assert pipe(expected["control"][0]) == 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = list(pool.map(pipe, [piped[n][0] for n in PIPED if n != "control"]))
    # too large for a pipe: exit 65 (EX_DATAERR), so the mail server returns it to its sender
    assert codes == [65 if n in TOO_LARGE else 0 for n in PIPED if n != "control"]
    check(
        homes["pipe"] / "var" / "reflect.db", {n: v for n, v in piped.items() if n not in TOO_LARGE}
    )
    assert time.monotonic() - started < 150
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 1024, f"a child process peaked at {peak_mb:.0f} MB"


def test_a_pipe_delivery_that_cannot_be_stored_exits_75(tmp_path: Path) -> None:
    """Custody fails (the archive's folder is a file): the mail server must keep it and retry."""
    (tmp_path / "var").write_text("not a folder")
    (tmp_path / "members.csv").write_text("name,email,organisation,sector,role,joined,left\n")
    from support.partnership import CONFIG

    (tmp_path / "config.toml").write_text(CONFIG)
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(tmp_path / "config.toml"), "ingest"],
        input=b"From: a@b.example\r\n\r\nhello\r\n", capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 75, result.stderr
    assert result.stderr.startswith(b"Error: ")


def test_status_lists_the_quarantine_with_reasons(partnership: Partnership, tmp_path: Path) -> None:
    tom, own = prepared(partnership)
    expected = cases(tom, own)
    fill_maildir(partnership.inbox, [expected[n][0] for n in ("cve_2023_27043", "forged_token")])
    run = [sys.executable, "-m", "scheduler", "--config", str(partnership.config)]
    assert subprocess.run([*run, "tick", "--now", "2026-11-22T10:00"], check=False, capture_output=True).returncode == 0  # fmt: skip
    status = subprocess.run([*run, "status", "--now", "2026-11-22T10:00"], capture_output=True, text=True, check=False)  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert "2 message(s) held back:" in status.stdout
    assert "why: the From header" in status.stdout  # the CVE-2023-27043 shape
    assert "why: reply token in reflect+aaaa" in status.stdout


def test_the_convenor_is_told_at_most_once_a_week_of_what_was_held_back(
    partnership: Partnership,
) -> None:
    import asyncio
    import mailbox
    from email import message_from_bytes, policy

    tom, own = prepared(partnership)
    expected = cases(tom, own)

    def notices() -> list[str]:
        box = mailbox.Maildir(partnership.outbox, create=False)
        found = []
        for key in box.iterkeys():
            msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
            if str(msg["X-Reflect-Kind"]) == "quarantine_notice":
                assert msg["To"].addresses[0].addr_spec == "priya.shah@grapevine.example.org"
                found.append(f"{msg['Subject']}\n{msg.get_body(('plain',)).get_content()}")
        return sorted(found)

    async def tick(at: datetime) -> None:
        services = build_services(partnership.config)
        await services.tick(at)
        services.close()

    fill_maildir(partnership.inbox, [expected[n][0] for n in ("cve_2023_27043", "forged_token")])
    asyncio.run(tick(NOW + timedelta(hours=1)))
    (first,) = notices()
    assert first.startswith("2 messages held back for you to check (Willenhall Together)")
    assert (
        first.count("\nWhy held: ") == 2
        and first.count("\nReject: reflect quarantine reject ") == 2
    )
    # a third that day waits for next week's notice, which names only what is new
    fill_maildir(partnership.inbox, [expected["tampered_token"][0]], start=1_800_000_000.0)
    asyncio.run(tick(NOW + timedelta(hours=2)))
    assert len(notices()) == 1
    for day in range(1, 7):
        asyncio.run(tick(NOW + timedelta(days=day, hours=1)))
    assert len(notices()) == 1
    asyncio.run(tick(NOW + timedelta(days=7, hours=1)))
    second = next(n for n in notices() if n != first)
    assert second.startswith("1 message held back for you to check")
    assert second.count("\nWhy held: ") == 1
    asyncio.run(tick(NOW + timedelta(days=15)))  # nothing new: no notice
    assert len(notices()) == 2
