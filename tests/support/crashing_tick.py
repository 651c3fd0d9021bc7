"""``reflect tick`` with a crash armed: SIGKILL at one named point (``faults.POINTS``).

Run as ``python tests/support/crashing_tick.py CONFIG NOW POINT`` by
``tests/test_crash_recovery.py``. It does what the ``tick`` command does (private
umask, ``--now`` read by the same rule, a tick that refuses the past) with a
``Services`` whose checkpoint kills this process, with no clean-up, no
``finally`` and no flushed buffers, when the work passes ``POINT``: what a power
cut or the OOM killer does. Production code carries no switch for this.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from scheduler.app.services import Services, read_config
from scheduler.cli.main import PRIVATE_UMASK
from scheduler.clock import parse_now
from scheduler.faults import POINTS, Checkpoint


def kill_at(point: str) -> Checkpoint:
    if point not in POINTS:
        raise SystemExit(f"{point!r} is not a named point: {', '.join(POINTS)}")

    def checkpoint(name: str) -> None:
        if name == point:
            os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint


def main(config_path: str, now_text: str, point: str) -> int:
    os.umask(PRIVATE_UMASK)
    config = read_config(Path(config_path))
    now = parse_now(now_text, default_tz=config.partnership.timezone)
    with Services(config, checkpoint=kill_at(point)) as services:
        report = asyncio.run(services.tick(now, forward_only=True))
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
