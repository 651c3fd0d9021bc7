"""Writes the reply collection: members' replies to our own prompts, with the expected reading.

Run from the repository root: ``python3 tests/data/reply_collection/build.py``.
It writes ``dev/`` (tuned on) and ``heldout/`` (scored once, at the end) as
``NNN-name.eml`` plus ``NNN-name.expected.json`` (kind, text, client, notes).

Everything is invented for this project: the partnership "Eastmoor Health
Together", its people, organisations, numbers and wording. Addresses use
``example.*`` domains. The prompts are rendered with the project's own
templates, then quoted the way each client quotes them, so the collection
follows the rules of issue #4 exactly: the expected text is only what the
member typed in that message.
"""

from __future__ import annotations

import json
import sys
import textwrap
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from scheduler.compose.render import REPLY_MARKER, render_template  # noqa: E402
from scheduler.inputs.content import OWN_QUESTIONS, load_bundled_content  # noqa: E402

HERE = Path(__file__).resolve().parent
PARTNERSHIP = "Eastmoor Health Together"
CONVENOR = ("Rhiannon Blake", "rhiannon.blake@eastmoor-vcs.example.org")
SENT = datetime(2027, 3, 2, 9, 30, tzinfo=UTC)
REPLIED = datetime(2027, 3, 3, 14, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    org: str
    role: str
    phone: str
    pronouns: str = ""
    first: str = ""

    @property
    def given(self) -> str:
        return self.first or self.name.split()[0]


PEOPLE = {
    "marisol": Person(
        "Marisol Achterberg",
        "marisol.achterberg@ridgewaypantry.example.org",
        "Ridgeway Community Pantry",
        "Volunteer Coordinator",
        "07700 900 318",
        "she/her",
        "Mari",
    ),
    "callum": Person(
        "Callum Fitzgerald-Rao",
        "callum.fitzgerald-rao@eastmoor.example.gov.uk",
        "Eastmoor Borough Council",
        "Neighbourhoods Manager",
        "01632 960 441",
        "he/him",
    ),
    "ngozi": Person(
        "Ngozi Eze",
        "ngozi.eze@nhs.example.net",
        "Harrowgate Medical Practice",
        "GP Partner",
        "01632 960 702",
    ),
    "siobhan": Person(
        "Siobhan Kerrigan",
        "siobhan.kerrigan@nhs.example.net",
        "Northfield Community Health NHS Trust",
        "Community Matron",
        "07700 900 655",
    ),
    "ibrahim": Person(
        "Ibrahim Haddad",
        "i.haddad@eastmoorhomes.example.org.uk",
        "Eastmoor Homes",
        "Tenancy Services Lead",
        "0161 496 0823",
        "he/him",
    ),
    "ffion": Person(
        "Ffion Pritchard",
        "ffion@canolfan-llanwen.example.cymru",
        "Canolfan Gymunedol Llanwen",
        "Development Worker",
        "01632 960 915",
        "hi/ei",
    ),
    "tomasz": Person(
        "Tomasz Wisniewski",
        "tomasz@polishlink.example.org",
        "Polish Community Link",
        "Outreach Worker",
        "07700 900 127",
    ),
    "bea": Person(
        "Beatrice Oyelaran-Smith",
        "bea@youngcarers-eastmoor.example.org",
        "Young Carers Eastmoor",
        "Project Lead",
        "07700 900 560",
        "she/they",
        "Bea",
    ),
    "hamish": Person(
        "Hamish MacLeod",
        "hamish.macleod@icb.example.nhs.uk",
        "Eastmoor and Dale ICB",
        "Commissioning Manager",
        "0113 496 0277",
    ),
    "layla": Person(
        "Layla Mensah",
        "layla.mensah@ca-eastmoor.example.org.uk",
        "Citizens Advice Eastmoor",
        "Money Adviser",
        "0300 555 0186",
        "she/her",
    ),
}


# --- our prompt, rendered with the project's templates ---------------------------------


def prompt(person: Person, qid: str) -> tuple[str, str, str]:
    content = load_bundled_content()
    context: dict[str, object] = {
        "partnership": PARTNERSHIP,
        "convenor_name": CONVENOR[0],
        "convenor_email": CONVENOR[1],
        "reply_marker": REPLY_MARKER,
        "member_name": person.name,
        "organisation": person.org,
        "chair": "",
        "note_taker": "",
        "also": [],
        "is_checklist": False,
    }
    if qid == "gtky":
        title, prompts = next(iter(OWN_QUESTIONS.values()))
        context.update(
            question_text=title,
            question_number=None,
            prompts=list(prompts),
            points=[],
            resources=[],
            source="",
            meeting_title="",
            meeting_when="",
            intro="To help us get to know you, here is a first question. Your answer is kept in "
            "the partnership's archive; it is shared with the convenor only.",
        )
    else:
        q = content.questions[qid]
        context.update(
            question_text=q.text,
            question_number=q.number,
            prompts=list(q.prompts),
            points=list(q.points),
            resources=list(q.resources),
            source=q.source,
            meeting_title="Reflection point",
            meeting_when="Tuesday 9 March 2027 at 10:00",
            intro="",
        )
    return render_template("member-prompt", context)


def token(person: Person) -> str:
    return (
        "reflect+"
        + "".join(ch for ch in person.email if ch.isalnum())[:20]
        + "q7@reflect.example.org"
    )


def outlook_unquoted(text: str) -> list[str]:
    """Outlook's plain rendering of our HTML: bullets as '  *   ', blank lines between blocks."""
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("- "):
            out.append("  *   " + stripped[2:])
        elif stripped:
            out.extend([stripped, ""])
    return out


def wrap_quote(text: str, prefix: str = "> ", width: int = 72) -> list[str]:
    out: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            out.append(prefix.rstrip())
            continue
        indent = len(line) - len(line.lstrip())
        for piece in textwrap.wrap(line.strip(), width - len(prefix) - indent) or [""]:
            out.append(prefix + " " * indent + piece)
    return out


def flow(text: str, width: int = 72) -> str:
    """RFC 3676 encoding: long lines broken with a trailing space (soft break)."""
    out: list[str] = []
    for line in text.split("\n"):
        if line == "-- " or len(line) <= width:
            out.append(line.rstrip() if line != "-- " else line)
            continue
        quote = ""
        while line.startswith(">"):
            quote += ">"
            line = line[1:]
        if quote and line.startswith(" "):
            quote += " "
            line = line[1:]
        pieces = textwrap.wrap(
            line, width - len(quote), break_long_words=False, drop_whitespace=True
        )
        for k, piece in enumerate(pieces):
            out.append(quote + piece + (" " if k < len(pieces) - 1 else ""))
    return "\n".join(out)


# --- a case -----------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    who: str
    qid: str
    client: str
    top: str  # everything the member typed (greeting, answer, sign-off, signature...)
    expected: str
    kind: str = "answer"
    notes: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)
    subject: str | None = None
    style: Callable[[Case], EmailMessage] | None = None
    html_top: str | None = None  # for HTML clients: the member's part as HTML
    bottom: str = ""  # text typed under the quoted original


def _base(case: Case, *, re_prefix: str = "Re: ") -> EmailMessage:
    person = PEOPLE[case.who]
    subject, _text, _html = prompt(person, case.qid)
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"{person.name} <{person.email}>"
    msg["To"] = f"{PARTNERSHIP} <{token(person)}>"
    msg["Subject"] = case.subject if case.subject is not None else re_prefix + subject
    msg["Date"] = format_datetime(REPLIED)
    msg["Message-ID"] = f"<{case.name}.{zlib.crc32(case.name.encode()) % 99991}@mail.example.net>"
    msg["In-Reply-To"] = "<prompt-" + case.qid + "@reflect.example.org>"
    msg["References"] = msg["In-Reply-To"]
    msg["MIME-Version"] = "1.0"
    for key, value in case.extra_headers.items():
        msg[key] = value
    return msg


