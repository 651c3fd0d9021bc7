"""The commands that do the work: ``tick`` (one round), ``run`` (rounds until stopped),
``preview`` (the rounds between two dates, written as files) and ``demo``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import signal
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from scheduler.cli.arguments import EX_TEMPFAIL, _config_path, _moment, _now, _services
from scheduler.clock import SystemClock
from scheduler.errors import Busy, ReflectError


def cmd_tick(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        now = _now(args, services.config.partnership.timezone)
        report = asyncio.run(services.tick(now, forward_only=True))
    except Busy as exc:
        print(f"Skipped: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    finally:
        services.close()
    local = now.astimezone(services.config.partnership.zone)  # as the convenor's clock reads
    print(f"tick at {local:%Y-%m-%d %H:%M %Z}: {report.summary()}")
    for problem in report.problems:
        print(f"Problem: {problem}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    services = _services(args)

    async def loop() -> None:
        stop = asyncio.Event()
        running = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            running.add_signal_handler(sig, stop.set)
        log = logging.getLogger("reflect")
        log.info("running: a round every %s seconds; stop with Ctrl-C or SIGTERM", args.interval)
        while not stop.is_set():
            try:
                report = await services.tick(SystemClock().now())
                log.info("round done: %s", report.summary())
            except ReflectError as exc:
                log.error("round failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=args.interval)
        log.info("stopped cleanly")

    try:
        asyncio.run(loop())
    finally:
        services.close()
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from scheduler.app.services import Services, read_config
    from scheduler.archive.database import Archive
    from scheduler.archive.snapshot import copy_read_only
    from scheduler.outbound.transports import PreviewTransport
    from scheduler.reports.mail_counts import count_lines

    config = read_config(_config_path(args))
    tz = config.partnership.timezone
    start = _now(args, tz)
    end = _moment(args.until, tz, "--until") if args.until else start + timedelta(days=90)
    if end <= start:
        raise ReflectError("--until must be after --now.")
    out = Path(args.out)
    if out.exists() and any(out.glob("*.eml")):
        raise ReflectError(f"{out} already holds .eml files; choose an empty folder.")
    with tempfile.TemporaryDirectory(prefix="reflect-preview-") as scratch:
        copy = Path(scratch) / "preview.db"
        if config.database.exists():
            copy_read_only(config.database, copy)
        # A key made for this run and forgotten after it: what the files hold can answer
        # for nobody, and the real key file is neither read nor made.
        services = Services(config, archive=Archive(copy), secret=secrets.token_bytes(32))
        transport = PreviewTransport(directory=out)
        zone = config.partnership.zone
        sent: list[tuple[str, date]] = []  # (recipient, the day it went)
        try:
            moment = start
            while moment <= end:
                before = len(transport.recipients)
                asyncio.run(services.tick(moment, transport=transport, ingest=False))
                day = moment.astimezone(zone).date()
                sent += [(who, day) for who in transport.recipients[before:]]
                moment += timedelta(days=1)
        finally:
            services.close()
    print(
        f"{transport.count} message(s) written to {out}, from "
        f"{start.astimezone(zone):%Y-%m-%d %H:%M} to {end.astimezone(zone):%Y-%m-%d %H:%M}."
    )
    print(
        "Signed with a throwaway key made for this preview and then forgotten: the reply "
        "tokens and Message-IDs in these files differ from a real send's and answer for nobody."
    )
    print()
    for line in count_lines(sent):
        print(line)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import time

    from scheduler.demo.simulation import run_demo

    if not args.verbose:  # the demo's own progress lines say enough
        logging.getLogger("reflect").setLevel(logging.WARNING)
    started = time.monotonic()
    asyncio.run(run_demo(Path(args.dir), weeks=args.weeks, out=sys.stdout))
    print(f"Done in {time.monotonic() - started:.1f} s.")
    return 0
