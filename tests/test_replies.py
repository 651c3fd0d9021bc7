"""parse_reply on composed reply emails: what the convenor would see."""

from __future__ import annotations

from datetime import UTC, datetime
from email.header import Header
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.replies import ParsedReply, ReplyKind, parse_reply, trim_reply

DATA = Path(__file__).resolve().parent / "data" / "replies"

PROMPT = """## Please reply above this line ##

How is work shared?

Points to consider:
- Who does the work between meetings?
- Who decides what gets funded?

Simply reply to this email.
"""


def read(name: str, prompt_text: str | None = None) -> ParsedReply:
    return parse_reply((DATA / name).read_bytes(), prompt_text=prompt_text)


def plain(
    body: str,
    *,
    headers: str = "",
    charset: str = "utf-8",
    subject: str = "Re: How is work shared?",
) -> bytes:
    head = (
        "From: Member <member@example.org>\r\n"
        "To: reflect+tok@reflect.example.org\r\n"
        f"Subject: {Header(subject, 'utf-8').encode()}\r\n"
        f"{headers}"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode("ascii") + body.encode(charset)


# --- answers from composed client emails ---------------------------------------------

ANSWERS = {
    "gmail_en_reply.eml": (
        "Honestly? Young carers are missing. We talk about them at every meeting but\n"
        "none of them (or the groups that support them) are in the room.\n\n"
        "Maybe we could invite the carers' centre — see https://carers.example.org/young 🙂"
    ),
    "gmail_cy_wrapped_attribution.eml": (
        "I mi, mae'r bartneriaeth yn bodoli i leihau anghydraddoldebau iechyd yn y\n"
        "gymdogaeth – gyda'r gymuned, nid iddi."
    ),
    "outlook_desktop_banner_disclaimer.eml": (
        "Answering on Dev’s behalf as he is on leave: the council is at the table, but "
        "housing is not. Contact for housing: j.bloggs@housing.example.gov.uk, 01922 650 000.\n"
        "\n  1. Housing options team\n  2. Tenancy sustainment"
    ),
    "outlook_web_underscore.eml": "That we move faster when the small groups set the agenda.",
    "outlook_ios.eml": "Mostly by whoever shouts first. We should rotate the chair.",
    "apple_iphone_de.eml": "Wir lernen, dass Vertrauen Zeit braucht – und Kaffee.",
    "thunderbird_fr_sigdash.eml": (
        "Il manque les pharmacies de quartier.\n-- voir aussi le compte rendu de décembre."
    ),
    "yahoo_es_indented.eml": (
        "Repartimos el trabajo por sectores, pero las decisiones siguen en el hospital."
    ),
    "gmail_html_only.eml": (
        "Success & what it looks like:\n- Fewer A&E visits\n- Residents chairing meetings\n"
        '1. First step\n2. Second step\n\nPrices < £5 – "free" 🎉'
    ),
    "gmail_inline_quoted.eml": (
        "The two of us in the VCSE, mostly.\nSometimes the GP practice.\n\n"
        "Nobody is sure - that is the problem."
    ),
    "gt_content_and_sigdash.eml": (
        "From our survey:\n\n> 50% of members said meetings are too long.\n"
        "> 20% said they never get to speak.\n\n--and the rest did not answer."
    ),
    "latin1_cp1252_quotes.eml": (
        "Our purpose is “health for all” – a £5 bus fare shouldn’t stop anyone."
    ),
    "unknown_charset.eml": "Café conversations are where the real work happens.",
    "apple_split_text_parts.eml": (
        "Here is the photo from the community lunch:\n\n"
        "We learnt that food brings people who never come to meetings."
    ),
    "outlook_original_message_es.eml": "Faltan las asociaciones de vecinos.",
    "marker_unquoted_copy.eml": "Fairly, now that the rota exists.",
}


@pytest.mark.parametrize(("name", "expected"), sorted(ANSWERS.items()))
def test_answer_is_the_members_own_words(name: str, expected: str) -> None:
    reply = read(name)
    assert reply.kind is ReplyKind.ANSWER, reply.reason
    assert reply.text == expected


def test_outlook_inline_answers_between_unquoted_prompt_lines() -> None:
    reply = read("outlook_inline_unquoted.eml", prompt_text=PROMPT)
    assert reply.text == (
        "Answers inline below.\n\nMostly the council's officers.\n\n"
        "The ICB, in practice.\nWe would like that to change."
    )


def test_outlook_inline_without_prompt_keeps_only_the_top() -> None:
    assert read("outlook_inline_unquoted.eml").text == "Answers inline below."


def test_outlook_suppress_header_alone_is_not_an_auto_reply() -> None:
    reply = read("outlook_desktop_banner_disclaimer.eml")
    assert reply.kind is ReplyKind.ANSWER
    assert "CAUTION" not in reply.text
    assert "cid:" not in reply.text
    assert "confidential" not in reply.text
    assert "Kind regards" not in reply.text


def test_html_only_reason_says_where_the_text_came_from() -> None:
    assert "HTML" in read("gmail_html_only.eml").reason


def test_unknown_charset_is_reported_as_a_defect() -> None:
    assert any("x-mac-klingon" in d for d in read("unknown_charset.eml").defects)


# --- auto-replies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("auto_outlook_oof.eml", "Auto-Submitted: auto-generated"),
        ("auto_gmail_vacation.eml", "Auto-Submitted: auto-replied"),
        ("auto_exchange_de_subject_only.eml", "Abwesenheitsnotiz"),
        ("auto_cy_subject.eml", "Ateb awtomatig"),
    ],
)
def test_auto_replies(name: str, words: str) -> None:
    reply = read(name)
    assert reply.kind is ReplyKind.AUTO_REPLY
    assert reply.text == ""
    assert words in reply.reason


