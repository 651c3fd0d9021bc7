"""What the service knows about the member: closing names, learnt signatures, anonymity."""

from __future__ import annotations

import time

import pytest

from scheduler.replies import (
    Sender,
    learn_signatures,
    parse_reply,
    redact,
    sender_from_header,
    trim_reply,
)

JO = Sender(
    name="Joanna Kowalczyk",
    first_names=("Jo",),
    organisation="Dale Street Surgery",
    role="Social Prescriber",
    email="jo.k@dalestreet.example.nhs.uk",
)


def message(body: str, sender: str = "Joanna Kowalczyk <jo.k@dalestreet.example.nhs.uk>") -> bytes:
    return (
        f"From: {sender}\r\nTo: reflect+abc@reflect.example.org\r\nSubject: Re: Question 1\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
    ).encode()


@pytest.mark.parametrize(
    "closing", ["Jo", "Jo x", "JK", "J x", "Joanna", "- Jo", "Joanna Kowalczyk"]
)
def test_a_bare_name_or_initials_closing_goes(closing: str) -> None:
    text = f"We should meet in the evenings sometimes.\n\n{closing}\n"
    assert trim_reply(text, sender=JO) == "We should meet in the evenings sometimes."


def test_a_name_that_is_someone_else_stays() -> None:
    text = "Who should we ask next?\n\nPriya\n"
    assert trim_reply(text, sender=JO) == text.strip()


def test_organisation_and_role_lines_from_the_membership_go() -> None:
    text = (
        "Evening sessions would help.\n\nJoanna Kowalczyk\nSocial Prescriber\n"
        "Dale Street Surgery\nWorking days: Mon, Tue, Thu\n"
    )
    assert trim_reply(text, sender=JO) == "Evening sessions would help."


def test_sender_from_header_reads_surname_first_and_drops_the_organisation() -> None:
    who = sender_from_header('"Okafor, Tom (City Council)" <tom.okafor@council.example.gov.uk>')
    assert who is not None
    assert who.name == "Tom Okafor"
    assert who.all_initials()[0] == "TO"
    bare = sender_from_header("aoife.obrien@pcc.example.nhs.uk")
    assert bare is not None and bare.name == "Aoife Obrien"


def test_the_from_header_name_is_used_when_no_sender_is_given() -> None:
    reply = parse_reply(message("Residents first, then the boards.\n\nJoanna\n"))
    assert reply.text == "Residents first, then the boards."


SIGNATURE = "Jo Kowalczyk | Dale Street Surgery\nSocial prescribing team\nIn on Mon, Tue and Thu"


def test_a_signature_is_learnt_from_two_messages_and_cut_from_the_next() -> None:
    earlier = [
        f"Thanks for the notes.\n\n{SIGNATURE}\n",
        f"See you on Tuesday.\n\n{SIGNATURE}\n\nOn Tue, 2 Mar 2027, Reflect wrote:\n> old\n",
        "A message with no signature at all.\n",
    ]
    learnt = learn_signatures(earlier)
    assert learnt == (
        "Jo Kowalczyk | Dale Street Surgery\nSocial prescribing team\nIn on Mon, Tue and Thu",
    )
    body = "The purpose is to share the risk.\n\nJo Kowalczyk | Dale Street Surgery\nSocial prescribing team\nIn on Mon, Tue and Thu\n"
    other = Sender(name="Someone Else")
    assert parse_reply(message(body), sender=other).text.endswith("Mon, Tue and Thu")
    assert (
        parse_reply(message(body), sender=other, known_signatures=learnt).text
        == "The purpose is to share the risk."
    )


def test_one_shared_sentence_is_not_a_signature() -> None:
    texts = [
        "First answer.\n\nI think this matters more than anything else we have discussed this year.\n",
        "Second answer.\n\nI think this matters more than anything else we have discussed this year.\n",
    ]
    assert learn_signatures(texts) == ()


def test_an_identical_message_twice_teaches_nothing() -> None:
    assert learn_signatures(["Same words.\nJo", "Same words.\nJo"]) == ()


def test_redact_removes_names_initials_addresses_and_phones() -> None:
    text = (
        "As Jo said to me (jo.k@dalestreet.example.nhs.uk, 07700 900 123), JK and Joanna "
        "Kowalczyk's team will lead. Ring +44 1632 960 000.\nJo x"
    )
    assert redact(text, JO) == (
        "As [name] said to me ([email], [phone]), [name] and [name]'s team will lead. "
        "Ring [phone].\n[name] x"
    )


def test_redact_keeps_everyday_words_that_are_also_names() -> None:
    will = Sender(name="Will Hope")
    assert redact("I will hope so, said Will Hope.", will) == "I will hope so, said [name]."


def test_redact_keeps_numbers_that_are_not_phones() -> None:
    assert (
        redact("412 tenancies, 61% of them, in 2027/28.", JO)
        == "412 tenancies, 61% of them, in 2027/28."
    )


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 1_000_000,
        "a@" * 500_000,
        "0 " * 500_000,
        "Jo" * 500_000,
        "x." * 500_000,
        "@" * 1_000_000,
    ],
)
def test_redact_is_linear_on_a_million_characters(hostile: str) -> None:
    started = time.perf_counter()
    redact(hostile, JO)
    assert time.perf_counter() - started < 3.0


@pytest.mark.parametrize(
    "last_paragraph",
    [
        "As a registered charity we can't hold the budget, but we can hold the relationships.",
        "I work part-time at the pantry and full-time at the school gate, so I hear both sides of every story.",
        "The council does not accept that the data is wrong, and neither do I, but we should check it together.",
        "We're proud to be a small charity, and we pay the living wage, which matters to the families we serve.",
    ],
)
def test_an_answer_that_uses_footer_words_keeps_them(last_paragraph: str) -> None:
    text = f"First thought: evenings.\n\n{last_paragraph}\n\nJo\n"
    assert trim_reply(text, sender=JO) == f"First thought: evenings.\n\n{last_paragraph}"


def test_a_working_hours_note_in_the_signature_goes() -> None:
    text = (
        "First thought: evenings.\n\nJoanna Kowalczyk\nMobile: 07700 900 123\n"
        "I work Monday to Wednesday, so I may reply to emails on those days only.\n"
    )
    assert trim_reply(text, sender=JO) == "First thought: evenings."


def test_a_first_line_adverb_is_not_a_greeting() -> None:
    text = "Firstly,\n\nwe need evening meetings.\n\nJo\n"
    assert trim_reply(text, sender=JO) == "Firstly,\n\nwe need evening meetings."
