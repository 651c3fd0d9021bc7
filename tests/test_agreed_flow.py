"""What a meeting agreed, through the real service: asked of the note-taker, read
from Outlook and iPhone replies, corrected, carried into the next meeting's emails
and digest, followed up once with each owner, and listed by ``reflect actions``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from support.agreed_mail import deliver, iphone_reply, outlook_reply, plain_reply, sent_of, text_of
from support.partnership import MEMBERS_CSV, Partnership

from scheduler.app.services import build_services
from scheduler.archive.action_store import ActionStore
from scheduler.archive.database import Archive

PRIYA = "Priya Shah <priya.shah@grapevine.example.org>"
TOM = "Tom Okafor <tom.okafor@council.example.gov.uk>"
AOIFE = "Aoife O’Brien <aoife.obrien@pcc.example.nhs.uk>"

FIRST_NOTES = [  # as the convenor typed them in Outlook; "Aoife" has no date
    "Hi all, notes from today:",
    "Decision: meetings alternate between 10:00 and 17:30 so volunteers can come",
    "Tom to send the draft referral letter to the GP practices by 29 January",
    "Aoife: map which surgeries already run social prescribing",
    "Dev will ask the trust's comms team about a joint leaflet in two weeks",
    "Good conversation about transport; nothing settled",
]
CORRECTED = [  # a correction from her phone: Aoife's line gets a date, a council line added
    "Decision: meetings alternate between 10:00 and 17:30 so volunteers can come",
    "Tom to send the draft referral letter to the GP practices by 29 January",
    "Aoife: map which surgeries already run social prescribing by the next meeting",
    "Dev will ask the trust's comms team about a joint leaflet in two weeks",
    "The council to check whether bus passes can cover carers - by end of February",
    "Everyone to bring one story of a family we helped",
    "Aoife to ask the practice nurses about a Saturday drop-in by 9 February",
    "Good conversation about transport; nothing settled",
]


async def test_agreed_captured_corrected_carried_and_followed_up(
    partnership: Partnership,
) -> None:
    services = build_services(partnership.config)
    await services.tick(datetime(2027, 1, 5, 12, tzinfo=UTC))
    await services.tick(datetime(2027, 1, 12, 11, 55, tzinfo=UTC))
    assert not sent_of(partnership.outbox, "notes_request")  # the meeting ends at 11:30
    await services.tick(datetime(2027, 1, 12, 12, 5, tzinfo=UTC))
    (request,) = sent_of(partnership.outbox, "notes_request")
    assert "priya.shah" in str(request["To"])  # roles do not rotate: the convenor takes notes
    assert "What did the meeting agree?" in text_of(request)
    assert str(request["Reply-To"]).count("agreed-") == 1

    deliver(partnership.inbox, [outlook_reply(request, sender=PRIYA, lines=FIRST_NOTES)], 1.8e9)
    await services.tick(datetime(2027, 1, 12, 15, tzinfo=UTC))
    archive = Archive(partnership.database)
    items = ActionStore(archive).items()
    assert [(i.kind, i.owner_email, i.due) for i in items] == [
        ("decision", "", None),
        ("action", "tom.okafor@council.example.gov.uk", date(2027, 1, 29)),
        ("action", "aoife.obrien@pcc.example.nhs.uk", None),
        ("action", "dev.mistry@trust.example.nhs.uk", date(2027, 1, 26)),  # from the meeting
        ("note", "", None),
    ]
    (confirm,) = sent_of(partnership.outbox, "notes_confirm")
    shown = text_of(confirm)
    assert "Tom to send the draft referral letter" in shown and "Fri 29 Jan 2027" in shown
    assert "Kept as notes" in shown and "Good conversation about transport" in shown
    assert "Hi all" not in shown

    deliver(partnership.inbox, [iphone_reply(confirm, sender=PRIYA, lines=CORRECTED)], 1.8e9 + 10)
    await services.tick(datetime(2027, 1, 13, 9, tzinfo=UTC))
    items = ActionStore(archive).items()
    assert len(items) == len(CORRECTED)  # replaced, not added to
    by_text = {i.text.split()[0]: i for i in items}
    assert by_text["Aoife:"].due == date(2027, 2, 23)  # the next reflection point
    assert by_text["The"].owner_organisation == "City Council"
    assert by_text["The"].due == date(2027, 2, 28)
    assert by_text["Everyone"].owner_text == "Everyone" and not by_text["Everyone"].owner_email
    assert not any("Sent from my iPhone" in i.text for i in items)
    second = sent_of(partnership.outbox, "notes_confirm")
    assert len(second) == 2 and "replaces what you sent before" in text_of(second[1])

    # Dev leaves before the follow-ups go out
    partnership.write_members(
        MEMBERS_CSV.replace("mental health lead,2026-09-01,", "x").replace(
            "Mental health lead,2026-09-01,", "Mental health lead,2026-09-01,2027-02-01"
        )
    )
    services = build_services(partnership.config)
    await services.tick(datetime(2027, 2, 16, 10, 5, tzinfo=UTC))
    follow_ups = sent_of(partnership.outbox, "action_follow_up")
    # one email to each owner, listing what they said they would do
    assert sorted(str(m["To"]).split("<")[1][:4] for m in follow_ups) == ["aoif", "tom."]
    assert not sent_of(partnership.outbox, "action_follow_up", "dev.mistry")
    (skipped,) = sent_of(partnership.outbox, "action_skipped")
    assert "priya.shah" in str(skipped["To"]) and "has left the partnership" in text_of(skipped)
    assert "Dev will ask the trust's comms team" in text_of(skipped)
    prompt = sent_of(partnership.outbox, "prompt", "aoife")[-1]
    opening = text_of(prompt)
    assert "Last time we agreed:" in opening
    assert "meetings alternate between 10:00 and 17:30" in opening
    assert "Everyone to bring one story" in opening and "Good conversation" not in opening

    (tom,) = (m for m in follow_ups if "tom" in str(m["To"]))
    (aoife,) = (m for m in follow_ups if "aoife" in str(m["To"]))
    asked = text_of(tom)
    assert str(tom["Subject"]).startswith("You said you would: 2 things")
    assert asked.index("1. Tom to send the draft referral letter") < asked.index(
        "2. The council to check whether bus passes"
    )
    assert "Please reply done, not yet or drop" in asked and '"1 done"' in asked
    assert "1. Aoife: map which surgeries" in text_of(aoife)
    assert "2. Aoife to ask the practice nurses" in text_of(aoife)
    deliver(
        partnership.inbox,
        [
            plain_reply(tom, sender=TOM,
                        body="1 done - sent on Monday\n2 drop. The county already covers carers."),
            plain_reply(aoife, sender=AOIFE, body="1. Not yet, two surgeries still to answer",
                        n=3),
        ],
        1.8e9 + 20,
    )  # fmt: skip
    await services.tick(datetime(2027, 2, 16, 12, tzinfo=UTC))
    await services.tick(datetime(2027, 2, 17, 12, tzinfo=UTC))  # nothing is sent twice
    assert len(sent_of(partnership.outbox, "action_follow_up")) == 2
    status = {i.text.split()[0]: (i.status, i.status_note) for i in ActionStore(archive).items()}
    assert status["Tom"] == ("done", "sent on Monday")
    assert status["The"] == ("dropped", "The county already covers carers.")
    assert status["Aoife:"] == ("not_yet", "two surgeries still to answer")
    assert status["Dev"][0] == "open" and status["Everyone"][0] == "open"  # nobody asked / left
    assert status["Aoife"][0] == "open"  # asked, and no word on it

    await services.tick(datetime(2027, 2, 21, 10, 5, tzinfo=UTC))  # the digest, two days before
    digest = text_of(sent_of(partnership.outbox, "digest")[-1])
    carried = digest.split("Last time we agreed:")[1].split("\n\n")[0]
    assert "Aoife: map which surgeries" in carried and "not yet done" in carried
    assert "Dev will ask" in carried and "Everyone to bring" in carried
    assert "Tom to send" not in carried and "bus passes" not in carried
    assert "meetings alternate" in carried and "practice nurses" in carried
    await services.tick(datetime(2027, 3, 1, 10, tzinfo=UTC))  # before the governance review
    assert len(sent_of(partnership.outbox, "action_follow_up")) == 2  # still never twice
    review = [m for m in sent_of(partnership.outbox, "prompt", "aoife")
              if "Governance review" in text_of(m)]  # fmt: skip
    assert len(review) == 1  # the checklist, one email of numbered parts, opens with the list
    assert all("Last time we agreed:" in text_of(m) for m in review)


async def test_a_reply_from_someone_else_is_held_not_recorded(partnership: Partnership) -> None:
    services = build_services(partnership.config)
    await services.tick(datetime(2027, 1, 5, 12, tzinfo=UTC))
    await services.tick(datetime(2027, 1, 12, 12, 5, tzinfo=UTC))
    (request,) = sent_of(partnership.outbox, "notes_request")
    address = str(request["Reply-To"].addresses[0].addr_spec)
    local, domain = address.split("@")
    forged = f"{local[:-1]}{'b' if local.endswith('a') else 'a'}@{domain}"  # one letter changed
    tampered = iphone_reply(request, sender=PRIYA, lines=FIRST_NOTES, n=2).replace(
        address.encode(), forged.encode()
    )
    away = (
        f"From: {PRIYA}\r\nTo: {address}\r\nSubject: Automatic reply: {request['Subject']}\r\n"
        "Auto-Submitted: auto-replied\r\nMessage-ID: <away@members.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office until Monday.\r\n"
    ).encode()
    deliver(partnership.inbox, [outlook_reply(request, sender=TOM, lines=FIRST_NOTES),
                                tampered, away], 1.8e9)  # fmt: skip
    await services.tick(datetime(2027, 1, 12, 15, tzinfo=UTC))
    archive = Archive(partnership.database)
    assert ActionStore(archive).items() == []
    rows = archive.rows("SELECT status, reason FROM inbound ORDER BY id")
    assert [r["status"] for r in rows] == ["quarantined", "quarantined", "auto_reply"]
    assert "went to priya.shah" in rows[0]["reason"]
    assert "refused" in rows[1]["reason"]


ROTATING = """
[leadership]
rotate_roles = true
"""


async def test_the_rotating_note_taker_is_asked_and_series_updates_carry_the_list(
    partnership: Partnership,
) -> None:
    import icalendar

    from scheduler.archive.state import load_state

    partnership.config.write_text(  # a convenor who is not a member: never the note-taker
        partnership.config.read_text().replace(
            'email = "priya.shah@grapevine.example.org"', 'email = "office@grapevine.example.org"'
        )
        + ROTATING
    )
    services = build_services(partnership.config)
    await services.tick(datetime(2027, 1, 5, 12, tzinfo=UTC))
    await services.tick(datetime(2027, 1, 12, 12, 5, tzinfo=UTC))
    archive = Archive(partnership.database)
    state = load_state(archive, datetime(2027, 1, 12, 12, 5, tzinfo=UTC))
    (roles,) = state.roles.values()
    (request,) = sent_of(partnership.outbox, "notes_request")
    assert roles[1] in str(request["To"]) and "office@" not in str(request["To"])
    note_taker = str(request["To"])
    deliver(partnership.inbox, [iphone_reply(request, sender=note_taker,
                                             lines=CORRECTED)], 1.8e9)  # fmt: skip
    invites_before = len(sent_of(partnership.outbox, "invite"))
    await services.tick(datetime(2027, 1, 12, 15, tzinfo=UTC))
    assert len(ActionStore(archive).items()) == len(CORRECTED)
    assert len(sent_of(partnership.outbox, "invite")) == invites_before  # no update for this

    partnership.config.write_text(
        partnership.config.read_text().replace(
            'location = "Willenhall Community Hub, or online"', 'location = "Willenhall Library"'
        )
    )
    services = build_services(partnership.config)
    await services.tick(datetime(2027, 1, 14, 9, tzinfo=UTC))
    updates = sent_of(partnership.outbox, "invite")[invites_before:]
    assert updates, "moving the meeting sends the series' update"
    for update in updates:
        ics = next(p for p in update.walk() if p.get_content_type() == "text/calendar")
        (event,) = icalendar.Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
        description = str(event["DESCRIPTION"])
        assert "Last time we agreed:" in description
        assert "Tom to send the draft referral letter" in description
        assert "Good conversation" not in description


async def test_dates_are_read_in_the_partnerships_zone(partnership: Partnership) -> None:
    partnership.config.write_text(partnership.config.read_text().replace(
        'timezone = "Europe/London"', 'timezone = "Pacific/Auckland"'))  # fmt: skip
    services = build_services(partnership.config)
    await services.tick(datetime(2027, 1, 5, 12, tzinfo=UTC))
    # 10:00-11:30 on 12 January in Auckland is 21:00-22:30 on the 11th in UTC
    await services.tick(datetime(2027, 1, 11, 23, 5, tzinfo=UTC))
    (request,) = sent_of(partnership.outbox, "notes_request")
    lines = ["Tom to send the room booking form tomorrow", "Dev to call the pharmacy in a week"]
    deliver(partnership.inbox, [outlook_reply(request, sender=PRIYA, lines=lines)], 1.8e9)
    await services.tick(datetime(2027, 1, 12, 1, tzinfo=UTC))
    dues = [i.due for i in ActionStore(Archive(partnership.database)).items()]
    assert dues == [date(2027, 1, 13), date(2027, 1, 19)]


async def test_an_owner_who_has_paused_is_not_asked_and_the_convenor_is_told(
    partnership: Partnership,
) -> None:
    services = build_services(partnership.config)
    await services.tick(datetime(2027, 1, 5, 12, tzinfo=UTC))
    await services.tick(datetime(2027, 1, 12, 12, 5, tzinfo=UTC))
    (request,) = sent_of(partnership.outbox, "notes_request")
    deliver(partnership.inbox, [outlook_reply(request, sender=PRIYA, lines=FIRST_NOTES)], 1.8e9)
    await services.tick(datetime(2027, 1, 12, 15, tzinfo=UTC))
    # Tom replies "pause" to his last question, before the follow-ups go
    last = sent_of(partnership.outbox, "prompt", "tom.okafor")[-1]
    deliver(partnership.inbox, [plain_reply(last, sender=TOM, body="pause")], 1.8e9 + 5)
    await services.tick(datetime(2027, 1, 20, 9, tzinfo=UTC))
    assert sent_of(partnership.outbox, "request_confirm", "tom.okafor")

    await services.tick(datetime(2027, 2, 16, 10, 5, tzinfo=UTC))
    assert not sent_of(partnership.outbox, "action_follow_up", "tom.okafor")
    assert sent_of(partnership.outbox, "action_follow_up", "aoife")  # the others are asked
    (skipped,) = sent_of(partnership.outbox, "action_skipped")
    told = text_of(skipped)
    assert "priya.shah" in str(skipped["To"]) and "Tom to send the draft referral letter" in told
    assert "has asked for a rest from our emails" in told
