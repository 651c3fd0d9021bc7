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
from email.message import Message

from .mime import ReadNotes, decode_text, header_text, is_attachment, part_bytes
from .types import Bounce

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

_DAEMON = re.compile(
    r"mailer[- ]daemon|postmaster|post_master|mail delivery (?:subsystem|system)|mail\.delivery\.system"
    r"|system administrator|mail administrator|^\s*<>\s*$|^\s*$|\bmailer@|mdaemon|\bmta@",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliverable|undelivered mail|delivery status notification|mail delivery failed"
    r"|delivery failure|failure notice|failure delivery|failed delivery|returned mail"
    r"|returned to sender|delivery has failed|could not be delivered|unzustellbar|non remis"
    r"|no se puede entregar|message not delivered|delivery (?:incomplete|delayed|problem)"
    r"|mail failure|mail failed|delivery report|nondeliverable|non-delivery|warning: message .{0,60}delayed"
    r"|message .{0,60}delayed|mailbox (?:is )?full|over quota|quota exceeded|delivery notification",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>?")
_STATUS = re.compile(r"(?<![\w.])([45])\.(\d{1,3})\.(\d{1,3})(?![\w.])")
_SMTP_CODE = re.compile(r"(?<![\w.])([45])\d\d[ -]")
_TEMPORARY_WORDS = re.compile(
    r"delay|will (?:retry|keep trying|be retried|try again)|temporar|not yet been delivered"
    r"|still trying|retry(?:ing)? (?:for|until)|warning",
    re.I,
)
# Addresses that are never the member whose mail failed.
_NOT_A_RECIPIENT = re.compile(
    r"^(?:owner-|.*-(?:request|owner|bounces?|admin)@)|^(?:mailer-daemon|postmaster|mailman|majordomo"
    r"|listserv|root|abuse|noreply|no-reply|donotreply)@",
    re.I,
)
DSN_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_RETURNED_TYPES = frozenset({"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"})


@dataclass(frozen=True)
class _DsnFields:
    recipients: tuple[str, ...]
    status: str | None
    diagnostic: str | None
    action: str | None
    actions: tuple[str, ...] = ()


_NO_DSN = _DsnFields((), None, None, None)


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


def _address_of(value: str) -> str | None:
    """``rfc822; <a@b>`` or ``a@b`` as a lower-case address, or None."""
    value = value.split(";", 1)[-1].strip()
    found = _ADDRESS.search(value)
    if found is None:
        return None
    address = found.group(1).lower()
    return None if _NOT_A_RECIPIENT.search(address) else address


def _dsn_text(part: Message, notes: ReadNotes) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the stdlib splits delivery-status into header blocks
        return "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in block.items())
            for block in payload
            if isinstance(block, Message)
        )
    return decode_text(part_bytes(part, notes), "utf-8", notes)


def _read_dsn(parts: list[Message], notes: ReadNotes) -> _DsnFields:
    recipients: list[str] = []
    status = diagnostic = action = None
    actions: list[str] = []
    for part in parts:
        for block in _dsn_blocks(_dsn_text(part, notes)):
            names = ("final-recipient", "original-recipient", "x-actual-recipient")
            found = [block[name] for name in names if block.get(name)]
            if not found:
                continue
            for value in found[:1] or found:
                addr = _address_of(value)
                if addr and addr not in recipients:
                    recipients.append(addr)
            words = (block.get("status") or "").split()
            if words and re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", words[0]):
                status = status or words[0]
            diagnostic = diagnostic or _clean_diagnostic(block.get("diagnostic-code"))
            this_action = (block.get("action") or "").split()[:1]
            if this_action:
                actions.append(this_action[0].lower())
                action = action or this_action[0].lower()
    return _DsnFields(tuple(recipients), status, diagnostic, action, tuple(actions))


def _clean_diagnostic(value: str | None) -> str | None:
    if not value:
        return None
    kind, sep, rest = value.partition(";")
    text = rest if sep and kind.strip().lower() in {"smtp", "x-postfix", "x-unix"} else value
    return " ".join(text.split())[:500] or None


def _report_type(msg: Message) -> str:
    if msg.get_content_type() != "multipart/report":
        return ""
    try:
        value = msg.get_param("report-type") or ""
    except Exception:
        return ""
    if isinstance(value, tuple):
        value = value[2]
    return str(value).strip().lower()


