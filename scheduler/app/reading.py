"""Stage 6, read: every stored message not yet read ends in one recorded state."""

from __future__ import annotations

from scheduler.archive.database import Archive, utc_text
from scheduler.archive.state import load_meetings
from scheduler.compose.calendar_mail import series_uid
from scheduler.faults import Checkpoint, no_checkpoint
from scheduler.inbound.ingest import Reader
from scheduler.inbound.limits import Limits
from scheduler.inputs.config import Config


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
        meeting_for_uid={series_uid(config, m): m for m in load_meetings(archive)},
        called_off=called_off(config),
        trusted_authserv_id=config.inbox.trusted_authserv_id,
        limits=limits,
        checkpoint=checkpoint,
    )


def called_off(config: Config) -> set[tuple[str, str]]:
    """(meeting id, occurrence in UTC text) of every meeting the config calls off."""
    zone = config.partnership.zone
    return {
        (meeting.id, utc_text(when.replace(tzinfo=zone)))
        for meeting in config.meetings
        for when in meeting.cancelled
    }
