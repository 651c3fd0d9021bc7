"""The bench runs: ``python bench/run.py --quick`` prints its figure lines and a summary.

Only that it runs and reports is checked here; its ratios are for reading (they
depend on the machine and what else it is doing), never a pass or a fail.
"""

from __future__ import annotations

import re
import subprocess
import sys

from support.partnership import REPO

FIGURE = re.compile(
    r"^(?P<name>[\w./]+)\s+(?P<value>[\d.]+|inf|nan)\s+\S+\s+median of \d+ \(min [^,]+, max [^)]+\)"
)


def test_the_quick_bench_prints_every_figure_and_a_summary() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    names = {m["name"] for line in lines if (m := FIGURE.match(line))}
    for expected in (
        "send.prompts.pipeline",
        "send.prompts.limit",
        "send.prompts.naive",
        "send.prompts.pipeline/limit",
        "send.prompts.pipeline/naive",
        "send.invites.pipeline/limit",
        "send.invites.pipeline/naive",
        "ingest.pipeline",
        "ingest.limit",
        "ingest.pipeline/limit",
        "ingest.parse_reply",
        "history.tick.fresh",
        "history.tick.3_years",
        "history.3_years/fresh",
        "memory.ingest_500",
        "memory.send_500",
        "throttle.sent_per_minute",
        "throttle.rate/cap",
    ):
        assert expected in names, f"{expected} missing from:\n{done.stdout}"
    assert any(name.startswith("send.plan.") for name in names)
    assert any(name.startswith("memory.ingest_one_") for name in names)
    assert lines[-1].startswith("summary: "), lines[-1]
    assert re.match(r"summary: \d+/\d+ targets met", lines[-1])
