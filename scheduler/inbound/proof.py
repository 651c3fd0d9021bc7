"""What in a message's headers proves it is about one message we sent.

A signed reply token (to our Reply-To) or return token (to a message's own
envelope sender) in a recipient header; failing both, a keyed Message-ID of
ours in In-Reply-To or References. A token that is present but does not verify
ends the search: it is the reason the message is held, never a cue to try the
thread instead. An unkeyed Message-ID, computed from public facts, proves
nothing. A keyed Message-ID of a message that asked nothing (a digest, an induction
pack) proves the reply saw it (``replied``); a quarantine notice's own reply address
proves a reply answers that notice (``command``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

from scheduler.archive.sent_store import MatchedPrompt, SentMessage, SentStore
from scheduler.compose.tokens import (
    BOUNCE_PREFIX,
    COMMAND_PREFIX,
    CONVENOR_COMMAND,
    RETURN_PATH,
    message_id_for_return,
    token_from_address,
    verify_message_id,
    verify_token,
)
from scheduler.errors import TokenError
from scheduler.replies.mime import header_value, header_values
from scheduler.safety import printable

RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")


@dataclass(frozen=True)
class Proof:
    """What the headers prove: the question answered, or the message returned, or why not."""

    prompt: MatchedPrompt | None = None
    returned: SentMessage | None = None  # the message whose own return address this came to
    conversation: SentMessage | None = None  # a conversation invitation this replies to
    replied: SentMessage | None = None  # ours, not a question, named by keyed Message-ID
    command: SentMessage | None = None  # the quarantine notice whose reply address it came to
    refused: str | None = None  # a token was there and failed: the reason to hold it
    why_none: str | None = None  # nothing proved, and what came closest


def find_proof(head: EmailMessage, sent: SentStore, *, secret: bytes, reply_to: str) -> Proof:
    """The proof in ``head``: a token in a recipient header first, then the thread."""
    why_none: str | None = None
    replied: SentMessage | None = None
    for header in RECIPIENT_HEADERS:
        for value in header_values(head, header):
            for _name, address in getaddresses([value]):
                token = token_from_address(address, reply_to)
                if token is None:
                    continue
                proof = _token_proof(token, printable(address, 120), sent, secret)
                if proof.why_none is None:
                    return proof
                why_none = proof.why_none  # a return address for nothing: look further
    references = " ".join(str(header_value(head, h) or "") for h in ("In-Reply-To", "References"))
    for ref in reversed(re.findall(r"<[^<>\s]{1,300}>", references)):
        if not verify_message_id(ref, secret):
            continue  # not ours, or an old unkeyed one: proves nothing
        found = sent.prompt_for_message_id(ref)
        if found is not None:
            return Proof(prompt=found)
        row = sent.sent_with_message_id(ref)
        if row is not None and row.kind == "conversation":
            return Proof(conversation=row, why_none="a reply to a conversation invitation")
        if row is not None and replied is None:  # the newest; a question further up wins
            replied = row
            why_none = f"a reply to our {row.kind.replace('_', ' ')} email, not to a question"
    return Proof(replied=replied, why_none=why_none)


def _token_proof(token: str, shown: str, sent: SentStore, secret: bytes) -> Proof:
    """What one token proves; ``why_none`` set means look at the next address."""
    if token.startswith(BOUNCE_PREFIX):
        try:
            token_id = verify_token(token[len(BOUNCE_PREFIX) :], secret, RETURN_PATH)
        except TokenError as exc:
            return Proof(refused=f"return address {shown} refused: {exc}")
        row = returned_message(token_id, sent, secret)
        if row is None:
            return Proof(why_none=f"return address {shown} is for no message we sent")
        return Proof(returned=row)
    if token.startswith(COMMAND_PREFIX):
        try:
            token_id = verify_token(token[len(COMMAND_PREFIX) :], secret, CONVENOR_COMMAND)
        except TokenError as exc:
            return Proof(refused=f"a command for the convenor's notice to {shown} refused: {exc}")
        row = returned_message(token_id, sent, secret)  # its Message-ID shares the token's id
        if row is None or row.kind != "quarantine_notice":
            return Proof(refused=f"{shown} is the reply address of no notice we sent")
        return Proof(command=row)
    try:
        token_id = verify_token(token, secret)
    except TokenError as exc:
        return Proof(refused=f"reply token in {shown} refused: {exc}")
    found = sent.prompt_for_token(token_id)
    if found is not None:
        return Proof(prompt=found)
    return Proof(refused=f"reply token in {shown} is for no question we sent")


def returned_message(token_id: str, sent: SentStore, secret: bytes) -> SentMessage | None:
    """The message whose return address carries ``token_id``.

    Its Message-ID is made from the same id: every "<local@any.domain>" starting
    "<local@" sorts in [start, end), "A" being the character after "@".
    """
    local = message_id_for_return(token_id, secret)
    return sent.sent_with_message_id_in(f"<{local}@", f"<{local}A")
