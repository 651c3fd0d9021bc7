"""Recognising replies that are not a member's answer: RSVPs, bounces, auto-replies.

Sources for the header rules (checked against vendor documentation and
maintainers' reports, see docs/reply-parsing.md):

* RFC 3834: an automatic response carries ``Auto-Submitted`` with a value
  other than ``no``. Gmail's vacation responder sends ``auto-replied``;
  Exchange/Microsoft 365 out-of-office sends ``auto-generated``.
* ``X-Auto-Response-Suppress`` asks *other* systems not to auto-reply. Outlook
  sets it on ordinary messages too, so on its own it proves nothing.
* ``X-MS-Exchange-Inbox-Rules-Loop`` marks a message handled by an inbox rule
  (auto-reply *or* auto-forward), so it only counts together with an
  auto-reply subject.
* ``X-Autoreply``, ``X-Autorespond``, ``Precedence: auto_reply|bulk|junk`` (and
  ``X-Precedence``) are older conventions still sent by many responders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.message import Message

import icalendar

from .mime import ReadNotes, decode_text, header_text, is_attachment, part_bytes, part_text
from .types import Bounce, Rsvp

# --- auto-replies -------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:"
    r"automatic reply|auto(?:matic)?[ -]?reply|autoreply|auto[ -]response|out of (?:the )?office\b(?!.*\banswer)"
    r"|auto:\s|.{1,80}\bis out of (?:the )?office|ooo\b|away from (?:the )?office|vacation reply|holiday reply"
    r"|abwesenheitsnotiz|automatische antwort|abwesend|out of office reply"
    r"|r[ée]ponse automatique|absence du bureau|absent du bureau|message d'absence"
    r"|respuesta autom[aá]tica|fuera de la oficina|ausente"
    r"|ateb awtomatig|allan o'r swyddfa|i ffwrdd o'r swyddfa"
    r"|risposta automatica|fuori sede|automatisch antwoord|afwezig|autosvar"
    r")",
    re.IGNORECASE,
)


def auto_reply_reason(msg: Message) -> str | None:
    """Why ``msg`` is an automatic reply, or None when it looks written by a person."""
    submitted = header_text(msg, "Auto-Submitted").split(";", 1)[0].strip().lower()
    subject = header_text(msg, "Subject")
    # A forwarding rule passes on what a person wrote: that is still the person's.
    if submitted and submitted not in {"no", "auto-forwarded"}:
        return f"it says it was sent automatically (Auto-Submitted: {submitted})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        value = header_text(msg, name).lower()
        if value and value not in {"no", "false", "0"}:
            return f"it carries the auto-responder header {name}"
    for name in ("Precedence", "X-Precedence"):
        value = header_text(msg, name).lower()
        if value in {"auto_reply", "auto-reply", "junk"}:
            return f"it is marked {name}: {value}, which auto-responders use"
        # "bulk" also arrives on people's mail relayed by lists and gateways:
        # only with an out-of-office subject do they make it automatic (below).
    if _AUTO_SUBJECT.search(subject):
        return f"its subject reads like an automatic reply ({subject[:80]!r})"
    return None


# --- bounces ------------------------------------------------------------------

_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery (?:subsystem|system)", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliverable|undelivered mail|delivery status notification \((?:failure|delay)\)"
    r"|mail delivery failed|delivery failure|failure notice|returned mail|returned to sender"
    r"|delivery has failed|could not be delivered|unzustellbar|non remis|no se puede entregar"
    r"|message not delivered|delivery (?:incomplete|delayed)",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>?")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45])\d\d[ -]")
_TEMPORARY_WORDS = re.compile(
    r"delay|will (?:retry|keep trying)|temporar|not yet been delivered|still trying", re.I
)


@dataclass(frozen=True)
class _DsnFields:
    recipients: tuple[str, ...]
    status: str | None
    diagnostic: str | None
    action: str | None


def _dsn_blocks(data: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in data.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current, last = {}, ""
            continue
        if line[:1] in " \t" and last:
            current[last] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep:
            last = name.strip().lower()
            current[last] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _read_dsn(part: Message, notes: ReadNotes) -> _DsnFields:
    payload = part.get_payload()
    texts: list[str] = []
    if isinstance(payload, list):  # the stdlib splits delivery-status into header blocks
        for block in payload:
            if isinstance(block, Message):
                texts.append("\n".join(f"{k}: {v}" for k, v in block.items()))
        text = "\n\n".join(texts)
    else:
        text = decode_text(part_bytes(part, notes), "utf-8", notes)
    recipients: list[str] = []
    status = diagnostic = action = None
    for block in _dsn_blocks(text):
        final = block.get("final-recipient") or block.get("original-recipient")
        if final:
            addr = final.split(";", 1)[-1].strip().strip("<>").lower()
            if addr and addr not in recipients:
                recipients.append(addr)
            words = (block.get("status") or "").split()
            status = status or (words[0] if words else None)
            diagnostic = diagnostic or _clean_diagnostic(block.get("diagnostic-code"))
            action = action or (block.get("action") or "").lower() or None
    return _DsnFields(tuple(recipients), status or None, diagnostic, action)


def _clean_diagnostic(value: str | None) -> str | None:
    if not value:
        return None
    kind, sep, rest = value.partition(";")
    text = rest if sep and kind.strip().lower() in {"smtp", "x-postfix", "x-unix"} else value
    return " ".join(text.split())[:500] or None


def bounce_of(msg: Message, leaves: list[Message], body: str, notes: ReadNotes) -> Bounce | None:
    """A ``Bounce`` when ``msg`` is a delivery failure or delay report, else None."""
    ctype = msg.get_content_type()
    report_type = (msg.get_param("report-type") or "") if ctype == "multipart/report" else ""
    if isinstance(report_type, tuple):
        report_type = str(report_type[2])
    if ctype == "multipart/report" and str(report_type).lower() == "delivery-status":
        for part in leaves:
            if part.get_content_type() in {
                "message/delivery-status",
                "message/global-delivery-status",
            }:
                dsn = _read_dsn(part, notes)
                return _bounce_from(dsn, body)
        return _bounce_from(_DsnFields((), None, None, None), body)
    sender = header_text(msg, "From")
    subject = header_text(msg, "Subject")
    if (_DAEMON.search(sender) and (_BOUNCE_SUBJECT.search(subject) or _looks_bounced(body))) or (
        _BOUNCE_SUBJECT.search(subject) and _looks_bounced(body)
    ):
        return _bounce_from(_DsnFields((), None, None, None), body)
    return None


_BOUNCE_BODY = re.compile(
    r"could not be delivered|couldn't be delivered|delivery (?:to the following recipients? )?"
    r"(?:has )?failed|permanent(?:ly)? (?:error|fatal)|undeliverable|"
    r"this is the mail system at|mail delivery failed|i'm afraid i wasn't able to deliver|"
    r"user unknown|mailbox unavailable|address rejected|no such user|does not exist|"
    r"hi\. this is the qmail-send program|message delivery has been delayed|"
    r"wasn't delivered|was not delivered",
    re.IGNORECASE,
)


def _looks_bounced(body: str) -> bool:
    return bool(_BOUNCE_BODY.search(body[:20000]))


def _bounce_from(dsn: _DsnFields, body: str) -> Bounce:
    head = body[:20000]
    recipients = dsn.recipients or _recipients_from_text(head)
    status = dsn.status
    if status is None:
        found = _STATUS.search(head)
        status = found.group(0) if found else None
    diagnostic = dsn.diagnostic or _diagnostic_from_text(head)
    if status is not None:
        permanent = status.startswith("5")
    elif dsn.action in {"delayed", "relayed"}:
        permanent = False
    else:
        code = _SMTP_CODE.search(head)
        permanent = code.group(1) == "5" if code else not _TEMPORARY_WORDS.search(head)
    if dsn.action == "delayed":
        permanent = False
    return Bounce(recipients, status, diagnostic, permanent)


_FAILED_LINE = re.compile(
    r"^\s*<?([^\s<>@]+@[^\s<>]+?)>?:?\s*$|"  # qmail/Exim: address alone on its line
    r"^\s*(?:final-recipient|original-recipient|recipient address|to)\s*:\s*(?:rfc822;)?\s*"
    r"<?([^\s<>@]+@[^\s<>]+?)>?\s*$|"
    r"delivery to (?:the following recipients? failed|([^\s<>@]+@[^\s<>]+?) failed)",
    re.IGNORECASE | re.MULTILINE,
)


def _recipients_from_text(text: str) -> tuple[str, ...]:
    found: list[str] = []
    cut = re.search(r"^-{2,}.*(?:original message|headers|below this line).*$", text, re.I | re.M)
    text = text[: cut.start()] if cut else text
    for match in _FAILED_LINE.finditer(text):
        for group in match.groups():
            if group and "@" in group:
                addr = group.strip(".,;:<>").lower()
                if addr not in found and not _DAEMON.search(addr):
                    found.append(addr)
    if not found:
        for match in _ADDRESS.finditer(text):
            addr = match.group(1).lower()
            if not _DAEMON.search(addr) and addr not in found:
                found.append(addr)
                break
    return tuple(found)


def _diagnostic_from_text(text: str) -> str | None:
    for line in text.split("\n"):
        stripped = line.strip()
        if _SMTP_CODE.match(stripped) or _STATUS.search(stripped):
            return " ".join(stripped.split())[:500]
    return None


# --- RSVPs --------------------------------------------------------------------


def _aware(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    return None


def rsvps_of(leaves: list[Message], notes: ReadNotes) -> tuple[Rsvp, ...] | None:
    """RSVPs from the first ``text/calendar`` part with METHOD:REPLY, or None."""
    for part in leaves:
        is_calendar = part.get_content_type() in {"text/calendar", "application/ics"}
        name = ""
        try:
            name = (part.get_filename() or "").lower()
        except Exception:  # a broken filename parameter must not stop us
            name = ""
        if not (is_calendar or name.endswith(".ics")):
            continue
        text = (
            part_text(part, notes)
            if is_calendar
            else decode_text(part_bytes(part, notes), "utf-8", notes)
        )
        if "METHOD:REPLY" not in text.upper().replace(" ", ""):
            continue
        try:
            calendars = icalendar.Calendar.from_ical(text[:1_000_000], multiple=True)
        except Exception as exc:
            notes.add(f"an RSVP calendar part could not be read ({type(exc).__name__})")
            continue
        found: list[Rsvp] = []
        for cal in calendars:
            if str(cal.get("METHOD", "")).upper() != "REPLY":
                continue
            for event in cal.walk("VEVENT")[:100]:
                found.extend(_event_rsvps(event, notes))
        if found:
            return tuple(found)
    return None


def _event_rsvps(event: icalendar.cal.Component, notes: ReadNotes) -> list[Rsvp]:
    uid = str(event.get("UID", ""))
    attendees = event.get("ATTENDEE")
    if attendees is None:
        notes.add("an RSVP event has no ATTENDEE")
        return []
    if not isinstance(attendees, list):
        attendees = [attendees]
    recurrence = None
    rid = event.get("RECURRENCE-ID")
    if rid is not None:
        recurrence = _aware(getattr(rid, "dt", None))
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    comment = str(event.get("COMMENT", "") or "")
    result: list[Rsvp] = []
    for attendee in attendees:
        address = str(attendee).strip()
        if address.lower().startswith("mailto:"):
            address = address[7:]
        params = getattr(attendee, "params", {})
        partstat = str(params.get("PARTSTAT", "NEEDS-ACTION")).upper()
        note = comment or str(params.get("X-RESPONSE-COMMENT", "") or "")
        result.append(Rsvp(uid, address.strip().lower(), partstat, recurrence, sequence, note))
    return result


def summarise_rsvps(rsvps: tuple[Rsvp, ...]) -> str:
    """One line per RSVP, e.g. ``aisha@example.org ACCEPTED (2027-01-12 10:00 UTC)``."""
    lines = []
    for rsvp in rsvps:
        when = f" ({rsvp.recurrence_id:%Y-%m-%d %H:%M %Z})" if rsvp.recurrence_id else ""
        lines.append(f"{rsvp.attendee} {rsvp.partstat}{when}")
    return "\n".join(lines)


def is_body_part(part: Message) -> bool:
    """A part that can hold the message text (not an attachment)."""
    return part.get_content_maintype() == "text" and not is_attachment(part)