def is_delivered_notice(msg: Message, leaves: list[Message], notes: ReadNotes) -> bool:
    """A report that mail *was* delivered (``Action: delivered``, relayed, expanded)."""
    parts = [part for part in leaves if part.get_content_type() in DSN_TYPES]
    if not parts:
        return False
    actions = _read_dsn(parts, notes).actions
    return bool(actions) and all(a in {"delivered", "relayed", "expanded"} for a in actions)


def bounce_of(msg: Message, leaves: list[Message], body: str, notes: ReadNotes) -> Bounce | None:
    """A ``Bounce`` when ``msg`` is a delivery failure or delay report, else None.

    Standard reports are read from their ``message/delivery-status`` part,
    wherever it sits (McAfee puts it in ``multipart/mixed``). Other notices
    count only when they come from a mail system (a daemon or postmaster
    sender, ``X-Failed-Recipients``, or the returned message attached) and
    say that delivery failed; a person's message that mentions
    "undeliverable" is never a bounce.
    """
    report_type = _report_type(msg)
    if report_type in {"disposition-notification", "feedback-report"}:
        return None
    failed_header = _failed_recipients_header(msg)
    parts = [part for part in leaves if part.get_content_type() in DSN_TYPES]
    if parts:
        dsn = _read_dsn(parts, notes)
        if dsn.actions and all(a in {"delivered", "relayed", "expanded"} for a in dsn.actions):
            return None
        return _bounce_from(dsn, body, failed_header)
    if msg.get_content_type() == "multipart/report" and report_type in {"delivery-status", ""}:
        return _bounce_from(_NO_DSN, body, failed_header)
    ses = _ses_notice(body)
    if ses is not None:
        return ses if isinstance(ses, Bounce) else None
    sender = header_text(msg, "From")
    subject = header_text(msg, "Subject")
    machine = (
        bool(_DAEMON.search(sender))
        or bool(failed_header)
        or any(part.get_content_type() in _RETURNED_TYPES for part in leaves)
        or bool(_COPY_FOLLOWS.search(body[:50000]))
    )
    if machine and (_BOUNCE_SUBJECT.search(subject) or _looks_bounced(body)):
        return _bounce_from(_NO_DSN, body, failed_header)
    if _BOUNCE_SUBJECT.search(subject) and _STRICT_BOUNCE_BODY.search(body[:20000]):
        return _bounce_from(_NO_DSN, body, failed_header)
    return None


_COPY_FOLLOWS = re.compile(
    r"^[-=|\s]*(?:this is a copy of (?:your|the) message|original message follows|"
    r"message text follows|the original message (?:was|is) (?:attached|included|below)|"
    r"[-\s]*original mail as follows|[-\s]*original message headers? follows?|"
    r"below is a copy of the original message)",
    re.I | re.M,
)


def _failed_recipients_header(msg: Message) -> tuple[str, ...]:
    found: list[str] = []
    for name in ("X-Failed-Recipients", "X-Failed-Recipient"):
        for piece in header_text(msg, name).split(","):
            addr = _address_of(piece)
            if addr and addr not in found:
                found.append(addr)
    return tuple(found)


_SES_TYPE = re.compile(r'"notificationType"\s*:\s*"(Bounce|Complaint|Delivery)"')
_SES_ADDRESS = re.compile(r'"emailAddress"\s*:\s*"([^"\s]{1,254})"')
_SES_BOUNCE_TYPE = re.compile(r'"bounceType"\s*:\s*"(\w+)"')
_SES_STATUS = re.compile(r'"status"\s*:\s*"([245]\.\d{1,3}\.\d{1,3})"')


def ses_notification_type(body: str) -> str | None:
    """Amazon SES notifications arrive as JSON: "Bounce", "Complaint" or "Delivery"."""
    found = _SES_TYPE.search(body[:20000].replace('\\"', '"'))
    return found.group(1) if found else None


def _ses_notice(body: str) -> Bounce | str | None:
    kind = ses_notification_type(body)
    if kind != "Bounce":
        return kind
    text = body[:200000].replace('\\"', '"')
    recipients = tuple(
        dict.fromkeys(a.lower() for a in _SES_ADDRESS.findall(text.split('"mail"', 1)[0]))
    )
    bounce_type = _SES_BOUNCE_TYPE.search(text)
    status = _SES_STATUS.search(text)
    permanent = bounce_type.group(1).lower() == "permanent" if bounce_type else True
    return Bounce(recipients, status.group(1) if status else None, None, permanent)


