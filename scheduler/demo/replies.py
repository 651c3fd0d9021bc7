"""Simulated members' replies for ``reflect demo``, shaped as real mail clients send them.

Each style wraps a member's words the way that client does (quoting, header
blocks, signatures, HTML), so the demo's replies go through the same reading
rules as real ones. The words are the demo's own.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from scheduler.compose.render import POLICY, WRITE_POLICY

STYLES = ("gmail", "outlook", "iphone", "thunderbird", "outlook_web_html")

ANSWERS: dict[str, tuple[str, ...]] = {
    "getting-to-know-you": (
        "I grew up two streets from the health centre, so this is personal.\n"
        "I bring a long memory of what has been tried before, and a van.",
        "Ten years in public health data. Success for me would be residents "
        "shaping what we measure, not just being measured.",
        "I run the Tuesday lunch club. I bring forty regulars who will tell us "
        "the truth about what works.",
    ),
    "purpose": (
        "For me the purpose is fewer people falling through the gap between "
        "services. Beneficiaries: families the system calls hard to reach.",
        "I think we want to influence the ICB's neighbourhood plan, and we should say so out loud.",
        "We haven't agreed the vision yet. Could we spend the next meeting on it?",
    ),
    "role": (
        "Nobody else in the area brings residents and commissioners into one room. "
        "That is our distinctive role.",
        "There are three other projects on loneliness locally; we should map them "
        "before we start a fourth.",
    ),
    "members": (
        "We are missing young people and anyone from the housing association.\n"
        "- Ask the youth club\n- Invite Willenhall Homes",
        "Since Dev left, nobody holds the link with mental health services.",
    ),
    "work": (
        "The small groups give hours we never count. A meeting at 2pm on a Tuesday "
        "works for the council but not for volunteers.",
        "Could we rotate the chair? The same voices lead every time.",
    ),
    "learning": (
        "We are good at delivery and poor at stopping to learn. This email helps.",
        "We should share what we learnt about the food pantry with the wider network.",
    ),
}
# what a note-taker writes after a meeting, one line per decision or action
MEETING_NOTES = (
    "Decision: the next meeting is at the lunch club, at 5.30pm so volunteers can come\n"
    "Grace to share the referral numbers with the practice by the next meeting\n"
    "Tom will ask housing colleagues to join us in two weeks\n"
    "Good talk about who is missing: young people, again",
    "Decision: we try a Saturday drop-in for one month\n"
    "Aoife: list which surgeries run social prescribing by the end of the month\n"
    "Kwame to write up the residents' survey before the next meeting\n"
    "The council to check room costs at the library",
    "We agreed to write to the ICB together about the pharmacy closure\n"
    "Helen and Tom to draft the letter by Friday\n"
    "Everyone to bring one story from their work to the review",
)
# what an owner says when asked whether their action is done
VERDICTS = ("Done, thanks", "Done - sent on Monday", "Not yet, waiting to hear back",
            "Drop it: the funding went elsewhere")  # fmt: skip

CHECKLIST_ANSWERS = (
    "Mostly yes, but we have not talked about how decisions are made between meetings.",
    "Not yet. I would like us to revisit this at the review.",
    "Yes, and it has helped a lot this year.",
)


def answer_for(question_id: str, turn: int) -> str:
    """A member's answer; to the checklist (one email of six numbered parts), some of
    its parts, each after its number."""
    if question_id == "checklist":
        picked = [n for n in range(1, 7) if (turn + n) % 3]
        return "\n\n".join(
            f"{n}. {CHECKLIST_ANSWERS[(turn + n) % len(CHECKLIST_ANSWERS)]}" for n in picked
        )
    choices = ANSWERS.get(question_id, CHECKLIST_ANSWERS)
    return choices[turn % len(choices)]


def _quoted(text: str) -> str:
    return "\n".join(">" if not line else f"> {line}" for line in text.splitlines())


def compose_reply(
    *, style: str, prompt: EmailMessage, name: str, address: str, words: str, seed: int
) -> bytes:
    """A reply from ``name`` to ``prompt`` in the given client's style."""
    original = prompt.get_body(("plain",))
    original_text = original.get_content() if original is not None else ""
    reply_to = prompt["Reply-To"] or prompt["From"]
    msg = EmailMessage(policy=POLICY)
    msg["From"] = f"{name} <{address}>"
    msg["To"] = str(reply_to)
    msg["Subject"] = (
        f"RE: {prompt['Subject']}" if "outlook" in style else f"Re: {prompt['Subject']}"
    )
    msg["Date"] = str(prompt["Date"])
    msg["Message-ID"] = make_msgid(idstring=f"demo{seed}", domain=address.split("@")[1])
    msg["In-Reply-To"] = str(prompt["Message-ID"])
    msg["References"] = str(prompt["Message-ID"])
    sent = format_datetime(prompt["Date"].datetime)
    first_name = name.split()[0]
    builders: dict[str, Callable[[], None]] = {
        "gmail": lambda: msg.set_content(
            f"Hi Priya,\n\n{words}\n\nThanks,\n{first_name}\n\n"
            f"On {sent}, {prompt['From']} wrote:\n{_quoted(original_text)}\n"
        ),
        "outlook": lambda: msg.set_content(
            f"{words}\n\nKind regards,\n{name}\n\n"
            f"From: {prompt['From']}\nSent: {sent}\nTo: {name} <{address}>\n"
            f"Subject: {prompt['Subject']}\n\n{original_text}\n"
        ),
        "iphone": lambda: msg.set_content(
            f"{words}\n\nSent from my iPhone\n\n"
            f"> On {sent}, {prompt['From']} wrote:\n>\n{_quoted(original_text)}\n"
        ),
        "thunderbird": lambda: msg.set_content(
            f"{words}\n\n-- \n{name}\n\nOn {sent}, {prompt['From']} wrote:\n"
            f"{_quoted(original_text)}\n"
        ),
        "outlook_web_html": lambda: msg.set_content(
            "<html><body><div>"
            + "".join(f"<p>{html.escape(line)}</p>" for line in words.splitlines() if line)
            + f"<p>Best wishes,<br>{html.escape(first_name)}</p></div>"
            '<hr><div id="divRplyFwdMsg"><b>From:</b> '
            + html.escape(str(prompt["From"]))
            + "<br><b>Sent:</b> "
            + html.escape(sent)
            + f"</div><div>{html.escape(original_text)}</div></body></html>",
            subtype="html",
        ),
    }
    builders[style]()
    return msg.as_bytes(policy=WRITE_POLICY)