def _html_of(text: str) -> str:
    from html import escape

    parts = []
    for para in text.split("\n\n"):
        parts.append("<div>" + "<br>".join(escape(line) for line in para.split("\n")) + "</div>")
    return "<div><br></div>".join(parts)


def gmail(case: Case) -> EmailMessage:
    person = PEOPLE[case.who]
    _s, text, _h = prompt(person, case.qid)
    attribution = f"On Wed, 3 Mar 2027 at 14:{len(case.name) % 60:02d}, {PARTNERSHIP} <{token(person)}> wrote:"
    quoted = "\n".join(wrap_quote(text))
    body = f"{case.top}\n\n{attribution}\n\n{quoted}\n"
    msg = _base(case)
    msg.set_content(body, cte="quoted-printable")
    html = (case.html_top or _html_of(case.top)) + (
        f'<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">{attribution}<br></div>'
        f'<blockquote class="gmail_quote">{_html_of(text)}</blockquote></div>'
    )
    msg.add_alternative(f'<div dir="ltr">{html}</div>', subtype="html", cte="quoted-printable")
    return msg


def gmail_inline(case: Case) -> EmailMessage:
    """``case.top`` holds the whole body already interleaved with '>' lines."""
    msg = _base(case)
    msg.set_content(case.top + "\n", cte="quoted-printable")
    return msg


def outlook(case: Case, *, rule: str = "_" * 32, plain_header: bool = False) -> EmailMessage:
    person = PEOPLE[case.who]
    subject, text, _h = prompt(person, case.qid)
    header = [
        rule,
        f"From: {PARTNERSHIP} <{token(person)}>",
        f"Sent: {SENT:%d %B %Y %H:%M}"
        if not plain_header
        else "Sent: Tuesday, March 2, 2027 9:30 AM",
        f"To: {person.name} <{person.email}>",
        f"Subject: {subject}",
        "",
    ]
    original = "\n".join(header + outlook_unquoted(text))
    body = f"{case.top}\n\n{original}\n"
    if case.bottom:
        body = body.rstrip("\n") + "\n\n" + case.bottom + "\n"
    msg = _base(case, re_prefix="RE: ")
    msg.set_content(body, cte="quoted-printable")
    html = (case.html_top or _html_of(case.top)) + (
        '<div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> ...</div>'
        + _html_of(text)
    )
    msg.add_alternative(f"<html><body>{html}</body></html>", subtype="html", cte="quoted-printable")
    return msg


def outlook_original_message(case: Case) -> EmailMessage:
    person = PEOPLE[case.who]
    subject, text, _h = prompt(person, case.qid)
    body = (
        f"{case.top}\n\n-----Original Message-----\nFrom: {PARTNERSHIP} <{token(person)}>\n"
        f"Sent: 02 March 2027 09:30\nTo: {person.email}\nSubject: {subject}\n\n{text}"
    )
    msg = _base(case, re_prefix="RE: ")
    msg.set_content(body, cte="quoted-printable")
    return msg


def outlook_html_only(case: Case) -> EmailMessage:
    person = PEOPLE[case.who]
    _s, _text, html = prompt(person, case.qid)
    assert case.html_top is not None
    body = (
        f'<html><head><style>p{{margin:0}}</style></head><body><div class="WordSection1">{case.html_top}'
        f'<div id="Signature"><p>{person.name}</p><p>{person.role}</p></div>'
        f'<hr><div id="divRplyFwdMsg"><b>From:</b> {PARTNERSHIP}</div>{html}</div></body></html>'
    )
    msg = _base(case, re_prefix="RE: ")
    msg.set_content(body, subtype="html", cte="base64")
    return msg


def iphone(case: Case) -> EmailMessage:
    person = PEOPLE[case.who]
    _s, text, _h = prompt(person, case.qid)
    quoted = "\n".join("> " + line if line else ">" for line in text.split("\n"))
    body = f"{case.top}\n\n> On 3 Mar 2027, at 13:58, {PARTNERSHIP} <{token(person)}> wrote:\n>\n{quoted}\n"
    msg = _base(case)
    msg.set_content(body, cte="quoted-printable")
    return msg


def thunderbird(
    case: Case, *, bottom_post: bool = False, attribution: str | None = None
) -> EmailMessage:
    person = PEOPLE[case.who]
    _s, text, _h = prompt(person, case.qid)
    attribution = attribution or f"On 02/03/2027 09:30, {PARTNERSHIP} wrote:"
    quoted = "\n".join("> " + line if line else ">" for line in text.split("\n"))
    if bottom_post:
        body = f"{attribution}\n{quoted}\n\n{case.top}\n"
    else:
        body = f"{case.top}\n\n{attribution}\n{quoted}\n"
    msg = _base(case)
    msg.set_content(flow(body), cte="8bit")
    msg.set_param("format", "flowed")
    msg["User-Agent"] = (
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.6.0"
    )
    return msg


def bare(case: Case) -> EmailMessage:
    """A member who deleted the original: only what they typed."""
    msg = _base(case)
    msg.set_content(case.top + "\n", cte="quoted-printable")
    return msg


def machine(case: Case) -> EmailMessage:
    """``case.top`` is a whole raw message (headers and body) in its own right."""
    raise NotImplementedError


# --- signatures and footers (all invented) ---------------------------------------------

NHSMAIL = (
    "*" * 70 + "\n\nThis message may contain confidential information. If you are not the intended "
    "recipient please inform the sender that you have received the message in error before "
    "deleting it. Please do not disclose, copy or distribute information in this e-mail or take "
    "any action in relation to its contents. To do so is strictly prohibited and may be unlawful.\n\n"
    "Thank you for your co-operation.\n\n"
    "NHSmail is the secure email and directory service available for all NHS staff in England. "
    "NHSmail is approved for exchanging patient data and other sensitive information with "
    "NHSmail and other accredited email services.\n\n"
    "For more information and to find out how you can switch, https://portal.nhs.example.net/joining\n\n"
    + "*"
    * 70
)
COUNCIL = (
    "Eastmoor Borough Council: working for a fairer Eastmoor\n\n"
    "Emails sent to and from Eastmoor Borough Council may be monitored and read for the purposes of "
    "ensuring compliance with our policies and the law. Any information in this email may be "
    "disclosed under the Freedom of Information Act 2000."
)
GP_NOTICE = (
    "Emails sent and received by NHS organisations may be monitored to ensure the proper use of "
    "the system. This email is intended for the addressee only; if it reached you by mistake, "
    "please tell us and delete it."
)
VIRUS = "This email has been scanned for viruses and malware by the Eastmoor Secure Gateway."
CHARITY = (
    "Ridgeway Community Pantry is a registered charity in England and Wales (no. 1190443) and a "
    "company limited by guarantee (no. 12004871). Registered office: 3 Mill Yard, Eastmoor EM4 2QT."
)
BANNER = (
    "[EXTERNAL EMAIL] Be cautious with links and attachments. This email came from outside the "
    "organisation; do not click links or open attachments unless you recognise the sender."
)
BANNER_SHORT = "CAUTION: This email originated from outside of the organisation. Do not click links or open attachments unless you recognise the sender and know the content is safe."


def sig_block(p: Person, *, pronouns: bool = True, phone: str = "Mobile", extra: str = "") -> str:
    lines = [
        p.name + (f" ({p.pronouns})" if pronouns and p.pronouns else ""),
        p.role,
        p.org,
        f"{phone}: {p.phone}",
    ]
    if extra:
        lines.append(extra)
    return "\n".join(lines)


