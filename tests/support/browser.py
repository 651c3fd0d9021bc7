"""Headless Chromium as a phone: how wide and tall a page lays out at 375 pixels.

The page is put in a 375-pixel ``srcdoc`` iframe (headless Chromium will not make a
window narrower than 500 pixels, and a ``srcdoc`` frame is the parent's own origin,
so its layout can be read); a script writes the frame's scroll width, client width
and height into the page, which ``--dump-dom`` prints. See ../shared/recipes/
browser-screenshots.md for the flags.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

PHONE_WIDTH = 375
PHONE_HEIGHT = 667  # an iPhone SE's screen: what "one screen" means in docs/email-budget.md


@dataclass(frozen=True)
class Layout:
    scroll_width: int
    client_width: int
    height: int

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.client_width

    @property
    def screens(self) -> float:
        return self.height / PHONE_HEIGHT


def chromium_or_skip() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return found


def phone_layout(
    page: str, work: Path, *, open_details: bool = False, chromium: str = ""
) -> Layout:
    """How ``page`` (a whole HTML document) lays out 375 pixels wide."""
    chromium = chromium or chromium_or_skip()
    work.mkdir(parents=True, exist_ok=True)
    opening = (
        'f.contentDocument.querySelectorAll("details").forEach(function(d){d.open=true;});'
        if open_details
        else ""
    )
    wrapper = (
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="f" style="width:{PHONE_WIDTH}px;height:{PHONE_HEIGHT}px;border:0" '
        f'srcdoc="{html.escape(page, quote=True)}"></iframe><script>'
        'window.onload=function(){var f=document.getElementById("f");'
        + opening
        + "var d=f.contentDocument.documentElement;"
        'document.body.insertAdjacentHTML("beforeend","<pre id=measure>"+d.scrollWidth+" "'
        '+d.clientWidth+" "+d.scrollHeight+"</pre>");};</script></body></html>'
    )
    file = work / "phone.html"
    file.write_text(wrapper, encoding="utf-8")
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={work / 'profile'}", "--window-size=600,900",
         "--virtual-time-budget=3000", "--dump-dom", file.as_uri()],
        capture_output=True, timeout=120, check=False, text=True,
    )  # fmt: skip
    found = re.search(r'id="measure">(\d+) (\d+) (\d+)<', done.stdout)
    if found is None:
        raise AssertionError(f"chromium measured nothing: {done.stderr[-2000:]}")
    width, client, height = map(int, found.groups())
    return Layout(width, client, height)
