"""Real consumers of our calendar mail, for tests: vobject alone, Radicale, Sabre's iTIP broker.

- ``vobject_starts``: vobject in a fresh Python process (nothing else imported or
  registered, as in a server that has just started) expands a calendar.
- ``RadicaleServer``: a Radicale CalDAV server on 127.0.0.1 with a throwaway
  storage folder and no authentication; a fresh one per test, since vobject
  inside it keeps one zone per TZID for the life of the process.
- ``sabre_apply``: the calendar parts one member received, in order, applied by
  Sabre VObject's iTIP broker (what Nextcloud and Baikal run) through
  ``../shared/tools/sabre-vobject/apply.php``.

Each needs something outside Python's test extras (php-cli, radicale); ``require``
skips a test without it on a developer's machine and fails it in CI (``CI`` set).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from xml.etree import ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parents[2]
SABRE = Path(
    os.environ.get("SABRE_VOBJECT_DIR", ROOT.parent / "shared" / "tools" / "sabre-vobject")
)


def require(what: str, ok: bool, how: str) -> None:
    """Skip without ``what`` locally; in CI its absence is a failure, never a skip."""
    if ok:
        return
    message = f"{what} is needed for this test: {how}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_php() -> None:
    require("php-cli", shutil.which("php") is not None, "apt-get install -y php-cli")
    require(
        "Sabre VObject",
        (SABRE / "apply.php").is_file(),
        f"expected {SABRE}/apply.php (set SABRE_VOBJECT_DIR)",
    )


def require_radicale() -> None:
    try:
        import radicale  # noqa: F401
    except ImportError:
        require("radicale", False, "python3 -m pip install -e '.[test]'")


# ------------------------------------------------------------------ vobject, fresh

_VOBJECT_SCRIPT = """
import json, sys
from datetime import datetime, timezone
import vobject
text = sys.stdin.read()
end = datetime.fromisoformat(sys.argv[1])
found = []
for cal in vobject.readComponents(text):
    events = cal.vevent_list
    master = next(e for e in events if not hasattr(e, "recurrence_id"))
    moved = {e.recurrence_id.value: e for e in events if hasattr(e, "recurrence_id")}
    for start in master.getrruleset(addRDate=True):
        if start >= end:
            break
        event = moved.get(start, master)
        status = event.status.value if hasattr(event, "status") else ""
        when = event.dtstart.value if event is not master else start
        found.append([when.astimezone(timezone.utc).isoformat(), status])
print(json.dumps(found))
"""


def vobject_starts(ics: bytes, *, until: datetime) -> list[tuple[datetime, str]]:
    """(UTC start, STATUS) of each meeting before ``until``, as vobject alone expands it.

    Overrides (RECURRENCE-ID) replace the occurrence they name; EXDATEs drop it.
    """
    result = subprocess.run(
        [sys.executable, "-I", "-c", _VOBJECT_SCRIPT, until.astimezone(UTC).isoformat()],
        input=ics.decode("utf-8"),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [(datetime.fromisoformat(when), status) for when, status in json.loads(result.stdout)]


# ------------------------------------------------------------------ Radicale

_CAL = "{urn:ietf:params:xml:ns:caldav}"


class RadicaleServer:
    """``python -m radicale`` on 127.0.0.1 with its own storage folder; stopped on exit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def __enter__(self) -> RadicaleServer:
        require_radicale()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.folder.mkdir(parents=True, exist_ok=True)
        log = (self.folder / "radicale.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "radicale",
                "--server-hosts", f"127.0.0.1:{port}",
                "--storage-filesystem-folder", str(self.folder / "collections"),
                "--auth-type", "none",
                "--rights-type", "authenticated",
                "--logging-level", "warning",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 30
        while True:
            try:
                self._request("PROPFIND", "/", headers={"Depth": "0"})
                return self
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log_text = (self.folder / "radicale.log").read_text(errors="replace")
                    pytest.fail(f"Radicale did not start: {log_text[-2000:]}")
                time.sleep(0.1)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        request = urllib.request.Request(  # noqa: S310 - our own server on loopback
            self.url + path,
            data=body or None,
            method=method,
            headers={"Authorization": "Basic bWVtYmVyOng=", **(headers or {})},  # member:x
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as error:
            if error.code >= 500 or method == "PROPFIND":
                raise
            return error.code, error.read()

    def store(self, calendar: str, name: str, ics: bytes) -> None:
        """PUT one calendar object, as a member's calendar would store it (no METHOD)."""
        status, _ = self._request("MKCALENDAR", f"/member/{calendar}/")
        assert status in (201, 405, 409), status  # 405/409: it exists already
        stored = b"".join(
            line + b"\r\n"
            for line in ics.split(b"\r\n")
            if line and not line.startswith(b"METHOD:")
        )
        status, answer = self._request(
            "PUT", f"/member/{calendar}/{name}.ics", stored, {"Content-Type": "text/calendar"}
        )
        assert status in (201, 204), (status, answer)

    def expand(self, calendar: str, start: datetime, end: datetime) -> list[tuple[datetime, Any]]:
        """(UTC start, the expanded VEVENT) of every meeting from start to end, Radicale's view."""
        import vobject

        span = f'start="{_utc(start)}" end="{_utc(end)}"'
        query = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:prop><C:calendar-data><C:expand {span}/></C:calendar-data></D:prop>"
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f"<C:time-range {span}/></C:comp-filter></C:comp-filter></C:filter>"
            "</C:calendar-query>"
        ).encode()
        status, answer = self._request(
            "REPORT",
            f"/member/{calendar}/",
            query,
            {"Depth": "1", "Content-Type": "application/xml"},
        )
        assert status == 207, (status, answer)
        found = []
        tree = ET.fromstring(answer)  # noqa: S314 - our own server's answer
        for data in tree.iter(f"{_CAL}calendar-data"):
            for event in vobject.readOne(data.text or "").vevent_list:
                found.append((event.dtstart.value.astimezone(UTC), event))
        return sorted(found, key=lambda item: item[0])


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# ------------------------------------------------------------------ Sabre


def sabre_apply(member: str, calendars: Sequence[bytes], folder: Path) -> dict[str, Any]:
    """Sabre's broker applies a member's calendar parts in order; its JSON report.

    The report has ``steps`` (what the stored object held after each message),
    ``instances`` (the stored object's meetings in 2027, London and UTC times)
    and ``final_serialized`` (the stored object).
    """
    require_php()
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number, ics in enumerate(calendars, start=1):
        path = folder / f"{number:03d}.ics"
        path.write_bytes(ics)
        files.append(str(path))
    result = subprocess.run(
        ["php", str(SABRE / "apply.php"), member, *files],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report
