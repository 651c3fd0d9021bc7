"""The [mail] and [inbox] tables: how messages leave and how replies come back.

Beyond each value's type: a reply address that can carry the token, a server
named when SMTP or IMAP is chosen, environment variable names rather than
secrets, and no password sent unencrypted to another machine.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from scheduler.errors import Problem
from scheduler.inputs.config import (
    SECURITY_MODES,
    ImapSettings,
    InboxSettings,
    MailSettings,
    SmtpSettings,
    choices,
    default,
)
from scheduler.inputs.config_reader import SettingsReader
from scheduler.inputs.plain_text import quote
from scheduler.safety import is_valid_address


def read_mail(r: SettingsReader, m: Mapping[str, Any], base: Path) -> MailSettings:
    """The [mail] table and its [mail.smtp]."""
    r.unknown(m, "mail")
    sender = r.text(m, "mail", "from", required=True, header=True)
    from_name, from_address = parseaddr(sender)
    if sender and not is_valid_address(from_address):
        r.problem(
            "mail",
            "from",
            f'"{sender}" has no usable address. Write it as "Name <address@example.org>".',
        )
    reply_to = r.text(m, "mail", "reply_to", required=True, header=True)
    _check_reply_to(r, reply_to)
    sm = r.table(m, "smtp", "mail")
    smtp = _read_smtp(r, sm)
    transport = r.choice(
        m, "mail", "transport", choices(MailSettings, "transport"), _mail("transport")
    )
    if transport == "smtp":
        _missing_host(r, sm, "mail.smtp", "transport", transport)
    _clear_text_problem(r, "mail.smtp", smtp.host, smtp.security, smtp.username)
    return MailSettings(
        from_name=from_name,
        from_address=from_address,
        reply_to=reply_to,
        transport=transport,  # type: ignore[arg-type]
        outbox_maildir=r.path(m, "mail", "outbox_maildir", _mail("outbox_maildir"), base),
        rehearsal=r.boolean(m, "mail", "rehearsal", _mail("rehearsal")),
        smtp=smtp,
        give_up_after_hours=r.number(
            m, "mail", "give_up_after_hours", _mail("give_up_after_hours")
        ),
        verp=r.boolean(m, "mail", "verp", _mail("verp")),
    )


def _mail(name: str) -> Any:
    return default(MailSettings, name)


def _check_reply_to(r: SettingsReader, reply_to: str) -> None:
    """A reply address that carries the token where mail servers keep it."""
    if reply_to and "{token}" not in reply_to:
        r.problem(
            "mail",
            "reply_to",
            f'"{reply_to}" has no {{token}}. Replies are matched to members by it: '
            'write e.g. "reflect+{token}@reflect.example.org".',
        )
    elif reply_to and not _token_in_place(reply_to):
        local, _, domain = reply_to.rpartition("@")
        mailbox = local.split("+")[0].replace("{token}", "").strip("-._") or "reflect"
        example_domain = domain.replace("{token}.", "").replace("{token}", "").strip(".")
        example_domain = example_domain or "reflect.example.org"
        r.problem(
            "mail",
            "reply_to",
            f"{quote(reply_to)} puts {{token}} where it cannot work: it must come straight "
            'after a "+" at the end of the part before the @, e.g. '
            f'"{mailbox}+{{token}}@{example_domain}". '
            "Mail servers deliver that to the plain mailbox, and the token tells whose reply "
            "it is.",
        )
    elif reply_to and not is_valid_address(reply_to.replace("{token}", "x")):
        r.problem("mail", "reply_to", f'"{reply_to}" is not an email address.')


def _read_smtp(r: SettingsReader, sm: Mapping[str, Any]) -> SmtpSettings:
    table, d = "mail.smtp", SmtpSettings()
    r.unknown(sm, table)
    return SmtpSettings(
        host=r.text(sm, table, "host", default=d.host),
        port=r.integer(sm, table, "port", d.port, minimum=1),
        security=r.choice(sm, table, "security", SECURITY_MODES, d.security),  # type: ignore[arg-type]
        username=r.text(sm, table, "username", default=d.username),
        password_env=_env_name(r, sm, table, "password_env", d.password_env),
        timeout_seconds=r.number(sm, table, "timeout_seconds", d.timeout_seconds),
        max_per_minute=r.integer(sm, table, "max_per_minute", d.max_per_minute),
        max_per_day=r.integer(sm, table, "max_per_day", d.max_per_day),
    )


def _token_in_place(reply_to: str) -> bool:
    """``{token}`` once, as the whole sub-address: ``name+{token}@domain``."""
    local, at, _ = reply_to.rpartition("@")
    return (
        bool(at)
        and reply_to.count("{token}") == 1
        and local.endswith("+{token}")
        and len(local) > len("+{token}")
    )


def _is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: localhost, 127.0.0.0/8 or ::1."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return bool(ipaddress.ip_address(name).is_loopback)
    except ValueError:
        return False


def _clear_text_problem(
    r: SettingsReader, table: str, host: str, security: str, username: str
) -> None:
    """Credentials sent unencrypted to another machine are refused, naming the line."""
    if security != "none" or not username or _is_loopback(host):
        return
    port = "587 with starttls, or 465 with tls" if table == "mail.smtp" else "993 with tls"
    r.problem(
        table,
        "security",
        f'"none" would send the password for {quote(username)} unencrypted across the '
        f'network to {quote(host)}. Write security = "starttls" or "tls" (port {port}); '
        '"none" is only for a server on this machine (localhost, 127.0.0.1 or ::1).',
    )


def _missing_host(
    r: SettingsReader, data: Mapping[str, Any], table: str, parent_key: str, value: str
) -> None:
    """A transport or inbox that needs a server, with none named."""
    host = data.get("host")
    if isinstance(host, str) and host.strip():
        return
    parent, _, _ = table.partition(".")
    where = r.where.table(table) or r.where.key(parent, parent_key)
    kind = "SMTP server that sends" if table == "mail.smtp" else "IMAP server that holds"
    example = "smtp.example.org" if table == "mail.smtp" else "imap.example.org"
    r.problems.append(
        Problem(
            r.file,
            f'{parent_key} = "{value}" needs the {kind} your mail, but no host is given. '
            f'Add host = "{example}" (your mail provider tells you the name) under [{table}], '
            f'or set [{parent}] {parent_key} = "maildir".',
            where,
            f"[{table}] host",
        )
    )


def _env_name(
    r: SettingsReader, data: Mapping[str, Any], table: str, key: str, default: str
) -> str:
    value = r.text(data, table, key, default=default)
    if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        r.problem(
            table,
            key,
            "should name an environment variable (letters, digits and _), not hold the "
            f'secret itself. Write e.g. {key} = "{default}" and set that variable.',
        )
    return value


def read_inbox(r: SettingsReader, i: Mapping[str, Any], base: Path) -> InboxSettings:
    """The [inbox] table and its [inbox.imap]."""
    r.unknown(i, "inbox")
    im = r.table(i, "imap", "inbox")
    imap = _read_imap(r, im)
    d = InboxSettings()
    source = r.choice(i, "inbox", "source", choices(InboxSettings, "source"), d.source)
    if source == "imap":
        _missing_host(r, im, "inbox.imap", "source", source)
    _clear_text_problem(r, "inbox.imap", imap.host, imap.security, imap.username)
    return InboxSettings(
        source=source,  # type: ignore[arg-type]
        maildir=r.path(i, "inbox", "maildir", d.maildir, base),
        imap=imap,
        max_message_bytes=r.integer(
            i, "inbox", "max_message_bytes", d.max_message_bytes, minimum=65536
        ),
        trusted_authserv_id=r.text(i, "inbox", "trusted_authserv_id", default=d.trusted_authserv_id)
        .strip()
        .lower(),
    )


def _read_imap(r: SettingsReader, im: Mapping[str, Any]) -> ImapSettings:
    table, d = "inbox.imap", ImapSettings()
    r.unknown(im, table)
    return ImapSettings(
        host=r.text(im, table, "host", default=d.host),
        port=r.integer(im, table, "port", d.port, minimum=1),
        security=r.choice(im, table, "security", SECURITY_MODES, d.security),  # type: ignore[arg-type]
        username=r.text(im, table, "username", default=d.username),
        password_env=_env_name(r, im, table, "password_env", d.password_env),
        folder=r.text(im, table, "folder", default=d.folder),
        done_folder=r.text(im, table, "done_folder", default=d.done_folder),
    )
