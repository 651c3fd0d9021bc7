"""``reflect``: the command line a convenor uses.

User errors print one ``Error:`` line (``check`` lists every problem) and exit
1 (2 for ``check`` problems, 75 when ``ingest`` could not take custody of a
message, so the mail server tries again, 65 when the piped message is larger
than ``[inbox] max_message_bytes``, so the server returns it to its sender). Tracebacks are for bugs.

``main`` parses (``parser``), sets up logging and hands the arguments to one
command: ``check``; ``tick``, ``run``, ``preview`` and ``demo`` (``rounds``);
``ingest``, ``parse-reply``, ``quarantine`` and ``resend`` (``mail_commands``); ``nudge``;
``status``, ``export``, ``answers``, ``calendar``, ``report`` and ``forget``
(``archive_commands``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from scheduler.cli import archive_commands, mail_commands, rounds
from scheduler.cli.arguments import EX_TEMPFAIL
from scheduler.cli.check import cmd_check
from scheduler.cli.nudge import cmd_nudge
from scheduler.cli.parser import build_parser
from scheduler.errors import InputError, ReflectError
from scheduler.safety import printable

# Files we write hold reply tokens, raw mail and members' words: only this account reads
# them. 0o077 makes every file 0600 and every folder 0700, whoever opens them.
PRIVATE_UMASK = 0o077

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": cmd_check,
    "tick": rounds.cmd_tick,
    "run": rounds.cmd_run,
    "preview": rounds.cmd_preview,
    "ingest": mail_commands.cmd_ingest,
    "parse-reply": mail_commands.cmd_parse_reply,
    "status": archive_commands.cmd_status,
    "export": archive_commands.cmd_export,
    "answers": archive_commands.cmd_answers,
    "actions": archive_commands.cmd_actions,
    "calendar": archive_commands.cmd_calendar,
    "quarantine": mail_commands.cmd_quarantine,
    "resend": mail_commands.cmd_resend,
    "nudge": cmd_nudge,
    "report": archive_commands.cmd_report,
    "demo": rounds.cmd_demo,
    "forget": archive_commands.cmd_forget,
}


class PrintableFormatter(logging.Formatter):
    """Log lines that a message's own text cannot break or colour: one record, one line."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.exc_info:  # a traceback is ours, and its line breaks are wanted
            return text
        return printable(text)


def main(argv: Sequence[str] | None = None) -> int:
    previous = os.umask(PRIVATE_UMASK)  # before anything is opened, for every command
    try:
        return _main(argv)
    finally:
        os.umask(previous)  # only matters to a caller in the same process (the tests)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(message)s",
        stream=sys.stderr,
    )
    for installed in logging.getLogger().handlers:
        installed.setFormatter(PrintableFormatter("%(levelname)s %(message)s"))
    if not args.verbose:
        logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = COMMANDS[args.command]
    try:
        return handler(args)
    except InputError as exc:
        for problem in exc.problems:
            print(f"Error: {problem}", file=sys.stderr)
        return 1
    except ReflectError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


__all__ = ["EX_TEMPFAIL", "build_parser", "main"]