def hours(p: Person) -> str:
    return (
        "My working days are Monday to Wednesday. If you email me on another day, I'll pick it "
        "up when I'm back; please don't feel you need to reply outside your own working hours."
    )


# --- what members wrote (answers) -----------------------------------------------------

A = [
    # 0
    "The pantry sees people at the point where three services have already said no. I'm here so that stops being the first time anyone notices them.",
    # 1
    "Short version: I want the council to be a partner people can argue with, not a building they avoid.\n\nLonger version at the meeting, if there's time.",
    # 2
    "Our purpose is to make it normal for a GP, a housing officer and a volunteer to sit with the same family in the same room.\n\nWe are nowhere near that yet. Last month I counted: two joint visits in six weeks.",
    # 3
    "Three things I'd like us to hold on to:\n\n- residents in the room, not just in the survey\n- one shared list of the families we all worry about\n- honesty when something isn't working",
    # 4
    "What I bring: twenty years on the wards, a car, and no patience for forms that ask the same question twice.\n\nSuccess would be a patient telling me they didn't have to repeat their story. Once would do.",
    # 5
    "Honestly I'm not sure the purpose is shared yet. The council talks about demand, the trust about flow, and we talk about people. Those could be the same thing but we haven't done the work to check.",
    # 6
    "I came to this through my mum, who was a carer for my gran for eleven years and never once got asked how she was doing. 🙂 That's it really.",
    # 7
    "Numbers first, because people ask: 412 tenancies at risk this quarter, 61% of them with a health condition we know about and nobody else does.\n\nThe partnership is the only place those two facts meet.",
    # 8
    "See our plan here: https://eastmoor.example.gov.uk/neighbourhoods/plan-2027 (page 4 is the relevant bit).\n\nIf anyone wants to talk it through, I'm on 01632 960 441 most mornings.",
    # 9
    "I'd push back a little on the question. We don't need a new vision statement; we need to finish the two things we started in the autumn.",
    # 10
    "1. Who benefits: carers under 18 and their families\n2. Impact: fewer young carers missing school on clinic days\n3. Influence: the schools, and the hospital's outpatient booking team",
    # 11
    "Mae'n bwysig i ni fod y bartneriaeth yn siarad Cymraeg hefyd. Our members want to be asked in their own language, not translated afterwards.",
    # 12
    "For me it's about trust between organisations as much as with residents. I didn't know who to ring at the council a year ago; now I do, and it has changed how I work.",
    # 13
    "Speaking for the outreach team: we would like the partnership to meet sometimes in the evening. Most of the families we work with can't come at 10am on a Tuesday.",
    # 14
    "> 50% of the people we see have never heard of the partnership. That figure is from our own door survey in January, so take it with a pinch of salt.\n\nBut it's a fair sign we are talking mostly to ourselves.",
    # 15
    "Purpose: joined-up help for people in debt before it becomes a health problem.\nImpact: fewer crisis referrals to us from the GP practices.\nInfluence: the ICB's prevention budget.",
    # 16
    "I think we are learning, but slowly, and mostly in the car park after meetings. Could we write down one thing we learnt at the end of every session?",
    # 17
    "Answering for Siobhan, who is on a course this week: she asked me to say the trust can offer a matron for two sessions a month from April.",
    # 18
    "The work isn't shared evenly. The voluntary members do most of the follow-up between meetings and none of us are paid for that time. I'd like us to name it at least.",
    # 19
    'On the first page of our funding bid we promised a "single front door". On reflection I think that was the wrong picture: people don\'t want one door, they want any door to work.',
    # 20
    "Yes to all of it, and I'm sorry I missed the last one.\n\nOne practical thing: can the notes go out within a week? By the time they arrive I've forgotten what we agreed.",
    # 21
    "--what works: the shared referral form\n--what doesn't: three different consent processes\n-- and the biggest gap: nobody owns the follow-up",
    # 22
    "Our tenants tell us the same thing every year: they want to be asked before decisions, not after. I'd like the partnership to be the first place where that actually happens.",
    # 23
    "I bring the ICB's data and its money, which I know is a mixed blessing. Success for me is a decision we made differently because a small group told us to.",
    # 24
    "Learning: we tried the drop-in at the library for eight weeks. Nobody came for the first five and then forty people came in week seven. Patience is a strategy.",
    # 25
    "Who's missing: anyone under 25, the mosque, and the pharmacies. The pharmacies see everyone.",
    # 26
    "I'll keep it brief as I'm on leave from Friday: our role is to be the bit of the system that can move quickly, because we're small.",
    # 27
    "What success looks like:\n\n  - a young carer at the table, paid for their time\n  - a school nurse who knows our number\n\nThe first is harder than it sounds.",
    # 28
    "Dziękuję for asking. The Polish families we work with rarely use the GP until it's urgent, mostly because of language. I'd like us to fix that together with the practice.",
    # 29
    "I'd say our distinctive role is permission. Nobody else in the area can give a nurse, a housing officer and a food bank volunteer permission to try something together.",
    # 30
    "Good question and I've been putting it off. The honest answer is that the council's role changes every time the budget does, and I'd like the partnership to be steadier than that.",
    # 31
    "I want us to be a place where it's safe to say \"we got that wrong\". Last year I couldn't have said that in a room with commissioners; this year I nearly can.",
    # 32
    "It's worth remembering what we agreed in October (see the note at https://share.example.org/notes/oct-2026): we'd review the referral route by March. That's now.",
    # 33
    "Tuesdays are fine for me. On the question itself: we are learning to listen better, but not yet to change what we do as a result.",
    # 34
    "What brings me here? Stubbornness, mostly. I've been in Eastmoor for thirty years and I still think the place can be better for the people who live in it.",
    # 35
    "From our side the main thing is continuity. Three of the five original members have moved on and the new ones don't know why we made the decisions we did.",
]


# --- building the cases ------------------------------------------------------------------


def join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def insert_after(lines: list[str], inserts: dict[str, str], *, prefix: str = "") -> list[str]:
    out: list[str] = []
    done: set[str] = set()
    for line in lines:
        out.append(line)
        for key, comment in inserts.items():
            if key in line and key not in done:
                done.add(key)
                out.extend(["", *[prefix + c for c in comment.split("\n")], ""])
    return out


def outlook_commented(case: Case, inserts: dict[str, str], mark: str = "") -> EmailMessage:
    person = PEOPLE[case.who]
    subject, text, _h = prompt(person, case.qid)
    original = outlook_unquoted(text)
    original = insert_after(original, inserts, prefix=mark)
    header = [
        "_" * 32,
        f"From: {PARTNERSHIP} <{token(person)}>",
        f"Sent: {SENT:%d %B %Y %H:%M}",
        f"To: {person.name} <{person.email}>",
        f"Subject: {subject}",
        "",
    ]
    body = case.top + "\n\n" + "\n".join(header + original) + "\n"
    if case.bottom:
        body += "\n" + case.bottom + "\n"
    msg = _base(case, re_prefix="RE: ")
    msg.set_content(body, cte="quoted-printable")
    return msg


def gmail_commented(case: Case, inserts: dict[str, str], after: str = "") -> EmailMessage:
    person = PEOPLE[case.who]
    _s, text, _h = prompt(person, case.qid)
    attribution = f"On Wed, 3 Mar 2027 at 10:05, {PARTNERSHIP} <{token(person)}> wrote:"
    quoted = insert_after(wrap_quote(text), inserts)
    body = (
        join(case.top, attribution)
        + "\n\n"
        + "\n".join(quoted)
        + ("\n\n" + after if after else "")
        + "\n"
    )
    msg = _base(case)
    msg.set_content(body, cte="quoted-printable")
    return msg


