"""``reflect nudge MEETING``: one more reminder to those still silent before a meeting."""

from __future__ import annotations

import argparse
import asyncio

from scheduler.cli.arguments import _now, _services
from scheduler.safety import printable


def cmd_nudge(args: argparse.Namespace) -> int:
    from scheduler.app.nudging import nudge

    services = _services(args)
    try:
        done = asyncio.run(
            nudge(services, args.meeting, _now(args, services.config.partnership.timezone))
        )
    finally:
        services.close()
    if done.sent_to:
        print(
            f"Nudged {len(done.sent_to)} member(s) still silent on the questions for the "
            f"{done.meeting_title} on {done.when}:"
        )
        print("\n".join(f"  {printable(email)}" for email in done.sent_to))
        print(f"{done.report.sent} message(s) sent now.")
    else:
        print(f"Nobody to nudge for the {done.meeting_title} on {done.when}: nothing was sent.")
    for email, why in done.left_out:
        print(f"  not nudged: {printable(email)} ({why})")
    return 0
