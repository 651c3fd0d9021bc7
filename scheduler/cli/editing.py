"""The convenor's own text editor, for ``reflect answers edit N`` at a terminal: the
current text in a private temporary file, ``$EDITOR`` on it, and what was saved."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from scheduler.errors import ReflectError


def at_a_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def edit_text(text: str, *, name: str) -> str:
    """``text`` as the convenor left it in ``$EDITOR`` (or ``$VISUAL``).

    The file is 0600 (it holds a member's words) and removed afterwards, saved or not.
    """
    editor = os.environ.get("EDITOR") or os.environ.get("VISUAL")
    if not editor:
        raise ReflectError(
            'no editor is set: set $EDITOR (e.g. export EDITOR=nano), or pass --text "..." '
            "or --file F."
        )
    handle, path = tempfile.mkstemp(prefix=f"reflect-{name}-", suffix=".txt")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        try:
            # the convenor's own editor, named by them, run without a shell
            done = subprocess.run([*shlex.split(editor), path], check=False)
        except OSError as exc:
            raise ReflectError(
                f"cannot start the editor {editor!r} ({exc.strerror}); set $EDITOR to one "
                "that is installed."
            ) from None
        if done.returncode != 0:
            raise ReflectError(
                f"the editor {editor!r} exited with status {done.returncode}; nothing changed."
            )
        try:
            return Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ReflectError("the edited text is not UTF-8; nothing changed.") from None
    finally:
        Path(path).unlink(missing_ok=True)