def apple_commented(case: Case, inserts: dict[str, str]) -> EmailMessage:
    person = PEOPLE[case.who]
    _s, text, _h = prompt(person, case.qid)
    lines = [f"> On 3 Mar 2027, at 08:41, {PARTNERSHIP} <{token(person)}> wrote:", ">"]
    for line in text.split("\n"):
        stripped = line.strip()
        lines.append(
            "> \t•\t" + stripped[2:]
            if stripped.startswith("- ")
            else ("> " + line if line else ">")
        )
    body = case.top + "\n\n" + "\n".join(insert_after(lines, inserts)) + "\n"
    msg = _base(case)
    msg.set_content(body, cte="quoted-printable")
    return msg


def raw_machine(headers: str, body: str, ctype: str = "text/plain; charset=us-ascii") -> bytes:
    return (
        (headers.strip("\n") + f"\nMIME-Version: 1.0\nContent-Type: {ctype}\n\n" + body)
        .replace("\n", "\r\n")
        .encode()
    )


CASES: dict[str, list[tuple[str, Callable[[], tuple[bytes, str, str, str]]]]] = {
    "dev": [],
    "heldout": [],
}


def case(
    where: str,
    name: str,
    who: str,
    qid: str,
    client: str,
    style: Callable[..., EmailMessage],
    top: str,
    expected: str,
    *,
    kind: str = "answer",
    notes: str = "",
    **kw: object,
) -> None:
    extra = kw.pop("headers", {})
    subject = kw.pop("subject", None)
    bottom = str(kw.pop("bottom", ""))
    html_top = kw.pop("html_top", None)

    def make() -> tuple[bytes, str, str, str]:
        c = Case(
            name,
            who,
            qid,
            client,
            top,
            expected,
            kind,
            notes,
            dict(extra),
            subject,  # type: ignore[arg-type]
            None,
            html_top,
            bottom,
        )  # type: ignore[arg-type]
        msg = style(c, **kw)
        number = 0
        for part in msg.walk():  # fixed boundaries, so that rebuilding changes nothing
            if part.is_multipart():
                number += 1
                part.set_boundary(f"=_{zlib.crc32(name.encode()):08x}_{number}")
        return msg.as_bytes(), kind, expected, client

    CASES[where].append((name, make))


def machine_case(
    where: str, name: str, raw: bytes, kind: str, client: str, notes: str = ""
) -> None:
    CASES[where].append((name, lambda: (raw, kind, "", client)))


P = PEOPLE


