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
message. A quarantine notice's reply address carries one more purpose's token
(``reflect+convenor-<token>@domain``): the convenor's commands by reply (``accept 3``)
are obeyed only when sent to it. A token of one purpose never verifies as another.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import os
import re
import secrets
import shlex
import stat
from collections.abc import Mapping
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
CONVENOR_COMMAND = b"reflect-convenor-command-v1:"  # a quarantine notice's reply address
BOUNCE_PREFIX = "bounce-"  # a return address's token follows this in the local part
COMMAND_PREFIX = "convenor-"  # and a convenor command token this
# a reply about what a meeting agreed (a note-taker's notes, an owner's "done"): its own
# label, behind its own prefix, so that it can never stand for an answer to a question
AGREED = b"reflect-agreed-v1:"
AGREED_PREFIX = "agreed-"


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


def command_address(key: str, secret: bytes, reply_to: str) -> str:
    """The reply address of the convenor's notice with this outbox key: a command sent to
    it (``accept 3``) proves it answers that notice; from the convenor, it is obeyed."""
    token = sign_token(token_id_for(key), secret, CONVENOR_COMMAND)
    return reply_to.replace("{token}", COMMAND_PREFIX + token)


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


KEY_MIN_BYTES = 32
KEY_MIN_DISTINCT = 8
KEY_RULE = (
    f"at least {KEY_MIN_BYTES} bytes long, using at least {KEY_MIN_DISTINCT} different characters"
)
_MAKE_KEY = 'python3 -c "import secrets; print(secrets.token_hex(32))"'


def load_secret(*, env_name: str, key_file: Path, environ: Mapping[str, str]) -> bytes:
    """The token key: from the named environment variable, else a 0600 key file made once.

    A weak key, a key file others may read, or one that is a symbolic link (even
    one pointing nowhere) is refused with a ``ReflectError`` saying how to fix it;
    a new key file is made only where nothing at all is in its place.
    """
    value = environ.get(env_name, "")
    if value:
        weak = _weakness(value.encode())
        if weak:
            raise ReflectError(_weak_env_message(env_name, weak))
        return value.encode()
    found = _read_key_file(key_file)
    if found is not None:
        return found
    return _make_key_file(key_file)


def secret_problem(*, env_name: str, key_file: Path, environ: Mapping[str, str]) -> str | None:
    """What would stop ``load_secret``, said for ``reflect check``; creates nothing."""
    value = environ.get(env_name, "")
    if value:
        weak = _weakness(value.encode())
        return _weak_env_message(env_name, weak) if weak else None
    try:
        _read_key_file(key_file)
    except ReflectError as exc:
        return str(exc)
    return None


def _weakness(key: bytes) -> str:
    """Why this key is too weak (empty when it is not): the rule is ``KEY_RULE``."""
    distinct = len(set(key))
    if len(key) >= KEY_MIN_BYTES and distinct >= KEY_MIN_DISTINCT:
        return ""
    return f"it is {len(key)} bytes long with {distinct} different character(s)"


def _weak_env_message(env_name: str, weak: str) -> str:
    return (
        f"{env_name} is too weak to sign reply tokens: {weak}; a key must be {KEY_RULE}. "
        f"Set it to a random value, e.g. from: {_MAKE_KEY}"
    )


def _read_key_file(key_file: Path) -> bytes | None:
    """The key in ``key_file``; ``None`` only when nothing at all (not even a link) is there."""
    shown = shlex.quote(str(key_file))
    try:
        link = os.lstat(key_file)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReflectError(
            f"{key_file}: cannot look at the token key file ({exc.strerror})."
        ) from None
    if stat.S_ISLNK(link.st_mode):
        raise ReflectError(_link_message(key_file))
    try:  # no following a link swapped in since the look; no waiting on a pipe
        fd = os.open(key_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReflectError(_link_message(key_file)) from None
        raise ReflectError(
            f"{key_file}: cannot read the token key file ({exc.strerror})."
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ReflectError(
                f"{key_file} is not a plain file; the token key must be a file of its own. "
                f"Move whatever is there aside, and put the key file back (mode 600)."
            )
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise ReflectError(
                f"{key_file} can be read by other users (mode {mode:03o}), and anyone who reads "
                f"it can answer for any member; run: chmod 600 {shown}"
            )
        data = handle.read().strip()
    weak = _weakness(data)
    if weak:
        raise ReflectError(
            f"{key_file} is too weak to sign reply tokens: {weak}; a key must be {KEY_RULE}. "
            f"Delete it (rm {shown}) and a new one is made at the next tick; replies to emails "
            "signed with the old key are then quarantined, not lost."
        )
    return data


def _link_message(key_file: Path) -> str:
    target = os.readlink(key_file)
    shown = shlex.quote(str(key_file))
    if not (key_file.parent / target).exists():
        return (
            f"{key_file} is a symbolic link to {target}, which does not exist. No new key is "
            "made in its place: every reply token already sent would stop verifying. Put the "
            f"key back as a plain file: rm {shown} && cp THE-KEY-FILE {shown} && "
            f"chmod 600 {shown}. Only if the key is lost for good, remove the link (rm {shown}); "
            "a new key is then made, and replies to earlier emails are quarantined."
        )
    return (
        f"{key_file} is a symbolic link (to {target}); the token key is read only from a plain "
        "file, so that nobody can swap the key by changing the link. Replace the link with a "
        f"copy: rm {shown} && cp {shlex.quote(target)} {shown} && chmod 600 {shown}"
    )


def _make_key_file(key_file: Path) -> bytes:
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:  # O_EXCL|O_NOFOLLOW: never through a link, never over a file made meanwhile
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        found = _read_key_file(key_file)  # another process made it first: use theirs
        if found is None:
            raise ReflectError(
                f"{key_file}: the token key file came and went; try again."
            ) from None
        return found
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)  # whatever the umask
        handle.write(key + "\n")
    return key.encode()