_BOUNCE_BODY = re.compile(
    r"could not be delivered|couldn't be delivered|delivery (?:to the following recipients? )?"
    r"(?:has )?failed|permanent(?:ly)? (?:error|fatal)|undeliverable|"
    r"this is the mail system at|mail delivery failed|i'm afraid i wasn't able to deliver|"
    r"user unknown|mailbox unavailable|address rejected|no such user|does not exist|"
    r"hi\. this is the qmail-send program|message delivery has been delayed|"
    r"wasn't delivered|was not delivered|had (?:permanent fatal errors|delivery problems)|"
    r"did not reach the following recipient|unable to deliver|could not deliver|"
    r"delivery to the following recipients? (?:was aborted|failed)|failed addresses follow|"
    r"message is delayed|temporary failure|mailbox (?:is )?full|over quota|quota exceeded|"
    r"transcript of session follows|recipient addresses rejected|not (?:be )?delivered to|"
    r"送信に失敗|届きませんでした|配信できません|"
    r"malformed (?:recipient )?address|rejected your message|message (?:was )?rejected|"
    r"delivery status notification|non-delivery|could not be sent",
    re.IGNORECASE,
)
_STRICT_BOUNCE_BODY = re.compile(
    r"this is the mail system at|hi\. this is the qmail-send program|"
    r"delivery to the following recipients? (?:has )?failed|did not reach the following recipient|"
    r"had permanent fatal errors|the following addresses had (?:permanent fatal errors|delivery problems)|"
    r"i'm afraid i wasn't able to deliver your message|failed addresses follow",
    re.IGNORECASE,
)


def _looks_bounced(body: str) -> bool:
    return bool(_BOUNCE_BODY.search(body[:20000]))


def _notice_text(body: str) -> str:
    """The mail system's own words: what comes before the returned message."""
    head = body[:20000]
    cut = _COPY_FOLLOWS.search(head)
    if cut is not None:
        head = head[: cut.start()]
    cut = re.search(
        r"^\s*(?:return-path|received|x-mailman-version|message-id):", head, re.I | re.M
    )
    return head[: cut.start()] if cut is not None else head


def _bounce_from(dsn: _DsnFields, body: str, failed_header: tuple[str, ...] = ()) -> Bounce:
    head = _notice_text(body)
    recipients = dsn.recipients or failed_header or _recipients_from_text(head)
    status = dsn.status
    if status is None:
        found = _STATUS.search(head)
        status = found.group(0) if found else None
    diagnostic = dsn.diagnostic or _diagnostic_from_text(head)
    if dsn.action == "delayed" or (dsn.actions and all(a == "delayed" for a in dsn.actions)):
        permanent = False
    elif _GAVE_UP.search(head) and not _ONLY_A_WARNING.search(head):
        permanent = True  # a temporary status, but the server has stopped trying
    elif status is not None:
        permanent = status.startswith("5")
    else:
        code = _SMTP_CODE.search(head)
        permanent = code.group(1) == "5" if code else not _TEMPORARY_WORDS.search(head)
    return Bounce(recipients, status, diagnostic, permanent)


_GAVE_UP = re.compile(
    r"envelope expired|an error has occurred while attempting to deliver|delivery time expired",
    re.I,
)
_ONLY_A_WARNING = re.compile(
    r"only a temporary failure|warning message only|will be retried|will (?:keep|continue) trying"
    r"|do not need to re-?send",
    re.I,
)
_FAILED_LINE = re.compile(
    r"^\s*(?:[*•-]\s+)?<?([^\s<>@()\"']+@[^\s<>()\"']+?)>?(?:[:.,]|\s+\.\.\.|\s+on\s|\s*\(|\s*$)|"
    r"^\s*(?:final-recipient|original-recipient|recipient address|to)\s*:\s*(?:rfc822;)?\s*"
    r"<?([^\s<>@]+@[^\s<>]+?)>?\s*$|"
    r"(?:delivery to|delivered to|deliver (?:your message )?to|not reach)\s*:?\s*<?([^\s<>@]+@[^\s<>]+?)>?(?:[\s.,:;]|$)",
    re.IGNORECASE | re.MULTILINE,
)


