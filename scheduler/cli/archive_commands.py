"""The commands that show or erase what the archive holds: ``status``, ``export``,
``calendar``, ``report`` and ``forget``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scheduler.cli.arguments import _now, _services


def cmd_status(args: argparse.Namespace) -> int:
    from scheduler.inbound.held import seems_held
    from scheduler.reports.status import status_text

    services = _services(args)
    try:
        print(
            status_text(
                services.config,
                services.archive,
                _now(args, services.config.partnership.timezone),
                seems=seems_held(services.archive),
            )
        )
    finally:
        services.close()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from scheduler.reports.export import export_answers, export_member

    services = _services(args)
    try:
        if args.member:
            text = export_member(services.archive, args.member)
        else:
            text = export_answers(services.archive, args.format, attribute=args.attribute)
    finally:
        services.close()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8", newline="")
        print(f"written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from scheduler.archive.listings import meeting_sequences
    from scheduler.compose.calendar_mail import calendar_feed

    services = _services(args)
    try:
        sequences = meeting_sequences(services.archive)
        ics = calendar_feed(
            services.config,
            services.content,
            sequences,
            _now(args, services.config.partnership.timezone),
        )
    finally:
        services.close()
    Path(args.out).write_bytes(ics)
    print(f"{len(services.config.meetings)} series written to {args.out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from scheduler.reports.page import report_html

    services = _services(args)
    try:
        now = _now(args, services.config.partnership.timezone)
        page = report_html(
            services.archive,
            partnership=services.config.partnership.name,
            now=now.astimezone(services.config.partnership.zone),
            anonymise=args.anonymise,
        )
    finally:
        services.close()
    Path(args.out).write_text(page, encoding="utf-8")
    print(f"report written to {args.out}")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from scheduler.reports.privacy import forget_member

    services = _services(args)
    try:
        report = forget_member(
            services.archive, args.email, now=_now(args, services.config.partnership.timezone)
        )
    finally:
        services.close()
    print(f"{args.email} forgotten: {report.summary()}.")
    print(
        f"Now remove their row from {services.config.partnership.members.name}, or they will be "
        "added back as a new member at the next tick."
    )
    return 0
