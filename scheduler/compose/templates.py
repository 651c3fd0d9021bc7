"""The email templates: where they live, and rendering one family of them.

Jinja2 with ``StrictUndefined`` (a missing variable is an error, never an empty
string) and autoescaping for the HTML part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from scheduler.safety import clean_header_text


def templates_dir() -> Path:
    return Path(str(files("scheduler") / "templates" / "email"))


@cache
def environment(directory: str | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory or str(templates_dir())),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=False,
    )
    return env


def render_template(name: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) for one template family."""
    env = environment()
    subject = env.get_template(f"{name}.subject").render(context)
    text = env.get_template(f"{name}.txt").render(context)
    html = env.get_template(f"{name}.html").render(context)
    subject = clean_header_text(" ".join(subject.split()))
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return subject, text, html
