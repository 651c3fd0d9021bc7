"""A throwaway Dovecot IMAP server for the tests, as a session-scoped fixture.

Follows the shared recipe recipes/dovecot-for-tests.md (Dovecot 2.3): a fresh short
temporary directory, free ports on loopback, a static passdb so that any user
name logs in with the one password (each test uses its own mailbox), and TLS:
IMAPS on ``tls_port`` and STARTTLS on ``port``, with a self-signed certificate
that clients trust through ``cafile``.

The same plain port also answers on two more loopback addresses, so tests can
meet servers that lack a feature without a second Dovecot:

* ``plain_only_host`` (127.0.0.2): TLS switched off, so STARTTLS is not offered;
* ``no_move_host`` (127.0.0.3): no TLS, and MOVE is not advertised (UIDPLUS is).

Failed logins get no growing delay (anvil's auth penalty is off), so tests may
try wrong passwords freely.

Registered for the suite by ``tests/conftest.py``
(``from support.dovecot_server import dovecot``). Test modules should only import
``DovecotServer`` (for annotations): importing the fixture into a test module
as well would give that module a second server. Without Dovecot installed the
fixture skips, or fails when ``CI`` is set, since CI installs it.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PASSWORD = "testpw"
HOST = "127.0.0.1"
PLAIN_ONLY_HOST = "127.0.0.2"
NO_MOVE_HOST = "127.0.0.3"
INSTALL_HINT = "apt-get install dovecot-imapd"
SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")
MAX_TMP_LEN = 78  # longest unix socket is {tmp}/run/token-login/imap-urlauth (107 bytes max)
START_ATTEMPTS = 3
READY_SECONDS = 10.0

BASE_CONF = """\
# dovecot.conf - throwaway test server (Dovecot 2.3), written by tests/support/dovecot_server.py
protocols = imap
listen = 127.0.0.1
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log

ssl = required
ssl_cert = <{tmp}/tls/cert.pem
ssl_key = <{tmp}/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0  # a refused login answers at once (default 2 s)