def _recipients_from_text(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for match in _FAILED_LINE.finditer(text):
        for group in match.groups():
            if group and "@" in group:
                addr = _address_of(group.strip(".,;:<>"))
                if addr and addr not in found and not _DAEMON.search(addr):
                    found.append(addr)
    if not found:
        for match in _ADDRESS.finditer(text):
            if "mailto:" in text[max(match.start() - 7, 0) : match.start()].lower():
                continue  # a link in the notice, not the failed recipient
            addr = _address_of(match.group(1))
            if addr and not _DAEMON.search(addr) and addr not in found:
                found.append(addr)
                break
    return tuple(found)


def _diagnostic_from_text(text: str) -> str | None:
    for line in text.split("\n"):
        stripped = line.strip()
        if _SMTP_CODE.match(stripped) or _STATUS.search(stripped):
            return " ".join(stripped.split())[:500]
    return None


# --- other machine notices ------------------------------------------------------

_CHALLENGE = re.compile(
    r"\b(?:challenge[- ]response|please confirm (?:that )?(?:you are|your message|you're)|"
    r"verify (?:that )?you are (?:a )?(?:human|real)|(?:to|please) (?:get|have) your (?:e-?mail|message) "
    r"(?:delivered|through)|i use .{0,30}(?:spam|anti-spam) .{0,30}(?:filter|protection)|"
    r"(?:your|the) (?:e-?mail|message) (?:is|has been) (?:held|quarantined) (?:until|pending)|"
    r"reply to this (?:e-?mail|message) with the word|add(?:ed)? to (?:my|the) (?:whitelist|allow ?list))",
    re.I,
)
_CHALLENGE_HEADERS = ("X-Challenge", "X-Boxtrapper", "X-TMDA", "X-Spamarrest", "X-Autorespond")


def machine_notice(
    msg: Message, leaves: list[Message], body: str, notes: ReadNotes
) -> tuple[str, str] | None:
    """(kind, reason) for machine mail that is neither a bounce nor an RSVP, else None.

    kind is "feedback_report" (an RFC 5965 abuse report, or a provider's
    complaint notice) or "auto_reply" (a read receipt, a delivered notice, a
    challenge-response request).
    """
    report_type = _report_type(msg)
    types = {part.get_content_type() for part in leaves}
    subject = header_text(msg, "Subject")
    if report_type == "feedback-report" or "message/feedback-report" in types:
        return (
            "feedback_report",
            "it is an abuse report (RFC 5965): someone reported our mail as spam",
        )
    ses = ses_notification_type(body)
    if ses == "Complaint":
        return (
            "feedback_report",
            "it is an Amazon SES complaint notice: our mail was reported as spam",
        )
    if (
        re.search(r"\b(?:complaint|abuse report|spam report|feedback loop|spamtrap)", subject, re.I)
        and types & _RETURNED_TYPES
        and (
            _DAEMON.search(header_text(msg, "From"))
            or re.search(r"\bstaff@|abuse@|fbl", header_text(msg, "From"), re.I)
            or not body.strip()
            or len(body) < 400
        )
    ):
        return "feedback_report", "it is a mail provider's complaint about one of our messages"
    if re.search(r"sent this e-?mail to unsubscribe", body[:2000], re.I) or (
        subject.strip().lower() == "unsubscribe" and header_text(msg, "Auto-Submitted")
    ):
        return "feedback_report", "it is an automatic request to unsubscribe from our mail"
    if report_type == "disposition-notification" or "message/disposition-notification" in types:
        return "auto_reply", "it is a read receipt (RFC 8098), not an answer"
    if is_delivered_notice(msg, leaves, notes):
        return "auto_reply", "it is a notice that our mail was delivered, not an answer"
    if ses == "Delivery":
        return "auto_reply", "it is an Amazon SES delivery notice, not an answer"
    for name in _CHALLENGE_HEADERS:
        value = header_text(msg, name).lower()
        if name == "X-Autorespond":
            continue
        if value:
            return "auto_reply", f"it is a challenge-response request ({name}), not an answer"
    if _CHALLENGE.search(body[:5000]) and (
        re.search(r"\b(?:confirm|verif|whitelist|challenge|spam)", subject, re.I)
        or header_text(msg, "Auto-Submitted").lower() not in {"", "no"}
    ):
        return "auto_reply", "it is a challenge-response request from a spam filter, not an answer"
    return None


# --- RSVPs --------------------------------------------------------------------


def is_body_part(part: Message) -> bool:
    """A part that can hold the message text (not an attachment)."""
    return part.get_content_maintype() == "text" and not is_attachment(part)