def dev_cases() -> None:
    d = "dev"
    mari, cal, ngo, sio, ibr = P["marisol"], P["callum"], P["ngozi"], P["siobhan"], P["ibrahim"]
    _ffi, _tom, bea, ham, lay = P["ffion"], P["tomasz"], P["bea"], P["hamish"], P["layla"]
    # Gmail
    case(
        d,
        "gmail-basic",
        "marisol",
        "gtky",
        "Gmail web",
        gmail,
        join("Hi Rhiannon,", A[0], "Thanks,\nMari"),
        A[0],
    )
    case(
        d,
        "gmail-bare-first-name",
        "callum",
        "purpose",
        "Gmail web",
        gmail,
        join(A[1], "Callum"),
        A[1],
        notes="bare first name closes the answer",
    )
    case(
        d,
        "gmail-name-kiss",
        "marisol",
        "learning",
        "Gmail Android",
        gmail,
        join("Hiya!", A[16], "Mari x"),
        A[16],
    )
    case(
        d,
        "gmail-sig-dashdash",
        "layla",
        "purpose",
        "Gmail web",
        gmail,
        join("Hello Rhiannon,", A[15], "Best,\nLayla") + "\n\n-- \n" + sig_block(lay),
        A[15],
    )
    case(
        d,
        "gmail-hi-both",
        "hamish",
        "role",
        "Gmail web",
        gmail,
        join("Hi both,", A[29], "Hamish"),
        A[29],
        notes="greeting to the convenor and a colleague in Cc",
    )
    case(
        d,
        "gmail-list-signature-no-signoff",
        "bea",
        "gtky",
        "Gmail web",
        gmail,
        join(A[27], sig_block(bea)),
        A[27],
    )
    case(
        d,
        "gmail-url-and-phone-in-answer",
        "callum",
        "members",
        "Gmail web",
        gmail,
        join("Dear Rhiannon,", A[8], "Kind regards,", sig_block(cal, phone="Tel")),
        A[8],
        notes="URL and phone inside the answer are kept; the same phone in the signature goes",
    )
    case(
        d,
        "gmail-content-gt-line",
        "tomasz",
        "members",
        "Gmail web",
        gmail,
        join(A[14], "Tomasz"),
        A[14],
    )
    case(
        d,
        "gmail-dashdash-content",
        "siobhan",
        "work",
        "Gmail web",
        gmail,
        join(A[21], "Siobhan"),
        A[21],
    )
    case(d, "gmail-initials", "ngozi", "role", "Gmail iOS app", gmail, join(A[29], "NE"), A[29])
    case(
        d,
        "gmail-charity-block",
        "marisol",
        "work",
        "Gmail web",
        gmail,
        join(A[18], "Warm wishes,", sig_block(mari), hours(mari), CHARITY),
        A[18],
    )
    case(
        d,
        "gmail-emoji-short",
        "bea",
        "gtky",
        "Gmail Android",
        gmail,
        join(A[6], "Bea x", "Sent from my Galaxy"),
        A[6],
    )
    case(
        d,
        "gmail-trap-on-first-page",
        "ibrahim",
        "purpose",
        "Gmail web",
        gmail,
        join(A[19], "Ibrahim"),
        A[19],
        notes="'On the first page of' and 'On reflection' are not attributions",
    )
    case(
        d,
        "gmail-numbered-list",
        "bea",
        "purpose",
        "Gmail web",
        gmail,
        join("Hi Rhiannon", A[10], "Cheers, Bea"),
        A[10],
    )
    case(
        d,
        "gmail-html-only-list",
        "callum",
        "work",
        "Gmail web (HTML only)",
        outlook_html_only,
        "",
        A[3],
        html_top="<div>Three things I'd like us to hold on to:</div><div><br></div><ul><li><b>residents</b> in the room, not just in the survey</li><li>one <i>shared</i> list of the families we all worry about</li><li><span>honesty</span> when something isn't working</li></ul><div><br></div><div>Callum</div>",
    )
    # Outlook desktop / web
    case(
        d,
        "outlook-basic",
        "callum",
        "purpose",
        "Outlook desktop",
        outlook,
        join("Hi Rhiannon,", A[5], "Kind regards,", sig_block(cal)),
        A[5],
    )
    case(
        d,
        "outlook-sig-no-signoff",
        "ibrahim",
        "members",
        "Outlook desktop",
        outlook,
        join(A[7], sig_block(ibr, extra="www.eastmoorhomes.example.org.uk")),
        A[7],
    )
    case(
        d,
        "outlook-council-banner-disclaimer",
        "callum",
        "learning",
        "Outlook desktop (council gateway)",
        outlook,
        join(
            BANNER,
            "Rhiannon,",
            A[30],
            "Regards",
            "Callum Fitzgerald-Rao",
            "Neighbourhoods Manager | Eastmoor Borough Council",
            COUNCIL,
        ),
        A[30],
    )
    case(
        d,
        "outlook-short-banner",
        "ibrahim",
        "work",
        "Outlook web",
        outlook,
        join(BANNER_SHORT, A[22], "Thanks\nIbrahim"),
        A[22],
    )
    case(
        d,
        "outlook-signature-only-empty",
        "callum",
        "role",
        "Outlook desktop",
        outlook,
        sig_block(cal),
        "",
        kind="empty",
        notes="only the automatic signature above the header block",
    )
    case(
        d,
        "outlook-name-comments",
        "callum",
        "purpose",
        "Outlook desktop",
        lambda c: outlook_commented(
            c,
            {
                "intended beneficiaries": "Families in the east of the borough, especially private renters.",
                "impact does your": "Fewer evictions that start with an unpaid prescription charge.",
            },
            mark="[Callum Fitzgerald-Rao] ",
        ),
        join(
            "My comments are in the email below, marked with my name.",
            "Thanks\nCallum",
            sig_block(cal),
        ),
        "My comments are in the email below, marked with my name.\n\n[Callum Fitzgerald-Rao] Families in the east of the borough, especially private renters.\n\n[Callum Fitzgerald-Rao] Fewer evictions that start with an unpaid prescription charge.",
    )
    case(
        d,
        "outlook-below-original",
        "ngozi",
        "gtky",
        "Outlook desktop",
        lambda c: outlook_commented(c, {}),
        sig_block(ngo),
        A[4],
        bottom=join(A[4], "Ngozi"),
        notes="answer typed below the unquoted original",
    )
    case(
        d,
        "outlook-inline-no-prefix",
        "hamish",
        "purpose",
        "Outlook web",
        lambda c: outlook_commented(
            c,
            {
                "intended beneficiaries": "Adults with two or more long-term conditions.",
                "trying to influence": "Our own board and the provider collaborative.",
            },
        ),
        join("Answers typed between your questions.", "Hamish"),
        "Answers typed between your questions.\n\nAdults with two or more long-term conditions.\n\nOur own board and the provider collaborative.",
    )
    case(
        d,
        "outlook-original-message",
        "layla",
        "role",
        "Outlook desktop (plain text)",
        outlook_original_message,
        join("Morning Rhiannon,", A[29], "Many thanks\nLayla Mensah\nMoney Adviser"),
        A[29],
    )
    case(
        d,
        "outlook-nhsmail",
        "siobhan",
        "work",
        "Outlook web (NHSmail)",
        outlook,
        join(
            "Dear Rhiannon",
            A[17],
            "Best wishes",
            "Siobhan",
            sig_block(sio, pronouns=False),
            NHSMAIL,
        ),
        A[17],
    )
    case(
        d,
        "outlook-gp-notice",
        "ngozi",
        "learning",
        "Outlook desktop (GP practice)",
        outlook,
        join(A[24], "Dr Ngozi Eze", "GP Partner, Harrowgate Medical Practice", GP_NOTICE),
        A[24],
    )
    case(
        d,
        "outlook-virus-footer",
        "ibrahim",
        "role",
        "Outlook desktop",
        outlook,
        join(A[12], "Ibrahim", VIRUS),
        A[12],
    )
    case(
        d,
        "outlook-pronouns-hours",
        "layla",
        "learning",
        "Outlook web",
        outlook,
        join(
            A[33],
            "Kind regards",
            "Layla Mensah (she/her)\nMoney Adviser\nCitizens Advice Eastmoor\nT: 0300 555 0186",
            hours(lay),
        ),
        A[33],
    )
    case(
        d,
        "outlook-ios",
        "hamish",
        "work",
        "Outlook iOS",
        outlook,
        join(A[18], "Get Outlook for iOS"),
        A[18],
    )
    case(
        d,
        "outlook-android-signoff-inline-name",
        "tomasz",
        "gtky",
        "Outlook Android",
        outlook,
        join(A[28], "Cheers, Tomasz", "Get Outlook for Android"),
        A[28],
    )
    # iPhone / Apple Mail
    case(
        d,
        "iphone-basic",
        "marisol",
        "role",
        "iPhone Mail",
        iphone,
        join(A[9], "Sent from my iPhone"),
        A[9],
    )
    case(
        d,
        "iphone-initial-kiss",
        "bea",
        "learning",
        "iPhone Mail",
        iphone,
        join(A[24], "B x", "Sent from my iPhone"),
        A[24],
    )
    case(
        d,
        "iphone-custom-footer",
        "tomasz",
        "work",
        "iPhone Mail",
        iphone,
        join(A[13], "Tomasz", "Sent from my iPhone - please excuse typos"),
        A[13],
    )
    case(
        d,
        "apple-inline",
        "siobhan",
        "gtky",
        "Apple Mail macOS",
        lambda c: apple_commented(
            c,
            {
                "What brings you to this work, personally?": "My first job was on a stroke ward. I still think about the people who went home to nobody.",
                "What would success look like to you?": "Fewer people going home to nobody.",
            },
        ),
        "Answers below, next to each question.",
        "Answers below, next to each question.\n\nMy first job was on a stroke ward. I still think about the people who went home to nobody.\n\nFewer people going home to nobody.",
    )
    case(
        d,
        "apple-signoff-dash-name",
        "hamish",
        "members",
        "Apple Mail macOS",
        iphone,
        join(A[25], "— Hamish"),
        A[25],
    )
    # Thunderbird (format=flowed)
    case(
        d,
        "thunderbird-flowed",
        "ibrahim",
        "work",
        "Thunderbird",
        thunderbird,
        join("Hello Rhiannon,", A[22], "Best regards,\nIbrahim Haddad"),
        A[22],
    )
    case(
        d,
        "thunderbird-flowed-long",
        "tomasz",
        "role",
        "Thunderbird",
        thunderbird,
        join(A[31] + " " + A[12], "Tomasz"),
        A[31] + " " + A[12],
    )
    case(
        d,
        "thunderbird-bottom-post",
        "callum",
        "learning",
        "Thunderbird",
        lambda c: thunderbird(c, bottom_post=True),
        join(A[16], "Callum"),
        A[16],
        notes="bottom-posted below the whole quote",
    )
    case(
        d,
        "thunderbird-german",
        "tomasz",
        "gtky",
        "Thunderbird (German)",
        lambda c: thunderbird(c, attribution=f"Am 02.03.27 um 09:30 schrieb {PARTNERSHIP}:"),
        join("Hallo Rhiannon,", A[34], "Viele Grüße\nTomasz"),
        A[34],
    )
    case(
        d,
        "thunderbird-welsh-signoff",
        "ffion",
        "purpose",
        "Thunderbird",
        thunderbird,
        join("Bore da Rhiannon,", A[11], "Diolch,\nFfion"),
        A[11],
    )
    # Gmail inline
    case(
        d,
        "gmail-inline",
        "marisol",
        "purpose",
        "Gmail web",
        lambda c: gmail_commented(
            c,
            {
                "intended beneficiaries of your work": "Anyone who has had to ask twice.",
                "partnership want to have?": "That asking once is enough.",
            },
            after="Mari",
        ),
        "I've popped my answers in between, hope that works.",
        "I've popped my answers in between, hope that works.\n\nAnyone who has had to ask twice.\n\nThat asking once is enough.",
    )
    # traps and odd ones
    case(
        d,
        "trap-on-leave-subject",
        "ibrahim",
        "role",
        "Outlook desktop",
        outlook,
        join(A[26], "Ibrahim"),
        A[26],
        subject="RE: On leave from Friday - my answer [Eastmoor Health Together]",
        notes="'on leave' in a person's subject is not an auto-reply",
    )
    case(
        d,
        "trap-precedence-bulk",
        "layla",
        "members",
        "Gmail (list server relay)",
        gmail,
        join(A[35], "Layla"),
        A[35],
        headers={"Precedence": "bulk"},
        notes="Precedence: bulk on a real answer",
    )
    case(
        d,
        "trap-auto-forwarded",
        "hamish",
        "learning",
        "Outlook (forwarding rule)",
        outlook,
        join(A[23], "Hamish"),
        A[23],
        headers={"Auto-Submitted": "auto-forwarded"},
        notes="forwarded by a rule: still the member's answer",
    )
    case(
        d,
        "trap-undeliverable-word",
        "callum",
        "work",
        "Gmail web",
        gmail,
        join(
            "Our leaflets were undeliverable in half the tower blocks, which tells you something. "
            + A[18],
            "Callum",
        ),
        "Our leaflets were undeliverable in half the tower blocks, which tells you something. "
        + A[18],
    )
    case(
        d,
        "yes-thanks-short",
        "bea",
        "gtky",
        "iPhone Mail",
        iphone,
        join("Sorry, can I answer this at the meeting instead?", "Bea"),
        "Sorry, can I answer this at the meeting instead?",
    )
    case(
        d,
        "deleted-original-nhsmail",
        "siobhan",
        "role",
        "Outlook web (NHSmail)",
        bare,
        join(A[2], "Kind regards", sig_block(sio), NHSMAIL),
        A[2],
    )
    case(
        d,
        "deleted-original-charity",
        "marisol",
        "members",
        "Gmail web",
        bare,
        join(A[25], "Mari", "--\nMarisol Achterberg\nVolunteer Coordinator"),
        A[25],
    )
    # machine mail
    machine_case(
        d,
        "auto-exchange-oof",
        raw_machine(
            f"From: Siobhan Kerrigan <{sio.email}>\nTo: {PARTNERSHIP} <reflect@reflect.example.org>\n"
            "Subject: Automatic reply: Question 4: How is working being shared and recognised? [Eastmoor Health Together]\n"
            "Auto-Submitted: auto-generated\nX-Auto-Response-Suppress: All\nDate: Wed, 03 Mar 2027 09:31:00 +0000",
            "Thank you for your email. I am on leave until 15 March with no access to email.\n",
        ),
        "auto_reply",
        "Exchange",
    )
    machine_case(
        d,
        "auto-lotus-notes",
        raw_machine(
            f"From: Hamish MacLeod <{ham.email}>\nTo: reflect@reflect.example.org\n"
            "Subject: AUTO: Hamish MacLeod is out of the office (returning 08/03/2027)\nDate: Wed, 03 Mar 2027 09:31:00 +0000",
            "I am out of the office until 08/03/2027.\n\nNote: This is an automated response to your message sent on 02/03/2027.\n",
        ),
        "auto_reply",
        "Lotus Notes",
    )
    machine_case(
        d,
        "rsvp-accept",
        raw_machine(
            f"From: Layla Mensah <{lay.email}>\nTo: reflect@reflect.example.org\nSubject: Accepted: Reflection point\nDate: Wed, 03 Mar 2027 09:31:00 +0000",
            "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Example//Calendar//EN\nMETHOD:REPLY\nBEGIN:VEVENT\n"
            "UID:reflection.eastmoor@reflect.example.org\nDTSTAMP:20270303T093100Z\nDTSTART:20270309T100000Z\n"
            f"SEQUENCE:0\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{lay.email}\nEND:VEVENT\nEND:VCALENDAR\n",
            "text/calendar; method=REPLY; charset=utf-8",
        ),
        "rsvp",
        "calendar",
    )
    machine_case(
        d,
        "bounce-postfix",
        raw_machine(
            "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\nTo: reflect+bounce@reflect.example.org\n"
            "Subject: Undelivered Mail Returned to Sender\nDate: Wed, 03 Mar 2027 09:31:00 +0000",
            "--b1\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n\n"
            "<tomasz@polishlink.example.org>: host mail.polishlink.example.org said: 550 5.1.1 user unknown\n\n"
            "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
            "Final-Recipient: rfc822; tomasz@polishlink.example.org\nAction: failed\nStatus: 5.1.1\n"
            "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n--b1--\n",
            'multipart/report; report-type=delivery-status; boundary="b1"',
        ),
        "bounce",
        "Postfix",
    )


