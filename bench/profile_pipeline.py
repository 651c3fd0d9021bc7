"""Profile one part of the pipeline with pyinstrument (``pip install pyinstrument``).

    python bench/profile_pipeline.py send [--members 400]     # one tick sending members x 2 prompts
    python bench/profile_pipeline.py invites [--members 200]  # one tick sending an invitation each
    python bench/profile_pipeline.py ingest [--members 400]   # ingesting members x 2 replies
    python bench/profile_pipeline.py history [--members 400]  # a nothing-due tick on 3 years of history

The SMTP sink runs in its own process, as in bench/run.py, so the profile shows
only this process's work.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pyinstrument import Profiler  # noqa: E402
from run import QUESTIONS, compose_all, ingest_pipeline, outbox_messages  # noqa: E402
from sink import start_sink  # noqa: E402
from workload import (  # noqa: E402
    HISTORY_NOW,
    PRESYNC_AT,
    SEND_AT,
    build_history,
    config_text,
    copy_place,
    presync,
    write_partnership,
)

from scheduler.app.services import build_services  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("send", "invites", "ingest", "history"))
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--html", type=Path, help="also write an HTML profile here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reflect-profile-"))
    sink = start_sink()
    profiler = Profiler(interval=0.002)
    try:
        if args.what == "history":
            text = config_text(port=sink.port, questions_per_cycle=1, first="2024-01-09T10:00:00",
                               governance=True)  # fmt: skip
            place = write_partnership(work / "h", members=args.members, config=text)
            presync(place, now=HISTORY_NOW - timedelta(days=1))
            send = write_partnership(work / "s", members=2, config=config_text(port=sink.port))
            presync(send)
            services = build_services(send.config, environ={})
            asyncio.run(services.tick(SEND_AT))
            services.close()
            build_history(place, sample_raw=outbox_messages(send.db)[0][1])
            services = build_services(place.config, environ={})
            asyncio.run(services.tick(HISTORY_NOW))
            profiler.start()
            for _ in range(20):
                asyncio.run(services.tick(HISTORY_NOW))
            profiler.stop()
            services.close()
        else:
            qpc = 1 if args.what == "invites" else QUESTIONS  # a day's allowance
            place = write_partnership(
                work / "p", members=args.members,
                config=config_text(port=sink.port, questions_per_cycle=qpc),
            )  # fmt: skip
            presync(place, invitations=args.what != "invites")
            now = PRESYNC_AT if args.what == "invites" else SEND_AT
            if args.what == "ingest":
                services = build_services(place.config, environ={})
                asyncio.run(services.tick(now))
                services.close()
                messages = compose_all(place, args.members * QUESTIONS)
                place = copy_place(place, work / "i")
                services = build_services(place.config, environ={})
                profiler.start()
                print(ingest_pipeline(services, messages))
                profiler.stop()
            else:
                services = build_services(place.config, environ={})
                profiler.start()
                report = asyncio.run(services.tick(now))
                profiler.stop()
                print(report.summary())
            services.close()
    finally:
        sink.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
