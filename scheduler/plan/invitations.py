"""Calendar invitations to plan: the whole series to each member whose copy is not
the current one, and a CANCEL to each member who left or for a series removed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from scheduler.inputs.config import Config
from scheduler.plan.intents import Intent, SeriesInvitation, intent_key
from scheduler.plan.occurrences import occurrences_between
from scheduler.plan.state import Invitation, MeetingState, MemberState, State
from scheduler.vocabulary import MessageKind


def plan_invitations(
    config: Config, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    """The series, whole, to each member whose copy is not the current one; CANCELs for leavers.

    Every change, a moved or called-off meeting included, goes out as the
    whole series (overrides and EXDATEs with it) at a SEQUENCE above all the
    member holds: Sabre VObject, which files invitations for Nextcloud and
    Baikal, replaces the stored event with whatever a REQUEST holds, and
    marks every meeting of it cancelled on any CANCEL, one meeting's included.
    """
    name = config.partnership.identity
    intents: list[Intent] = []
    can_reach = {m.email for m in reachable}  # a set: a list made this members x members
    for meeting_id, meeting in state.meetings.items():
        for member in state.members.values():
            sent = state.invitations.get((meeting_id, member.email))
            if meeting.status == "active" and member.email in can_reach:
                if _holds_current(sent, meeting) or (
                    sent is None and _all_after_last_day(config, meeting_id, member, now)
                ):
                    continue
                sequence = series_sequence(sent, meeting)
                kind = MessageKind.INVITE
            elif (
                sent is not None
                and sent.status == "invited"
                and (meeting.status == "removed" or member.status == "left")
            ):
                sequence = max(meeting.sequence, sent.sequence + 1, sent.highest + 1)
                kind = MessageKind.CANCEL
            else:
                continue
            intents.append(
                Intent(
                    key=intent_key(name, kind, member.email, meeting_id, sequence),
                    kind=kind,
                    recipient=member.email,
                    due=now,
                    payload=SeriesInvitation(member.email, meeting_id, sequence),
                )
            )
    return intents


def _all_after_last_day(
    config: Config, meeting_id: str, member: MemberState, now: datetime
) -> bool:
    """Whether every meeting of a series still to come falls after a leaver's last day
    (written ahead of time): then they are not invited to it at all."""
    if member.leaving_on is None:
        return False
    meeting = config.meeting(meeting_id)
    if meeting is None:
        return False
    zone = config.partnership.zone
    last = datetime.combine(member.leaving_on + timedelta(days=1), time(0), tzinfo=zone)
    return not occurrences_between(meeting, config.partnership.timezone, now, last)


def _holds_current(sent: Invitation | None, meeting: MeetingState) -> bool:
    """Whether a member's copy of the series is the current one (nothing to send)."""
    return sent is not None and sent.status == "invited" and sent.sequence >= meeting.sequence


def series_sequence(sent: Invitation | None, meeting: MeetingState) -> int:
    """The SEQUENCE of the series a member holds once this tick's invitation is sent.

    It rises above everything the member was sent of the series: a
    rejoiner's cancellation, and any one-meeting update an earlier version
    sent at the series' SEQUENCE + 1.
    """
    if sent is None:
        return meeting.sequence
    return max(meeting.sequence, sent.sequence + 1, sent.highest + 1)
