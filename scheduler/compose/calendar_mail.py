"""From a configured meeting to the iMIP message body a member's calendar reads.

The ORGANIZER is the service's own address (the one mail comes From), named
after the convenor: RSVPs then come back to the mailbox the service reads, and
From equals ORGANIZER as Outlook and Gmail expect. Each member's message lists
only that member as ATTENDEE, so a joiner is invited without re-inviting
everyone, and a leaver's cancellation touches nobody else's calendar.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta
from email.message import EmailMessage

from scheduler.calendar.imip import compose_imip
from scheduler.calendar.invites import (
    Attendee,
    Person,
    Series,
    build_cancel,
    build_feed,
    build_request,
)
from scheduler.compose.message_bytes import MessageBytes, invitation
from scheduler.inputs.config import Config, Meeting
from scheduler.inputs.content import Content


def series_uid(config: Config, meeting_id: str) -> str:
    return f"{meeting_id}.{_slug(config.partnership.identity)}@{uid_domain(config)}"


def conversation_uid(config: Config, pair_key: str) -> str:
    """One UID for both people's copy of a conversation (``wording.intent_pair_key``)."""
    return f"conversation-{pair_key}@{uid_domain(config)}"


def uid_domain(config: Config) -> str:
    """The domain of calendar UIDs: the mail domain the partnership first ran with."""
    return config.partnership.uid_domain or config.mail.from_domain


def meeting_for_uid(config: Config, uid: str, known_ids: list[str]) -> str | None:
    for meeting_id in known_ids:
        if series_uid(config, meeting_id).lower() == uid.strip().lower():
            return meeting_id
    return None


def _slug(text: str) -> str:
    """Letters and digits in ASCII (some calendars mishandle other UIDs), dashes between."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = "".join(ch if ch.isalnum() else "-" for ch in ascii_text.lower()).strip("-")
    return slug or "partnership"


def series_for(config: Config, content: Content, meeting: Meeting, sequence: int) -> Series:
    """The series as members' calendars hold it."""
    organizer_name = f"{config.convenor.name} ({config.partnership.name})"
    return Series(
        uid=series_uid(config, meeting.id),
        title=f"{meeting.title} ({config.partnership.name})",
        description=meeting_purpose(config, content, meeting),
        location=meeting.location,
        tzid=config.partnership.timezone,
        first=meeting.first,
        duration=meeting.duration,
        rrule=meeting.rrule,
        sequence=sequence,
        organizer=Person(email=config.mail.from_address, name=organizer_name),
        exdates=meeting.cancelled,
        moves=meeting.moved,
    )


def invite_message(
    *,
    config: Config,
    content: Content,
    meeting: Meeting,
    member_email: str,
    member_name: str,
    sequence: int,
    cancel: bool,
    stamp: datetime,
    text: str,
    html: str,
    partstat: str = "NEEDS-ACTION",
    agreed: str = "",
) -> MessageBytes:
    """REQUEST of the whole series for one member, or its CANCEL.

    ``agreed`` ("Last time we agreed: ...") ends the description: it rides on an
    update the series gets anyway, never causing one.

    A ``partstat`` other than NEEDS-ACTION is the member's answer carried
    over (an update of single meetings only): they are not asked again.

    A moved or called-off meeting travels inside the series (an override or
    an EXDATE), never as a message about that meeting alone: Sabre VObject
    (Nextcloud, Baikal) replaces the stored event with whatever a REQUEST
    holds, and cancels every meeting of it on any CANCEL.
    """
    series = series_for(config, content, meeting, sequence)
    if agreed and not cancel:
        series = replace(
            series, description="\n\n".join(p for p in (series.description, agreed) if p)
        )
    attendee = Attendee(email=member_email, name=member_name, partstat=partstat)
    if cancel:
        ics = build_cancel(series, [attendee], stamp=stamp)
        method = "CANCEL"
    else:
        ics = build_request(series, [attendee], stamp=stamp, rsvp=partstat == "NEEDS-ACTION")
        method = "REQUEST"
    # compose_imip's layout and checks, written directly (~10x faster; see message_bytes)
    return invitation(text=text, html=html, ics=ics, method=method, filename="invite.ics")


def calendar_feed(
    config: Config, content: Content, sequences: dict[str, int], stamp: datetime
) -> bytes:
    series = [
        series_for(config, content, meeting, sequences.get(meeting.id, 0))
        for meeting in config.meetings
    ]
    return build_feed(series, stamp=stamp, name=config.partnership.name)


def conversation_message(
    *,
    config: Config,
    key: str,
    start: datetime,
    minutes: int,
    people: list[tuple[str, str]],
    stamp: datetime,
    text: str,
    html: str,
    sequence: int = 0,
) -> EmailMessage:
    """A one-off invitation for two people's conversation; the slot is only a suggestion.
    ``sequence`` above 0: the same conversation, moved by one of the two."""
    zone = config.partnership.zone
    names = " and ".join(name for _, name in people)
    series = Series(
        uid=conversation_uid(config, key),
        title=f"Conversation: {names}",
        description=(
            "A one-to-one conversation to get to know each other, suggested by "
            f"{config.partnership.name}. To move it, either of you replies to the email "
            'it came with, giving a day and a time (e.g. "Thursday 14:00"): you both get '
            "the updated invitation."
        ),
        location="Your choice: a coffee, a walk or a call",
        tzid=config.partnership.timezone,
        first=start.astimezone(zone).replace(tzinfo=None),
        duration=timedelta(minutes=minutes),
        rrule=None,
        sequence=sequence,
        organizer=Person(
            email=config.mail.from_address,
            name=f"{config.convenor.name} ({config.partnership.name})",
        ),
    )
    attendees = [Attendee(email=email, name=name) for email, name in people]
    ics = build_request(series, attendees, stamp=stamp)
    return compose_imip(text=text, html=html, ics=ics, method="REQUEST")


def meeting_purpose(config: Config, content: Content, meeting: Meeting) -> str:
    """What a series is for, in the words of the framework it serves."""
    if meeting.description:
        return meeting.description
    if config.prompts.checklist_meeting == meeting.id:
        areas = ", ".join(a.title for a in content.checklist)
        return (
            f"We review how the partnership is doing against the partnership checklist ({areas})."
        )
    if meeting.kind == "reflection":
        questions = [
            content.questions[q].text for q in config.prompts.questions if q in content.questions
        ]
        listed = " ".join(f"({i}) {q}" for i, q in enumerate(questions, start=1))
        return (
            "We stop to reflect together. Each reflection point takes one of our shared "
            f"questions in turn: {listed} A week before, each member is emailed the question."
        )
    if meeting.kind == "relationship":
        return "Time to get to know each other as people, not just roles."
    return ""
