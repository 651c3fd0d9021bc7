"""Secrets stay secret: file modes, the preview's throwaway key, the key file, inbox links.

Every test runs the real ``reflect`` command in a child process started with the
usual umask 022, so a file the command leaves readable by others would show it.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from support.mailmaker import fill_maildir, reply, sent_prompts
from support.partnership import REPO, Partnership

from scheduler.archive.database import Archive
from scheduler.compose.tokens import load_secret
from scheduler.errors import ReflectError

NOW = "2027-01-05T09:00"  # the 12 January question goes out; so do the first inductions
KEY_LINE = 'key_file = "var/token.key"'


def reflect(
    partnership: Partnership, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(partnership.config), *args],
        cwd=REPO,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        umask=0o022,  # what a login shell usually has: the command must tighten it itself
    )


def modes(top: Path) -> dict[str, int]:
    """Every file and folder under ``top`` (links not followed), by relative path."""
    found = {".": stat.S_IMODE(top.lstat().st_mode)}
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(folder) / name
            found[str(path.relative_to(top))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def not_private(top: Path) -> dict[str, str]:
    wrong = {}
    for name, mode in modes(top).items():
        want = 0o700 if (top / name).is_dir() else 0o600
        if mode != want:
            wrong[name] = f"{mode:03o}"
    return wrong


def config_line(partnership: Partnership, fragment: str) -> int:
    lines = partnership.config.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if fragment in line)


# ------------------------------------------------------------------ file modes


def test_tick_and_ingest_write_only_private_files(partnership: Partnership) -> None:
    ticked = reflect(partnership, "tick", "--now", NOW)
    assert ticked.returncode == 0, ticked.stderr
    prompt = sent_prompts(Archive(partnership.database))[0]
    previous = os.umask(0o077)  # the mail server delivering the reply keeps it private too
    try:
        fill_maildir(partnership.inbox, [reply(prompt)])
    finally:
        os.umask(previous)
    again = reflect(partnership, "tick", "--now", "2027-01-06T09:00")
    assert again.returncode == 0, again.stderr
    assert "1 replies read (1 answer)" in again.stdout
    stranger = partnership.dir / "stranger.eml"
    stranger.write_bytes(b"From: someone@example.net\r\nSubject: hello\r\n\r\nhello\r\n")
    ingested = reflect(partnership, "ingest", str(stranger))
    assert ingested.returncode == 0 and "1 quarantined" in ingested.stdout, ingested.stderr

    var = partnership.dir / "var"
    found = modes(var)
    assert "reflect.db" in found and "reflect.db.lock" in found and "token.key" in found
    assert sum(name.startswith("outbox/new/") for name in found) > 10
    assert not_private(var) == {}


def test_preview_files_and_exports_are_private(partnership: Partnership) -> None:
    out = partnership.dir / "preview" / "january"
    result = reflect(
        partnership, "preview", "--out", str(out), "--now", NOW, "--until", "2027-01-07"
    )
    assert result.returncode == 0, result.stderr
    assert len(list(out.glob("*.eml"))) > 10
    assert not_private(partnership.dir / "preview") == {}

    assert reflect(partnership, "tick", "--now", NOW).returncode == 0
    exports = partnership.dir / "exports"
    exports.mkdir(mode=0o700)
    for fmt in ("csv", "json", "md"):
        done = reflect(partnership, "export", "--format", fmt, "--out", str(exports / f"a.{fmt}"))
        assert done.returncode == 0, done.stderr
    assert not_private(exports) == {}


def test_demo_writes_only_private_files(tmp_path: Path) -> None:
    folder = tmp_path / "reflect-demo"
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "demo", "--dir", str(folder), "--weeks", "2"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        umask=0o022,
    )
    assert result.returncode == 0, result.stderr
    found = modes(folder)
    assert "reflect.db" in found and "config.toml" in found and len(found) > 20
    assert not_private(folder) == {}


# ------------------------------------------------------------------ preview


def reply_addresses(files: list[Path]) -> dict[tuple[str, str], str]:
    """(recipient, subject) -> the Reply-To address, for each message in ``files`` with one."""
    found = {}
    for file in files:
        msg = message_from_bytes(file.read_bytes(), policy=policy.default)
        if msg["Reply-To"]:
            to = msg["To"].addresses[0].addr_spec
            found[(to, str(msg["Subject"]))] = msg["Reply-To"].addresses[0].addr_spec
    return found


def test_preview_signs_with_a_throwaway_key_and_touches_no_secret(partnership: Partnership) -> None:
    window = ("--now", NOW, "--until", "2027-01-06T09:00")
    first = reflect(partnership, "preview", "--out", str(partnership.dir / "p1"), *window)
    second = reflect(partnership, "preview", "--out", str(partnership.dir / "p2"), *window)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "Signed with a throwaway key made for this preview and then forgotten" in first.stdout
    assert not (partnership.dir / "var" / "token.key").exists()
    assert not partnership.database.exists()
    one = reply_addresses(sorted((partnership.dir / "p1").glob("*.eml")))
    two = reply_addresses(sorted((partnership.dir / "p2").glob("*.eml")))
    assert one.keys() == two.keys() and len(one) >= 4
    assert all(one[k] != two[k] for k in one)  # a new key each run

    assert reflect(partnership, "tick", "--now", NOW).returncode == 0
    real = {(p.member, p.subject): p.reply_to for p in sent_prompts(Archive(partnership.database))}
    shared = real.keys() & one.keys()
    assert len(shared) >= 4  # the same questions to the same members...
    assert all(real[k] != one[k] for k in shared)  # ...but no token a real send uses


def test_a_reply_to_a_previewed_token_answers_for_nobody(partnership: Partnership) -> None:
    out = partnership.dir / "preview"
    previewed = reflect(
        partnership, "preview", "--out", str(out), "--now", NOW, "--until", "2027-01-06"
    )
    assert previewed.returncode == 0, previewed.stderr
    assert reflect(partnership, "tick", "--now", NOW).returncode == 0
    prompt = next(f for f in sorted(out.glob("*.eml")) if "-prompt-" in f.name)
    msg = message_from_bytes(prompt.read_bytes(), policy=policy.default)
    member = msg["To"].addresses[0].addr_spec
    forged = (
        f"From: {member}\r\nTo: {msg['Reply-To'].addresses[0].addr_spec}\r\n"
        f"Subject: Re: {msg['Subject']}\r\nMessage-ID: <copied@members.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nWritten from a preview file.\r\n"
    )
    # nor does the preview's Message-ID, to our plain address, in the thread alone
    by_thread = (
        f"From: {member}\r\nTo: reflect@reflect.example.org\r\nIn-Reply-To: {msg['Message-ID']}\r\n"
        f"Subject: Re: {msg['Subject']}\r\nMessage-ID: <copied-2@members.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nAlso written from a preview file.\r\n"
    )
    forged_file = partnership.dir / "forged.eml"
    forged_file.write_text(forged, encoding="utf-8")
    thread_file = partnership.dir / "by-thread.eml"
    thread_file.write_text(by_thread, encoding="utf-8")
    result = reflect(partnership, "ingest", str(forged_file), str(thread_file))
    assert result.returncode == 0, result.stderr
    assert "2 quarantined" in result.stdout
    archive = Archive(partnership.database)
    assert archive.scalar("SELECT count(*) FROM answers") == 0


def test_preview_leaves_the_archive_and_key_file_as_they_were(partnership: Partnership) -> None:
    assert reflect(partnership, "tick", "--now", NOW).returncode == 0
    key = partnership.dir / "var" / "token.key"
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
              for p in (partnership.database, key)}  # fmt: skip
    result = reflect(
        partnership, "preview", "--out", str(partnership.dir / "p"),
        "--now", "2027-01-06T09:00", "--until", "2027-03-01",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert re.match(r"\d+ message\(s\) written to ", result.stdout)
    after = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
             for p in (partnership.database, key)}  # fmt: skip
    assert after == before


# ------------------------------------------------------------------ the key file


def test_check_and_tick_refuse_a_key_file_others_can_read(partnership: Partnership) -> None:
    assert reflect(partnership, "tick", "--now", NOW).returncode == 0
    key = partnership.dir / "var" / "token.key"
    key.chmod(0o644)
    line = config_line(partnership, KEY_LINE)
    checked = reflect(partnership, "check")
    assert checked.returncode == 2
    assert (
        f"Error: config.toml, line {line}, [security] key_file: {key} can be read by other "
        f"users (mode 644), and anyone who reads it can answer for any member; "
        f"run: chmod 600 {key}\n"
    ) in checked.stdout
    ticked = reflect(partnership, "tick", "--now", "2027-01-06T09:00")
    assert ticked.returncode == 1
    assert f"run: chmod 600 {key}" in ticked.stderr
    key.chmod(0o600)
    assert reflect(partnership, "check").returncode == 0


def test_a_key_file_that_is_a_link_is_refused(partnership: Partnership) -> None:
    assert reflect(partnership, "tick", "--now", NOW).returncode == 0
    key = partnership.dir / "var" / "token.key"
    elsewhere = partnership.dir / "kept.key"
    key.rename(elsewhere)
    key.symlink_to(elsewhere)
    checked = reflect(partnership, "check")
    assert checked.returncode == 2
    assert f"[security] key_file: {key} is a symbolic link (to {elsewhere})" in checked.stdout
    assert f"rm {key} && cp {elsewhere} {key} && chmod 600 {key}" in checked.stdout
    ticked = reflect(partnership, "tick", "--now", "2027-01-06T09:00")
    assert ticked.returncode == 1 and "is a symbolic link" in ticked.stderr


def test_a_dangling_key_link_never_makes_a_new_key(partnership: Partnership) -> None:
    assert reflect(partnership, "tick", "--now", NOW).returncode == 0
    key = partnership.dir / "var" / "token.key"
    key.unlink()
    gone = partnership.dir / "backup" / "token.key"  # the disk it was on is not mounted
    key.symlink_to(gone)
    checked = reflect(partnership, "check")
    assert checked.returncode == 2
    assert f"{key} is a symbolic link to {gone}, which does not exist." in checked.stdout
    ticked = reflect(partnership, "tick", "--now", "2027-01-06T09:00")
    assert ticked.returncode == 1
    assert "every reply token already sent would stop verifying" in ticked.stderr
    assert key.is_symlink() and not gone.exists()
    sent = Archive(partnership.database).scalar("SELECT count(*) FROM outbox")
    assert reflect(partnership, "tick", "--now", "2027-01-09T09:00").returncode == 1
    assert Archive(partnership.database).scalar("SELECT count(*) FROM outbox") == sent


@pytest.mark.parametrize(
    ("value", "described"),
    [
        ("k" * 40, "it is 40 bytes long with 1 different character(s)"),
        ("ab" * 20, "it is 40 bytes long with 2 different character(s)"),
        ("3f9a0c17be42d865", "it is 16 bytes long with 16 different character(s)"),
    ],
)
def test_a_weak_key_from_the_environment_is_refused(
    partnership: Partnership, value: str, described: str
) -> None:
    env = {"REFLECT_TOKEN_KEY": value}
    checked = reflect(partnership, "check", env=env)
    assert checked.returncode == 2
    assert (
        f"Error: config.toml, [security] token_key_env: REFLECT_TOKEN_KEY is too weak to sign "
        f"reply tokens: {described}; a key must be at least 32 bytes long, using at least 8 "
        "different characters."
    ) in checked.stdout
    ticked = reflect(partnership, "tick", "--now", NOW, env=env)
    assert ticked.returncode == 1
    assert (
        f"Error: REFLECT_TOKEN_KEY is too weak to sign reply tokens: {described}" in ticked.stderr
    )
    assert not partnership.database.exists() or not sent_prompts(Archive(partnership.database))


def test_a_strong_key_from_the_environment_is_used_and_no_file_is_made(
    partnership: Partnership,
) -> None:
    env = {"REFLECT_TOKEN_KEY": "9c1e5b7a2f0d4c83b6e1a9f27d5c0b4e"}
    assert reflect(partnership, "check", env=env).returncode == 0
    assert reflect(partnership, "tick", "--now", NOW, env=env).returncode == 0
    assert not (partnership.dir / "var" / "token.key").exists()


def test_a_weak_key_file_is_refused(partnership: Partnership) -> None:
    key = partnership.dir / "var" / "token.key"
    key.parent.mkdir(mode=0o700)
    key.write_text("x" * 64 + "\n")
    key.chmod(0o600)
    checked = reflect(partnership, "check")
    assert checked.returncode == 2
    assert (
        f"{key} is too weak to sign reply tokens: it is 64 bytes long with 1 different "
        f"character(s); a key must be at least 32 bytes long, using at least 8 different "
        f"characters. Delete it (rm {key})"
    ) in checked.stdout
    assert reflect(partnership, "tick", "--now", NOW).returncode == 1


def test_check_makes_no_key_file_and_the_first_tick_does(partnership: Partnership) -> None:
    key = partnership.dir / "var" / "token.key"
    assert reflect(partnership, "check").returncode == 0
    assert not key.exists()
    assert reflect(partnership, "tick", "--now", NOW).returncode == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes().strip()) == 64


# ------------------------------------------------------------------ the Maildir inbox


def test_the_maildir_inbox_never_follows_a_link(partnership: Partnership) -> None:
    assert reflect(partnership, "tick", "--now", NOW).returncode == 0
    prompt = sent_prompts(Archive(partnership.database))[0]
    system_file = partnership.dir / "system-file"  # stands for /etc/shadow
    system_file.write_bytes(b"From: " + prompt.member.encode() + b"\r\n\r\nroot:secret-hash\r\n")
    fill_maildir(partnership.inbox, [reply(prompt)])
    link = partnership.inbox / "new" / "1790000009.M9P9.host"
    link.symlink_to(system_file)
    result = reflect(partnership, "tick", "--now", "2027-01-06T09:00")
    assert result.returncode == 0, result.stderr
    assert (
        f"WARNING inbox: skipped '{link}', not read: it is a symbolic link, not a message "
        "delivered here. It is left in place; look at it and remove it."
    ) in result.stderr
    assert "1 replies read (1 answer)" in result.stdout  # the genuine reply beside it
    assert link.is_symlink()
    with sqlite3.connect(partnership.database) as conn:
        raws = [row[0] for row in conn.execute("SELECT raw FROM inbound")]
    assert len(raws) == 1 and b"secret-hash" not in raws[0]


@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        ("abcdefgh" * 4, True),  # 32 bytes, 8 different: the least that passes
        (("abcdefgh" * 4)[:31], False),  # one byte short
        ("abcdefga" * 4, False),  # 32 bytes, 7 different
    ],
)
def test_the_key_rule_is_exactly_as_stated(tmp_path: Path, key: str, accepted: bool) -> None:
    def load() -> bytes:
        return load_secret(env_name="K", key_file=tmp_path / "k", environ={"K": key})

    if accepted:
        assert load() == key.encode()
    else:
        with pytest.raises(
            ReflectError, match="at least 32 bytes long, using at least 8 different"
        ):
            load()