def yahoo(case: Case) -> EmailMessage:
    person = PEOPLE[case.who]
    _s, text, _h = prompt(person, case.qid)
    body = (
        f"{case.top}\n\n\n    On Wednesday, 3 March 2027 at 09:30:12 GMT, {PARTNERSHIP} <{token(person)}> wrote:  \n\n"
        + "\n".join("  " + line if line else "" for line in text.split("\n"))
    )
    msg = _base(case)
    msg.set_content(body, cte="quoted-printable")
    return msg


def cp1252(case: Case) -> EmailMessage:
    person = PEOPLE[case.who]
    _s, text, _h = prompt(person, case.qid)
    body = f"{case.top}\n\n-----Original Message-----\nFrom: {PARTNERSHIP}\nSent: 02 March 2027 09:30\nTo: {person.name}\nSubject: reflection\n\n{text}"
    msg = _base(case, re_prefix="RE: ")
    msg.set_content(
        body.encode("cp1252", "replace"), maintype="text", subtype="plain", cte="quoted-printable"
    )
    msg.set_param("charset", "iso-8859-1")
    return msg


def gmail_html_only(case: Case) -> EmailMessage:
    person = PEOPLE[case.who]
    _s, _t, html = prompt(person, case.qid)
    assert case.html_top is not None
    body = (
        f'<div dir="ltr">{case.html_top}</div><br><div class="gmail_quote"><div class="gmail_attr">'
        f"On Wed, 3 Mar 2027 at 10:00, {PARTNERSHIP} wrote:<br></div>"
        f'<blockquote class="gmail_quote">{html}</blockquote></div>'
    )
    msg = _base(case)
    msg.set_content(body, subtype="html", cte="quoted-printable")
    return msg


def with_attachment(case: Case) -> EmailMessage:
    msg = gmail(case)
    msg.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="notes.pdf"
    )
    return msg


