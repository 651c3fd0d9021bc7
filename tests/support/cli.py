"""The real ``reflect`` command, run as a convenor runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.partnership import REPO


def reflect(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m scheduler ARGS`` with no ``REFLECT_*`` settings from this environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args],
        cwd=cwd or REPO,
        env=env,
        input=stdin.decode("utf-8", "replace") if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