@pytest.mark.parametrize(
    "header",
    [
        "X-Autoreply: yes\r\n",
        "X-Autorespond: Thank you\r\n",
        "Precedence: auto_reply\r\n",
        "X-Precedence: junk\r\n",
    ],
)
def test_auto_reply_headers(header: str) -> None:
    assert parse_reply(plain("I am away.\n", headers=header)).kind is ReplyKind.AUTO_REPLY


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: x",
        "Out of Office: x",
        "Réponse automatique : x",
        "Respuesta automática: x",
    ],
)
def test_auto_reply_subjects(subject: str) -> None:
    assert parse_reply(plain("Away.\n", subject=subject)).kind is ReplyKind.AUTO_REPLY


def test_auto_submitted_no_is_a_person() -> None:
    reply = parse_reply(plain("We share it well.\n", headers="Auto-Submitted: no\r\n"))
    assert reply.kind is ReplyKind.ANSWER


# --- bounces -------------------------------------------------------------------------


def test_rfc3464_bounce() -> None:
    reply = read("bounce_rfc3464.eml")
    assert reply.kind is ReplyKind.BOUNCE
    assert reply.bounce is not None
    assert reply.bounce.recipients == ("old.member@trust.example.nhs.uk",)
    assert reply.bounce.status == "5.1.1"
    assert reply.bounce.permanent
    assert "User unknown" in (reply.bounce.diagnostic or "")


def test_delayed_dsn_is_not_permanent() -> None:
    reply = read("bounce_delayed.eml")
    assert reply.kind is ReplyKind.BOUNCE
    assert reply.bounce is not None
    assert reply.bounce.status == "4.4.7"
    assert not reply.bounce.permanent
    assert "delay" in reply.reason


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("bounce_exim.eml", "dev.patel@surgery.example.co.uk"),
        ("bounce_qmail.eml", "kwame.asante@oldpractice.example.org"),
    ],
)
def test_non_standard_bounces(name: str, address: str) -> None:
    reply = read(name)
    assert reply.kind is ReplyKind.BOUNCE
    assert reply.bounce is not None
    assert reply.bounce.recipients == (address,)
    assert reply.bounce.permanent


# --- RSVPs ---------------------------------------------------------------------------


def test_outlook_accept_without_organizer() -> None:
    reply = read("rsvp_outlook_accept.eml")
    assert reply.kind is ReplyKind.RSVP
    (rsvp,) = reply.rsvps
    assert rsvp.attendee == "tom.okafor@council.example.gov.uk"
    assert rsvp.partstat == "ACCEPTED"
    assert rsvp.uid == "reflection-7f3a@willenhall.reflect.example.org"
    assert rsvp.recurrence_id is None
    assert rsvp.comment == "See you there."