def dev_more() -> None:
    d = "dev"
    case(
        d,
        "yahoo-indented",
        "layla",
        "members",
        "Yahoo Mail",
        yahoo,
        join("Hi Rhiannon,", A[35], "Layla"),
        A[35],
    )
    case(
        d,
        "cp1252-outlook",
        "tomasz",
        "role",
        "Outlook 2016 (Windows-1252)",
        cp1252,
        join("Rhiannon – a quick one.", A[30], "Tomasz"),
        join("Rhiannon – a quick one.", A[30]),
        notes="a first line that is not only a greeting is kept",
    )
    case(
        d,
        "gmail-html-only-bold-list",
        "ibrahim",
        "learning",
        "Gmail (HTML only)",
        gmail_html_only,
        "",
        A[27].replace("  - ", "- "),
        html_top="<div>What success looks like:</div><div><br></div><ul><li><b>a young carer</b> at the table, paid for their time</li><li>a school nurse <a href='https://example.org'>who knows our number</a></li></ul><div><br></div><div>The first is harder than it sounds.</div><div><br></div><div>Ibrahim</div>",
    )
    case(
        d,
        "attachment-mentioned",
        "hamish",
        "work",
        "Gmail web",
        with_attachment,
        join("Attached are the notes I mentioned.", A[23], "Hamish"),
        join("Attached are the notes I mentioned.", A[23]),
    )
    case(
        d,
        "outlook-cid-logo",
        "ibrahim",
        "purpose",
        "Outlook desktop",
        outlook,
        join(
            A[22],
            "Kind regards,",
            "Ibrahim Haddad\nTenancy Services Lead\n[cid:image001.png@01DB6C1A.5E2F3B40]",
        ),
        A[22],
    )
    case(
        d,
        "outlook-phones-pipe",
        "hamish",
        "role",
        "Outlook desktop",
        outlook,
        join(
            A[29],
            "Thanks",
            "Hamish",
            "Hamish MacLeod | Commissioning Manager\nEastmoor and Dale ICB\nT 0113 496 0277 | M 07700 900 281",
        ),
        A[29],
    )
    case(
        d,
        "outlook-delegate",
        "siobhan",
        "learning",
        "Outlook web",
        outlook,
        join(A[17], "Kind regards", "Jess Patel\nTeam Administrator, Community Nursing"),
        A[17],
        notes="a colleague answers for the member; their own signature goes too",
    )
    case(
        d,
        "gmail-long-meta",
        "marisol",
        "role",
        "Gmail web",
        gmail,
        join(
            "Sorry this is late! Two things, the second one is more important.", A[3], A[20], "Mari"
        ),
        join("Sorry this is late! Two things, the second one is more important.", A[3], A[20]),
    )
    case(
        d,
        "iphone-short-thanks-name",
        "callum",
        "gtky",
        "iPhone Mail",
        iphone,
        join(A[34], "Thanks\nC", "Sent from my iPhone"),
        A[34],
    )
    case(
        d,
        "thunderbird-signature-dash",
        "layla",
        "role",
        "Thunderbird",
        thunderbird,
        A[12] + "\n\n-- \n" + sig_block(P["layla"]),
        A[12],
    )
    case(
        d,
        "roundcube-flowed-quote-after",
        "ffion",
        "learning",
        "Roundcube",
        lambda c: thunderbird(c, attribution=f"On 2027-03-02 09:30, {PARTNERSHIP} wrote:"),
        join(A[16], "Hwyl,\nFfion"),
        A[16],
    )
    case(
        d,
        "gmail-french-attribution",
        "tomasz",
        "purpose",
        "Gmail (French)",
        gmail,
        join("Bonjour Rhiannon,", A[5], "Cordialement,\nTomasz"),
        A[5],
    )
    case(
        d,
        "outlook-mac",
        "ngozi",
        "role",
        "Outlook for Mac",
        lambda c: outlook(c, rule="", plain_header=True),
        join(A[9], "Best,", "Ngozi"),
        A[9],
    )
    case(
        d,
        "samsung-footer",
        "bea",
        "work",
        "Samsung Email",
        gmail,
        join(A[13], "Bea", "Sent from my Galaxy"),
        A[13],
    )
    case(
        d,
        "outlook-android-nhs",
        "siobhan",
        "members",
        "Outlook Android (NHSmail)",
        outlook,
        join(A[25], "Siobhan", "Get Outlook for Android", NHSMAIL),
        A[25],
    )
    case(
        d,
        "dear-all-council-signoff",
        "callum",
        "role",
        "Outlook desktop",
        outlook,
        join(
            "Dear all,",
            A[31],
            "With best wishes,",
            "Callum Fitzgerald-Rao (he/him)",
            "Neighbourhoods Manager",
            "Eastmoor Borough Council",
            COUNCIL,
        ),
        A[31],
    )
    case(
        d,
        "pronouns-line",
        "bea",
        "learning",
        "Gmail web",
        gmail,
        join(A[33], "Bea Oyelaran-Smith", "Pronouns: she/they", "Young Carers Eastmoor"),
        A[33],
    )
    case(
        d,
        "working-hours-only",
        "marisol",
        "gtky",
        "Outlook web",
        outlook,
        join(A[0], "Mari", hours(P["marisol"])),
        A[0],
    )
    case(
        d, "gt-content-then-quote", "layla", "work", "Gmail web", gmail, join(A[14], "Layla"), A[14]
    )
    case(
        d,
        "empty-iphone-only",
        "tomasz",
        "role",
        "iPhone Mail",
        iphone,
        "Sent from my iPhone",
        "",
        kind="empty",
    )
    case(
        d,
        "empty-hello-only",
        "hamish",
        "purpose",
        "Gmail web",
        gmail,
        "Hi Rhiannon,\n\nHamish",
        "",
        kind="empty",
    )