service imap-login {
  inet_listener imap {
    address = 127.0.0.1 127.0.0.2 127.0.0.3
    port = {port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }
}

# 127.0.0.2: a server without TLS, so no STARTTLS in its capabilities.
local 127.0.0.2 {
  ssl = no
}

# 127.0.0.3: a server without TLS that does not advertise MOVE.
local 127.0.0.3 {
  ssl = no
  protocol imap {
    imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS
  }
}

# No growing delay after failed logins from 127.0.0.1 (tests try wrong passwords).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}

# Any user name logs in with the one password; its Maildir is made on first login.
passdb {
  driver = static
  args = password={password}
}
userdb {
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={tmp}/mail/%u
}
mail_location = maildir:~/Maildir
"""

NON_ROOT_CONF = """\
# not root: every process runs as the current user
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
service imap-login {
  chroot =
}
service anvil {
  chroot =
}
"""


@dataclass(frozen=True)
class DovecotServer:
    """A running test Dovecot: where it listens and how to log in.

    Any user name logs in with ``password``. In folder names given to the
    helpers, ``/`` stands for the server's hierarchy separator.
    """

    host: str
    port: int
    tls_port: int
    password: str
    cafile: Path
    tmp: Path
    log_path: Path
    plain_only_host: str = PLAIN_ONLY_HOST
    no_move_host: str = NO_MOVE_HOST

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Store ``raw`` in ``folder`` of ``user``'s mailbox, creating the folder."""
        with self._session(user) as imap:
            name = _quote(_server_name(imap, folder))
            if folder.upper() != "INBOX":
                imap.create(name)  # NO when it exists already: fine
            typ, data = imap.append(name, "", None, raw)
            if typ != "OK":
                raise AssertionError(f"APPEND to {folder} for {user} failed: {data!r}")

    def list_folder(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """The messages in ``folder`` (oldest first), or [] if it does not exist."""
        with self._session(user) as imap:
            typ, _ = imap.select(_quote(_server_name(imap, folder)), readonly=True)
            if typ != "OK":
                return []
            _, data = imap.uid("SEARCH", "ALL")
            uids = data[0].split() if data and data[0] else []
            messages: list[bytes] = []
            for uid in uids:
                _, fetched = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                messages.extend(
                    item[1]
                    for item in fetched
                    if isinstance(item, tuple) and isinstance(item[1], bytes)
                )
            return messages

    def folders(self, user: str) -> list[str]:
        """Every folder name of ``user``, as the server spells it."""
        with self._session(user) as imap:
            _, data = imap.list('""', "*")
            names: list[str] = []
            for line in data:
                if isinstance(line, bytes):
                    match = re.match(rb'\(.*?\) (?:"[^"]*"|NIL) "?(.*?)"?$', line)
                    if match:
                        names.append(match.group(1).decode())
            return names

    def recreate_folder(self, user: str, folder: str) -> None:
        """Delete ``folder`` and create it again: a new, empty one (new UIDVALIDITY)."""
        with self._session(user) as imap:
            name = _quote(_server_name(imap, folder))
            imap.delete(name)
            typ, data = imap.create(name)
            if typ != "OK":
                raise AssertionError(f"CREATE {folder} for {user} failed: {data!r}")

    def login_lines(self, user: str) -> list[str]:
        """The log's ``Login:`` lines for ``user`` (they say ``TLS`` when it was used)."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if f"Login: user=<{user}>" in line]

    def kick(self, user: str) -> None:
        """Drop every connection of ``user``, as a server restart or idle timeout would."""
        doveadm = shutil.which("doveadm", path=_search_path())
        if doveadm is None:
            raise AssertionError("doveadm not found")
        subprocess.run(
            [doveadm, "-c", str(self.tmp / "dovecot.conf"), "kick", user],
            check=True,
            capture_output=True,
            timeout=10,
        )

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @contextlib.contextmanager
    def _session(self, user: str) -> Iterator[imaplib.IMAP4]:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            imap.login(user, self.password)
            yield imap
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                imap.logout()


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _server_name(imap: imaplib.IMAP4, folder: str) -> str:
    _, data = imap.list('""', '""')
    match = re.search(rb'\) "(.)"', data[0]) if data and isinstance(data[0], bytes) else None
    separator = match.group(1).decode() if match else "/"
    return folder.replace("/", separator)


def _search_path() -> str:
    return os.pathsep.join([os.environ.get("PATH", ""), *SBIN_DIRS])


def _find_dovecot() -> str | None:
    return shutil.which("dovecot", path=_search_path())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _fill(template: str, values: dict[str, str]) -> str:
    # str.replace, not str.format: the config is full of { } blocks.
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def _make_cert(tmp: Path) -> Path:
    tls = tmp / "tls"
    tls.mkdir(mode=0o755)
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is not installed; the Dovecot fixture needs it for its certificate")
    # fmt: off
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(tls / "key.pem"), "-out", str(tls / "cert.pem"),
            "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True, capture_output=True, timeout=30,
    )
    # fmt: on
    return tls / "cert.pem"


def _read_greeting(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as sock:
            return sock.recv(200).startswith(b"* OK")
    except OSError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    # Children serving a still-open connection outlive the master: sweep the group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _start(
    dovecot: str, tmp: Path, values: dict[str, str], extra: str
) -> tuple[DovecotServer, subprocess.Popen[bytes]]:
    """Start Dovecot on fresh ports; retry when a port was taken meanwhile."""
    conf = tmp / "dovecot.conf"
    log = tmp / "dovecot.log"
    out = tmp / "dovecot.out"
    for attempt in range(1, START_ATTEMPTS + 1):
        port, tls_port = _free_port(), _free_port()
        while tls_port == port:
            tls_port = _free_port()
        conf.write_text(
            _fill(BASE_CONF, {**values, "port": str(port), "tls_port": str(tls_port)}) + extra,
            encoding="utf-8",
        )
        with out.open("wb") as out_file:
            proc = subprocess.Popen(
                [dovecot, "-F", "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=out_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline and proc.poll() is None:
            if _read_greeting(port):
                server = DovecotServer(
                    host=HOST,
                    port=port,
                    tls_port=tls_port,
                    password=PASSWORD,
                    cafile=tmp / "tls" / "cert.pem",
                    tmp=tmp,
                    log_path=log,
                )
                return server, proc
            time.sleep(0.01)
        _stop(proc)
        text = out.read_text(errors="replace")
        if log.exists():
            text += log.read_text(errors="replace")
        if "Address already in use" in text and attempt < START_ATTEMPTS:
            log.unlink(missing_ok=True)
            continue
        pytest.fail(f"Dovecot did not start (exit code {proc.returncode}); its output:\n{text}")
    raise AssertionError("unreachable")


def _prepare(tmp: Path) -> tuple[dict[str, str], str]:
    """Write the users' mail directory and certificate; return placeholders and extra config."""
    tmp.chmod(0o755)  # mkdtemp makes 0700; the dovecot and mail users must traverse it
    mail = tmp / "mail"
    mail.mkdir(mode=0o700)
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
        os.chown(mail, uid, gid)
        extra = ""
    else:
        uid, gid = os.getuid(), os.getgid()
        extra = _fill(
            NON_ROOT_CONF,
            {"user": pwd.getpwuid(uid).pw_name, "group": grp.getgrgid(gid).gr_name},
        )
    _make_cert(tmp)
    values = {
        "tmp": str(tmp),
        "mail_uid": str(uid),
        "mail_gid": str(gid),
        "password": PASSWORD,
    }
    return values, extra


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A real Dovecot on loopback for the whole session (plain, STARTTLS and IMAPS)."""
    binary = _find_dovecot()
    if binary is None:
        reason = f"Dovecot is not installed: run `{INSTALL_HINT}` (as .ci/run does)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(reason + "; CI must run the IMAP tests")
        pytest.skip(reason)
    tmp = Path(tempfile.mkdtemp(prefix="dc-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        if len(str(tmp)) > MAX_TMP_LEN:
            pytest.fail(
                f"temporary directory {tmp} is longer than {MAX_TMP_LEN} characters: "
                "Dovecot's sockets would not fit; set TMPDIR to a shorter path"
            )
        values, extra = _prepare(tmp)
        server, proc = _start(binary, tmp, values, extra)
        yield server
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
