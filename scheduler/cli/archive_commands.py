"""The commands that show, correct or erase what the archive holds: ``status``,
``export``, ``answers``, ``actions``, ``calendar``, ``report`` and ``forget``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.cli.arguments import _now, _services
from scheduler.errors import ReflectError

if TYPE_CHECKING:
    from scheduler.app.services import Services


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
            text = export_answers(services.archive, args.format, attribute=args.attribute,
                                  zone=services.config.partnership.zone)  # fmt: skip
    finally:
        services.close()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8", newline="")
        print(f"written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_actions(args: argparse.Namespace) -> int:
    from scheduler.reports.actions import actions_text

    services = _services(args)
    try:
        zone = services.config.partnership.zone
        if args.meeting and args.meeting not in {m.id for m in services.config.meetings}:
            known = ", ".join(m.id for m in services.config.meetings)
            raise ReflectError(f"--meeting {args.meeting!r} is not a meeting series; use one of: "
                               f"{known}")  # fmt: skip
        today = _now(args, services.config.partnership.timezone).astimezone(zone).date()
        print(actions_text(services.archive, zone=zone, today=today,
                           show=args.show or "open", meeting=args.meeting))  # fmt: skip
    finally:
        services.close()
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


def cmd_answers(args: argparse.Namespace) -> int:
    from scheduler.reports.corrections import answer_list, answer_view

    if args.action != "edit" and (args.text is not None or args.file is not None):
        raise ReflectError("--text and --file are for: reflect answers edit N")
    if args.action != "list" and args.item is None:
        raise ReflectError(
            f"say which answer to {args.action}, e.g. reflect answers {args.action} 3 "
            "(reflect answers lists them)"
        )
    services = _services(args)
    try:
        zone = services.config.partnership.zone
        if args.action == "list":
            print(answer_list(services.archive, limit=max(args.last, 1), zone=zone))
        elif args.action == "show":
            print(answer_view(services.archive, args.item, zone=zone))
        else:
            print(_edit_answer(services, args))
    finally:
        services.close()
    return 0


def _edit_answer(services: Services, args: argparse.Namespace) -> str:
    from scheduler.cli.editing import at_a_terminal, edit_text
    from scheduler.reports.corrections import correct_answer, current_text

    if args.text is not None:
        text = str(args.text)
    elif args.file is not None:
        path = Path(args.file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ReflectError(f"{path}: cannot read it ({exc.strerror}).") from None
        except UnicodeDecodeError:
            raise ReflectError(f"{path}: is not UTF-8 text; save it as UTF-8.") from None
    elif at_a_terminal():
        text = edit_text(current_text(services.archive, args.item), name=f"answer-{args.item}")
    else:
        raise ReflectError(
            f'say what the new text is: reflect answers edit {args.item} --text "..." or '
            "--file F (at a terminal, $EDITOR opens on the current text)"
        )
    now = _now(args, services.config.partnership.timezone)
    return correct_answer(services.archive, args.item, text, now=now)