def test_google_decline_of_one_occurrence() -> None:
    reply = read("rsvp_google_decline_occurrence.eml")
    (rsvp,) = reply.rsvps
    assert rsvp.partstat == "DECLINED"
    assert rsvp.sequence == 1
    assert rsvp.recurrence_id == datetime(2027, 2, 9, 10, tzinfo=ZoneInfo("Europe/London"))
    assert rsvp.recurrence_id.astimezone(UTC).hour == 10
    assert rsvp.comment == "Clinic that morning, sorry"


def test_apple_reply_as_attachment() -> None:
    reply = read("rsvp_apple_tentative_attachment.eml")
    assert reply.kind is ReplyKind.RSVP
    assert [(r.attendee, r.partstat, r.sequence) for r in reply.rsvps] == [
        ("jonas.weber@verein.example.de", "TENTATIVE", 2)
    ]


# --- trimming rules on bodies --------------------------------------------------------

TRIM_CASES = {
    "greeting and sign-off with name": (
        "Hi Aisha,\n\nWe meet monthly.\n\nCheers, Kwame\n",
        "We meet monthly.",
    ),
    "welsh greeting and sign-off": (
        "Bore da,\n\nMae'n gweithio.\n\nDiolch,\nSiân\n",
        "Mae'n gweithio.",
    ),
    "dear all": ("Dear all,\nIt works.\n\nKind regards,\nT. O.\n", "It works."),
    "greeting with content on the line is kept": (
        "Hi Aisha, the rota works.\n",
        "Hi Aisha, the rota works.",
    ),
    "exact sig delimiter ends the answer": ("Yes.\n-- \nRuth\nSecond line\n", "Yes."),
    "dashes with words are content": ("Yes.\n-- more to follow\n", "Yes.\n-- more to follow"),
    "bare dashes before name lines": ("Yes.\n--\nRuth Evans\nHead of Partnerships\n", "Yes."),
    "sent from my iphone": ("Agreed.\n\nSent from my iPhone\n", "Agreed."),
    "anfonwyd o fy iphone": ("Cytuno.\n\nAnfonwyd o fy iPhone\n", "Cytuno."),
    "envoye de mon iphone": ("D'accord.\n\nEnvoyé de mon iPhone\n", "D'accord."),
    "enviado desde mi iphone": ("Vale.\n\nEnviado desde mi iPhone\n", "Vale."),
    "get outlook for android": ("OK.\n\nGet Outlook for Android<https://aka.ms/ghei36>\n", "OK."),
    "external tag": ("[EXTERNAL] We agree.\n", "We agree."),
    "virus footer": (
        "Fine.\n\nThis email has been checked for viruses by Avast antivirus software.\n"
        "www.avast.com\n",
        "Fine.",
    ),
    "welsh disclaimer": (
        "Iawn.\n\nMae'r neges hon yn gyfrinachol ac wedi ei fwriadu ar gyfer y derbynnydd yn unig. "
        "Os ydych wedi derbyn y neges hon trwy gamgymeriad, rhowch wybod i'r anfonwr.\n",
        "Iawn.",
    ),
    "cid placeholder": (
        "Photo attached.\n[cid:image001.png@01DB5F3A.9C2E4B10]\n",
        "Photo attached.",
    ),
    "typed list and indentation kept": (
        "Three things:\n  * trust\n  * time\n      - and tea\n",
        "Three things:\n  * trust\n  * time\n      - and tea",
    ),
    "trailing spaces and CRLF normalised": (
        "Line one.  \r\nLine two.\t\r\n\r\n",
        "Line one.\nLine two.",
    ),
    "only thanks is kept": ("Thanks!\n", "Thanks!"),
    "greater-than content then attribution": (
        "> 50% said yes\nso we carry on.\n\n"
        "On 5 Jan 2027, at 09:00, Reflect <r@x.org> wrote:\n> q\n",
        "> 50% said yes\nso we carry on.",
    ),
    "quote running to the end is the original": (
        "My view.\n\n> the question\n> more\n",
        "My view.",
    ),
    "german attribution": (
        "Passt.\n\nAm Di., 5. Jan. 2027 um 09:00 Uhr schrieb Reflect <r@x.org>:\n> Frage\n",
        "Passt.",
    ),
    "spanish attribution": (
        "Bien.\n\nEl mar, 5 ene 2027 a las 9:00, Reflect (<r@x.org>) escribió:\n> pregunta\n",
        "Bien.",
    ),
    "french attribution wrapped": (
        "Oui.\n\nLe mar. 5 janv. 2027 à 09:00, Reflect <\nr@x.org> a écrit :\n> question\n",
        "Oui.",
    ),
    "forwarded block": (
        "See below.\n\n---------- Forwarded message ---------\n"
        "From: A <a@x.org>\nDate: Tue\n\nold\n",
        "See below.",
    ),
    "german outlook header": (
        "Gut.\n\nVon: Reflect <r@x.org>\nGesendet: Dienstag, 5. Januar 2027 09:00\nAn: Jonas\n"
        "Betreff: Frage\n\nFrage\n",
        "Gut.",
    ),
    "quoted marker cuts": ("Mine.\n\n> ## Please reply above this line ##\n> q\n", "Mine."),
    "meta sentence kept": (
        'Answering on Dev\'s behalf: "we" means the practice.\n',
        'Answering on Dev\'s behalf: "we" means the practice.',
    ),
}


