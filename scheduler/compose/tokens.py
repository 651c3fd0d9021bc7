"""Signed tokens: reply tokens, Message-IDs and return (bounce) addresses.

A prompt's Reply-To carries ``reflect+<token>@domain``. The token is the
prompt's 10-byte id and a 10-byte HMAC-SHA256 of it, in lower-case base32 (32
characters, safe in a local part even where a server folds case). Forging one
needs the key; a tampered token fails verification.

The same shape, signed for another purpose, makes the local part of every
Message-ID we write (so a reply matched by its thread is as proved as one
matched by its token) and of every message's return address
(``reflect+bounce-<token>@domain``, the envelope sender), so that a delivery
report is believed only when it comes back to the address we gave that one
message. A token of one purpose never verifies as another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path

from scheduler.errors import ReflectError, TokenError

ID_BYTES = 10
SIG_BYTES = 10
TOKEN_LENGTH = 32
_TOKEN_RE = re.compile(r"^[a-z2-7]{32}$")


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _unb32(text: str) -> bytes:
    return base64.b32decode(text.upper() + "=" * (-len(text) % 8))


def token_id_for(key: str) -> str:
    """The short public id of an outbox key (what a token carries)."""
    return _b32(hashlib.sha256(key.encode()).digest()[:ID_BYTES])


# What a token is for: each is signed under its own label, so none stands for another.
REPLY = b"reflect-reply-v1:"
MESSAGE_ID = b"reflect-message-id-v1:"
RETURN_PATH = b"reflect-return-v1:"
BOUNCE_PREFIX = "bounce-"  # a return address's token follows this in the local part


def sign_token(token_id: str, secret: bytes, purpose: bytes = REPLY) -> str:
    raw = _unb32(token_id)
    if len(raw) != ID_BYTES:
        raise TokenError("a token id is 16 base32 characters")
    mac = hmac.new(secret, purpose + raw, hashlib.sha256).digest()[:SIG_BYTES]
    return token_id + _b32(mac)


def verify_token(token: str, secret: bytes, purpose: bytes = REPLY) -> str:
    """The token id if the signature is ours (for this purpose), else ``TokenError``."""
    token = token.strip().lower()
    if not _TOKEN_RE.match(token):
        raise TokenError("not a reply token")
    token_id = token[:16]
    expected = sign_token(token_id, secret, purpose)
    if not hmac.compare_digest(expected, token):
        raise TokenError("the token's signature does not match")
    return token_id


def keyed_message_id(key: str, secret: bytes, domain: str) -> str:
    """The Message-ID of the message with this outbox key: nobody without the key can make it."""
    return f"<{sign_token(token_id_for(key), secret, MESSAGE_ID)}@{domain}>"


_MESSAGE_ID_LOCAL = re.compile(r"^<([A-Za-z2-7]{32})@[^<>@\s]+>$")


def verify_message_id(message_id: str, secret: bytes) -> bool:
    """True when this Message-ID is one we made with this key (an old unkeyed one is not)."""
    found = _MESSAGE_ID_LOCAL.match(message_id.strip())
    if found is None:
        return False
    try:
        verify_token(found.group(1), secret, MESSAGE_ID)
    except TokenError:
        return False
    return True


def return_address(key: str, secret: bytes, reply_to: str) -> str:
    """The envelope sender for one message: where its delivery reports come back, signed."""
    token = sign_token(token_id_for(key), secret, RETURN_PATH)
    return reply_to.replace("{token}", BOUNCE_PREFIX + token)


def message_id_for_return(token_id: str, secret: bytes) -> str:
    """The local part of the Message-ID of the message whose return address carries token_id."""
    return sign_token(token_id, secret, MESSAGE_ID)


def token_from_address(address: str, reply_to: str) -> str | None:
    """Pull the token out of an address shaped like the configured reply_to."""
    prefix, _, suffix = reply_to.lower().partition("{token}")
    address = address.strip().lower()
    if address.startswith(prefix) and address.endswith(suffix):
        middle = address[len(prefix) : len(address) - len(suffix)]
        return middle or None
    return None


def load_secret(*, env_name: str, key_file: Path, environ: dict[str, str]) -> bytes:
    """The token key: from the named environment variable, else a 0600 key file made once."""
    value = environ.get(env_name, "")
    if value:
        if len(value) < 16:
            raise ReflectError(
                f"{env_name} is set but shorter than 16 characters; use a long random value "
                '(e.g. python -c "import secrets; print(secrets.token_hex(32))").'
            )
        return value.encode()
    if key_file.exists():
        mode = stat.S_IMODE(key_file.stat().st_mode)
        if mode & 0o077:
            raise ReflectError(
                f"{key_file} can be read by other users (mode {mode:o}); run: chmod 600 {key_file}"
            )
        data = key_file.read_bytes().strip()
        if len(data) < 32:
            raise ReflectError(f"{key_file} is too short to be a key; delete it to make a new one.")
        return data
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return key_file.read_bytes().strip()
