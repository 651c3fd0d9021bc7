"""The edges, built from the config: its input files read, the transport and the inbox made.

Passwords are looked up in the environment mapping the caller gives, by the
names the config holds; the stages are handed what this builds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from scheduler.errors import ReflectError
from scheduler.inbound.inboxes import Inbox, MaildirInbox
from scheduler.inputs.config import Config
from scheduler.inputs.config_file import parse_config
from scheduler.inputs.content import Content, load_bundled_content
from scheduler.inputs.members import read_members
from scheduler.inputs.membership import Membership
from scheduler.outbound.transports import MaildirTransport, SmtpTransport, Transport


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


def secret_from_env(environ: Mapping[str, str], name: str, what: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise ReflectError(f"{what}: set the environment variable {name} to the password.")
    return value


def default_transport(config: Config, environ: Mapping[str, str]) -> Transport:
    mail = config.mail
    if mail.transport == "maildir":
        return MaildirTransport(path=mail.outbox_maildir)
    smtp = mail.smtp
    password = (
        secret_from_env(environ, smtp.password_env, f"SMTP login to {smtp.host}")
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


def default_inbox(config: Config, environ: Mapping[str, str]) -> Inbox | None:
    inbox = config.inbox
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
        password=secret_from_env(environ, imap.password_env, f"IMAP login to {imap.host}"),
        folder=imap.folder,
        done_folder=imap.done_folder,
        max_bytes=inbox.max_message_bytes,
    )
