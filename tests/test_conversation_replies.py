"""Calendar replies to the service's own one-to-one conversation invitations, through the
real service: the invitations read back from the outbox Maildir, the replies ingested by
the real reader on the next tick."""

from __future__ import annotations

import mailbox
from datetime import timedelta

from support.conversations import NAMES, SIX, START, conversation_invites, run_days, with_settings
from support.mailmaker import rsvp_email
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.reports.status import status_text


async def test_automatic_calendar_replies_to_conversations_are_recorded_not_held(
    partnership: Partnership,
) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 1")
    now = await run_days(partnership, START, days=10)
    invites = conversation_invites(partnership)
    assert len(invites) == 6  # one round of three pairs, each told once each
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    styles = ["outlook", "google", "apple"]
    for n, (me, uid, _people) in enumerate(invites):
        partstat = "DECLINED" if n == 5 else "ACCEPTED"
        reply = rsvp_email(
            uid=uid, attendee=me, name=NAMES[me], partstat=partstat, style=styles[n % 3]
        )
        inbox.add(reply)
    services = build_services(partnership.config)
    report = await services.tick(now)
    rows = services.archive.rows(
        "SELECT m.email, c.partstat, c.accepted_by, p.email AS partner FROM conversation_replies c "
        "JOIN members m ON m.id = c.member_id JOIN members p ON p.id = c.partner_id ORDER BY c.id"
    )
    held = services.archive.scalar("SELECT count(*) FROM inbound WHERE status = 'quarantined'")
    status = status_text(services.config, services.archive, now)
    services.close()
    assert report.ingested == {"rsvp": 6}
    assert held == 0
    assert [(r["email"], r["partstat"], r["accepted_by"]) for r in rows] == [
        (me, "DECLINED" if n == 5 else "ACCEPTED", None) for n, (me, _u, _p) in enumerate(invites)
    ]
    assert all({r["email"], r["partner"]} == set(invites[n][2]) for n, r in enumerate(rows))
    assert "Conversations this round: 5 of 6 accepted (1 declined)" in status


async def test_a_calendar_reply_for_someone_elses_conversation_is_still_held(
    partnership: Partnership,
) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 1")
    now = await run_days(partnership, START, days=10)
    me, uid, people = conversation_invites(partnership)[0]
    third = next(a for a in NAMES if a not in people)
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    # a member not in the pair answers as themself, and on behalf of one of the pair
    inbox.add(rsvp_email(uid=uid, attendee=third, name=NAMES[third], partstat="DECLINED",
                         style="outlook"))  # fmt: skip
    forged = rsvp_email(uid=uid, attendee=me, name=NAMES[me], partstat="DECLINED", style="google")
    forged = forged.replace(f"From: {NAMES[me]} <{me}>".encode(), f"From: <{third}>".encode())
    inbox.add(forged)
    # a stranger (nobody we know) with the right UID
    inbox.add(rsvp_email(uid=uid, attendee="mallory@elsewhere.example.com", name="Mallory",
                         partstat="DECLINED", style="apple"))  # fmt: skip
    services = build_services(partnership.config)
    report = await services.tick(now)
    recorded = services.archive.scalar("SELECT count(*) FROM conversation_replies")
    reasons = [
        r["reason"]
        for r in services.archive.rows(
            "SELECT reason FROM inbound WHERE status = 'quarantined' ORDER BY id"
        )
    ]
    services.close()
    assert report.ingested == {"quarantined": 3}
    assert recorded == 0
    assert reasons[0] == "calendar reply for no meeting or member we know"
    assert reasons[1].startswith(f"a calendar reply from {third} on behalf of {me}")
    assert reasons[2] == "no valid reply token and not a reply to one of our messages"


async def test_a_conversation_reply_before_the_copy_went_is_held(
    partnership: Partnership,
) -> None:
    """The pair is known as soon as it is queued; a reply counts only once their copy went."""
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 1")
    now = await run_days(partnership, START, days=10)
    me, uid, _people = conversation_invites(partnership)[0]
    services = build_services(partnership.config)
    with services.archive.transaction() as conn:
        conn.execute(
            "UPDATE outbox SET status = 'queued', next_attempt_at = '2999-01-01' "
            "WHERE kind = 'conversation' AND recipient = ?",
            (me,),
        )
    mailbox.Maildir(partnership.inbox, create=True).add(
        rsvp_email(uid=uid, attendee=me, name=NAMES[me], partstat="ACCEPTED", style="outlook")
    )
    report = await services.tick(now + timedelta(minutes=1))
    services.close()
    assert report.ingested == {"quarantined": 1}