def compose_auto_reply(*, prompt: EmailMessage, name: str, address: str) -> bytes:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = f"{name} <{address}>"
    msg["To"] = str(prompt["Reply-To"] or prompt["From"])
    msg["Subject"] = f"Automatic reply: {prompt['Subject']}"
    msg["Auto-Submitted"] = "auto-replied"
    msg["Message-ID"] = make_msgid(idstring="ooo", domain=address.split("@")[1])
    msg.set_content(f"I am out of the office until Monday. {name}")
    return msg.as_bytes(policy=WRITE_POLICY)


def compose_rsvp(*, invite: EmailMessage, name: str, address: str, partstat: str) -> bytes | None:
    """Accept or decline an invitation, as Outlook does (a METHOD:REPLY calendar part)."""
    from icalendar import Calendar

    part = next(
        (p for p in invite.walk() if p.get_content_type() == "text/calendar"),
        None,
    )
    if part is None:
        return None
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return None
    event = next(iter(Calendar.from_ical(payload).walk("VEVENT")), None)
    if event is None:
        return None
    ics = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "METHOD:REPLY",
            "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0",
            "BEGIN:VEVENT",
            f"ATTENDEE;PARTSTAT={partstat};CN={name}:mailto:{address}",
            f"UID:{event['UID']}",
            f"SEQUENCE:{int(event.get('SEQUENCE', 0))}",
            "DTSTAMP:20270101T090000Z",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    msg = EmailMessage(policy=POLICY)
    msg["From"] = f"{name} <{address}>"
    msg["To"] = str(invite["From"])
    msg["Subject"] = f"{partstat.title()}: {event.get('SUMMARY', '')}"
    msg["Message-ID"] = make_msgid(idstring="rsvp", domain=address.split("@")[1])
    msg.set_content("Sent from my calendar.")
    msg.add_alternative(ics, subtype="calendar", params={"method": "REPLY"})
    return msg.as_bytes(policy=WRITE_POLICY)