@pytest.mark.parametrize(("body", "expected"), TRIM_CASES.values(), ids=list(TRIM_CASES))
def test_trimming_rules(body: str, expected: str) -> None:
    reply = parse_reply(plain(body))
    assert reply.kind is ReplyKind.ANSWER, reply.reason
    assert reply.text == expected


def test_quote_matching_prompt_is_dropped_even_mid_message() -> None:
    body = "Yes.\n\n> How is work shared?\n> Who decides what gets funded?\n\nThat's all.\n"
    assert trim_reply(body, PROMPT) == "Yes.\n\nThat's all."
    assert trim_reply(body) == (
        "Yes.\n\n> How is work shared?\n> Who decides what gets funded?\n\nThat's all."
    )


def test_nothing_but_quote_is_empty() -> None:
    raw = plain(
        "On Tue, 5 Jan 2027 at 09:00, Reflect <r@x.org> wrote:\n> q\n\nSent from my iPhone\n"
    )
    reply = parse_reply(raw)
    assert reply.kind is ReplyKind.EMPTY
    assert reply.text == ""
    assert "nothing" in reply.reason


def test_no_body_at_all_is_empty() -> None:
    raw = (
        b"From: a@b.org\r\nContent-Type: image/png\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBO\r\n"
    )
    reply = parse_reply(raw)
    assert reply.kind is ReplyKind.EMPTY
    assert "no text" in reply.reason


def test_base64_windows_1252_body() -> None:
    raw = (
        b"From: a@b.org\r\nContent-Type: text/plain; charset=windows-1252\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"V2UgbmVlZCCTc3BhY2WUIJYgbm90IG1lZXRpbmdzLg==\r\n"
    )
    assert parse_reply(raw).text == "We need “space” – not meetings."


def test_a_typed_list_keeps_its_last_item_even_when_it_looks_like_a_dash_name() -> None:
    body = "We are missing people.\n- Ask the youth club\n- Invite Willenhall Homes\n\n-- \nKwame\n"
    assert (
        trim_reply(body)
        == "We are missing people.\n- Ask the youth club\n- Invite Willenhall Homes"
    )
    assert trim_reply("I agree with the plan.\n- Tom") == "I agree with the plan."


@pytest.mark.parametrize(
    "words", ["Done Monday", "Done - sent on Monday", "Not Yet", "Food Bank Lead"]
)
def test_a_short_capitalised_reply_is_the_answer_not_a_signature(words: str) -> None:
    # Title-like lines look like a signature, but with nothing above them they are the
    # member's whole reply: "Done Monday" to a follow-up was read as empty.
    raw = (
        "From: Tom Okafor <tom.okafor@council.example.gov.uk>\r\n"
        "To: reflect@reflect.example.org\r\nSubject: Re: What you said you would do\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{words}\r\n\r\nOn Mon, 1 Mar 2027, Willenhall Together wrote:\r\n"
        "> You said you would share the referral data.\r\n"
    ).encode()
    parsed = parse_reply(raw)
    assert (parsed.kind, parsed.text) == (ReplyKind.ANSWER, words)