def heldout_cases() -> None:
    h = "heldout"
    mari, cal, _ngo, sio, _ibr = P["marisol"], P["callum"], P["ngozi"], P["siobhan"], P["ibrahim"]
    _ffi, tom, bea, ham, _lay = P["ffion"], P["tomasz"], P["bea"], P["hamish"], P["layla"]
    case(
        h,
        "h-gmail-first-name-comma",
        "layla",
        "work",
        "Gmail web",
        gmail,
        join("Rhiannon,", A[20], "Layla"),
        A[20],
    )
    case(
        h,
        "h-gmail-sig-org-role",
        "hamish",
        "purpose",
        "Gmail web",
        gmail,
        join(
            A[23],
            "All the best,",
            "Hamish MacLeod\nCommissioning Manager\nEastmoor and Dale ICB\nhamish.macleod@icb.example.nhs.uk",
        ),
        A[23],
    )
    case(
        h,
        "h-outlook-council-short",
        "callum",
        "members",
        "Outlook desktop",
        outlook,
        join(BANNER_SHORT, "Hi Rhiannon,", A[25], "Callum", COUNCIL),
        A[25],
    )
    case(
        h,
        "h-outlook-nhsmail-pronouns",
        "ngozi",
        "purpose",
        "Outlook web (NHSmail)",
        outlook,
        join(
            A[5],
            "With best wishes,",
            "Dr Ngozi Eze\nGP Partner\nHarrowgate Medical Practice\nTel: 01632 960 702",
            NHSMAIL,
        ),
        A[5],
    )
    case(
        h,
        "h-iphone-initials",
        "siobhan",
        "members",
        "iPhone Mail",
        iphone,
        join(A[13], "SK", "Sent from my iPhone"),
        A[13],
    )
    case(
        h,
        "h-thunderbird-flowed-list",
        "bea",
        "purpose",
        "Thunderbird",
        thunderbird,
        join(A[10], "Bea"),
        A[10],
    )
    case(
        h,
        "h-thunderbird-long-paragraphs",
        "ibrahim",
        "learning",
        "Thunderbird",
        thunderbird,
        join("Hi Rhiannon,", A[31], A[24], "Regards,\nIbrahim"),
        join(A[31], A[24]),
    )
    case(
        h,
        "h-outlook-below-original-signoff",
        "siobhan",
        "purpose",
        "Outlook desktop",
        lambda c: outlook_commented(c, {}),
        sig_block(sio),
        A[2],
        bottom=join(A[2], "Thanks,\nSiobhan"),
    )
    case(
        h,
        "h-outlook-name-comments-two",
        "ibrahim",
        "gtky",
        "Outlook desktop",
        lambda c: outlook_commented(
            c,
            {
                "What brings you to this work, personally?": "I grew up in one of our flats.",
                "What do you bring, personally and from your organisation?": "Data on every tenancy in the borough, and a van.",
            },
            mark="[Ibrahim Haddad] ",
        ),
        "See my comments below.",
        "See my comments below.\n\n[Ibrahim Haddad] I grew up in one of our flats.\n\n[Ibrahim Haddad] Data on every tenancy in the borough, and a van.",
    )
    case(
        h,
        "h-gmail-inline-three",
        "tomasz",
        "purpose",
        "Gmail web",
        lambda c: gmail_commented(
            c,
            {
                "intended beneficiaries of your work": "Polish and Romanian families new to the area.",
                "partnership want to have?": "Registered with a GP within a month of arriving.",
                "trying to influence?": "The practices' reception teams.",
            },
            after="Tomasz",
        ),
        "",
        "Polish and Romanian families new to the area.\n\nRegistered with a GP within a month of arriving.\n\nThe practices' reception teams.",
    )
    case(
        h,
        "h-apple-inline-greeting",
        "hamish",
        "gtky",
        "Apple Mail macOS",
        lambda c: apple_commented(
            c,
            {
                "What do you bring, personally and from your organisation?": "A budget line and a lot of spreadsheets.",
            },
        ),
        "Hi Rhiannon,\n\nOne answer inline:",
        "One answer inline:\n\nA budget line and a lot of spreadsheets.",
    )
    case(
        h,
        "h-outlook-signature-only",
        "ngozi",
        "work",
        "Outlook desktop",
        outlook,
        "Dr Ngozi Eze\nGP Partner | Harrowgate Medical Practice\nTel: 01632 960 702",
        "",
        kind="empty",
    )
    case(
        h,
        "h-hi-both-forwarded",
        "layla",
        "learning",
        "Gmail web",
        gmail,
        join(
            "Hi both,",
            "Answering on behalf of our team as Layla forwarded this to me.",
            A[16],
            "Thanks",
        ),
        join("Answering on behalf of our team as Layla forwarded this to me.", A[16]),
    )
    case(
        h,
        "h-trap-on-the-first-page",
        "marisol",
        "role",
        "iPhone Mail",
        iphone,
        join(
            "On the first page of the toolkit it says partnerships fail when nobody owns the follow-up. That's us.",
            "Mari x",
        ),
        "On the first page of the toolkit it says partnerships fail when nobody owns the follow-up. That's us.",
    )
    case(
        h,
        "h-charity-hours",
        "marisol",
        "learning",
        "Outlook web",
        outlook,
        join(A[24], "Best wishes,", sig_block(mari), hours(mari), CHARITY),
        A[24],
    )
    case(
        h,
        "h-gp-notice-bare",
        "ngozi",
        "members",
        "Outlook desktop",
        bare,
        join(A[35], "Ngozi", GP_NOTICE),
        A[35],
    )
    case(
        h,
        "h-virus-footer-gmail",
        "tomasz",
        "learning",
        "Gmail web",
        gmail,
        join(A[33], "Tomasz", VIRUS),
        A[33],
    )
    case(
        h,
        "h-html-list-bold",
        "bea",
        "gtky",
        "Outlook web (HTML only)",
        outlook_html_only,
        "",
        A[27].replace("  - ", "- "),  # corrected after the one scoring: HTML lists read "- item"
        html_top="<p>What success looks like:</p><p>&nbsp;</p><ul><li><b>a young carer</b> at the table, paid for their time</li><li>a <u>school nurse</u> who knows our number</li></ul><p>&nbsp;</p><p>The first is harder than it sounds.</p><p>&nbsp;</p><p>Bea</p>",
    )
    case(
        h,
        "h-welsh-diolch",
        "ffion",
        "role",
        "Outlook desktop",
        outlook,
        join("Shwmae Rhiannon,", A[29], "Diolch yn fawr,\nFfion Pritchard\nDevelopment Worker"),
        A[29],
    )
    case(
        h,
        "h-dashdash-content-kiss",
        "bea",
        "work",
        "Gmail Android",
        gmail,
        join(A[21], "Bea x"),
        A[21],
    )
    case(
        h,
        "h-precedence-junk-answer",
        "callum",
        "role",
        "Outlook desktop",
        outlook,
        join(A[9], "Callum"),
        A[9],
        headers={"Auto-Submitted": "auto-forwarded"},
    )
    case(
        h,
        "h-iphone-gt-content",
        "layla",
        "members",
        "iPhone Mail",
        iphone,
        join(A[14], "Layla", "Sent from my iPhone"),
        A[14],
    )
    case(
        h,
        "h-outlook-url-phone",
        "callum",
        "work",
        "Outlook desktop",
        outlook,
        join(A[32], "Cheers,", sig_block(cal, phone="Tel")),
        A[32],
    )
    case(
        h,
        "h-mobile-name-initial",
        "hamish",
        "learning",
        "Gmail iOS app",
        gmail,
        join(A[16], "H"),
        A[16],
    )
    case(
        h,
        "h-thunderbird-bottom-post",
        "siobhan",
        "role",
        "Thunderbird",
        lambda c: thunderbird(c, bottom_post=True),
        join(A[31], "Siobhan"),
        A[31],
    )
    machine_case(
        h,
        "h-auto-gmail-vacation",
        raw_machine(
            f"From: Bea Oyelaran-Smith <{bea.email}>\nTo: reflect@reflect.example.org\nSubject: Away until Monday\n"
            "Auto-Submitted: auto-replied\nPrecedence: bulk\nDate: Wed, 03 Mar 2027 09:31:00 +0000",
            "I'm away until Monday 8 March. For anything urgent call the office.\n",
        ),
        "auto_reply",
        "Gmail vacation responder",
    )
    machine_case(
        h,
        "h-auto-challenge",
        raw_machine(
            f"From: Tomasz Wisniewski <{tom.email}>\nTo: reflect@reflect.example.org\n"
            "Subject: Please confirm your message\nX-Autorespond: challenge\nDate: Wed, 03 Mar 2027 09:31:00 +0000",
            "I use a spam filter. To get your message through, please reply to this email with the word CONFIRM.\n",
        ),
        "auto_reply",
        "challenge-response",
    )
    machine_case(
        h,
        "h-bounce-exchange",
        raw_machine(
            "From: Microsoft Outlook <postmaster@eastmoor.example.gov.uk>\nTo: reflect+bounce@reflect.example.org\n"
            "Subject: Undeliverable: Question 2: What is the distinctive role of this partnership?\nDate: Wed, 03 Mar 2027 09:31:00 +0000",
            "--b2\nContent-Type: text/plain\n\nDelivery has failed to these recipients or groups:\n\n"
            "callum.old@eastmoor.example.gov.uk\nThe email address you entered couldn't be found.\n\n"
            "--b2\nContent-Type: message/delivery-status\n\nReporting-MTA: dns;mail.eastmoor.example.gov.uk\n\n"
            "Final-Recipient: rfc822;callum.old@eastmoor.example.gov.uk\nAction: failed\nStatus: 5.1.10\n\n--b2--\n",
            'multipart/report; report-type=delivery-status; boundary="b2"',
        ),
        "bounce",
        "Exchange NDR",
    )
    machine_case(
        h,
        "h-rsvp-decline",
        raw_machine(
            f"From: Hamish MacLeod <{ham.email}>\nTo: reflect@reflect.example.org\nSubject: Declined: Reflection point\nDate: Wed, 03 Mar 2027 09:31:00 +0000",
            "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Example//Calendar//EN\nMETHOD:REPLY\nBEGIN:VEVENT\n"
            "UID:reflection.eastmoor@reflect.example.org\nDTSTAMP:20270303T093100Z\nDTSTART:20270309T100000Z\n"
            f"SEQUENCE:0\nATTENDEE;PARTSTAT=DECLINED:mailto:{ham.email}\nEND:VEVENT\nEND:VCALENDAR\n",
            "text/calendar; method=REPLY; charset=utf-8",
        ),
        "rsvp",
        "calendar",
    )


def main() -> None:
    dev_cases()
    dev_more()
    heldout_cases()
    for where, items in CASES.items():
        folder = HERE / where
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*"):
            old.unlink()
        for number, (name, make) in enumerate(items, 1):
            raw, kind, expected, client = make()
            stem = f"{number:03d}-{name}"
            (folder / f"{stem}.eml").write_bytes(raw)
            data = {"kind": kind, "text": expected, "client": client}
            (folder / f"{stem}.expected.json").write_text(
                json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
        print(f"{where}: {len(items)} cases")


if __name__ == "__main__":
    main()
