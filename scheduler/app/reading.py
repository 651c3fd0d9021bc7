"""Stage 6, read: every stored message not yet read ends in one recorded state."""

from __future__ import annotations

from datetime import date, datetime

from scheduler.archive.database import Archive, utc_text
from scheduler.archive.sent_store import SentStore
from scheduler.archive.state import load_meetings
from scheduler.compose.calendar_mail import conversation_uid, series_uid
from scheduler.compose.convenor_mail import ConvenorMail
from scheduler.compose.wording import intent_pair_key
from scheduler.faults import Checkpoint, no_checkpoint
from scheduler.inbound.agreed_replies import AgreedReplies
from scheduler.inbound.ingest import Reader
from scheduler.inbound.limits import Limits
from scheduler.inbound.machine_mail import ConversationInvite, SentUids
from scheduler.inputs.config import Config
from scheduler.plan.agreed import next_meeting_after
from scheduler.plan.intents import intent_key
from scheduler.vocabulary import MessageKind


def make_reader(
    archive: Archive,
    config: Config,
    *,
    secret: bytes,
    limits: Limits,
    checkpoint: Checkpoint = no_checkpoint,
) -> Reader:
    return Reader(
        archive,
        secret=secret,
        reply_to=config.mail.reply_to,
        from_address=config.mail.from_address,
        meeting_for_uid=(uids := sent_uids(archive, config)).series,
        conversation_for_uid=uids.conversations,
        called_off=called_off(config),
        trusted_authserv_id=config.inbox.trusted_authserv_id,
        zone=config.partnership.zone,
        limits=limits,
        convenor_mail=ConvenorMail(config, secret),
        checkpoint=checkpoint,
        agreed=AgreedReplies(
            archive,
            secret=secret,
            reply_to=config.mail.reply_to,
            zone=config.partnership.timezone,
            locale=config.partnership.locale,
            next_meeting=lambda after: next_meeting_day(config, after),
        ),
    )


def next_meeting_day(config: Config, after: datetime) -> date | None:
    """The local day of the first meeting asked what it agreed after ``after`` (for "by the
    next meeting")."""
    upcoming = next_meeting_after(config, after)
    return upcoming.start.date() if upcoming is not None else None


def sent_uids(archive: Archive, config: Config) -> SentUids:
    """Every calendar UID we sent: each series', and each one-to-one conversation's with
    the outbox keys of the two copies (so a reply counts only from one of that pair, and
    only once their copy went)."""
    name = config.partnership.identity
    conversations = {}
    for talk in SentStore(archive).conversations():
        copies = {
            me: intent_key(name, MessageKind.CONVERSATION, me, talk.round_key, other)
            for me, other in ((talk.a, talk.b), (talk.b, talk.a))
        }
        uid = conversation_uid(config, intent_pair_key(talk.round_key, talk.a, talk.b))
        conversations[uid.lower()] = ConversationInvite(talk.round_key, talk.slot, copies)
    return SentUids(
        series={series_uid(config, m).lower(): m for m in load_meetings(archive)},
        conversations=conversations,
    )


def called_off(config: Config) -> set[tuple[str, str]]:
    """(meeting id, occurrence in UTC text) of every meeting the config calls off."""
    zone = config.partnership.zone
    return {
        (meeting.id, utc_text(when.replace(tzinfo=zone)))
        for meeting in config.meetings
        for when in meeting.cancelled
    }
