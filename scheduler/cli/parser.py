"""What a convenor may type: the ``reflect`` parser, one group of commands at a time."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from scheduler.cli.arguments import _now_help

Add = Callable[[str, str], argparse.ArgumentParser]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reflect",
        description=(
            "Keeps a partnership reflecting together: sends calendar invitations and "
            "reflection questions by email, and keeps members' replies in an archive."
        ),
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the partnership's config file (default: $REFLECT_CONFIG, then ./config.toml)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="say more about each step")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=summary)

    # in the order ``reflect --help`` lists them
    _add_rounds(add)
    _add_reading(add)
    _add_views(add)
    _add_held_mail(add)
    _add_reports(add)
    _add_demo(add)
    return parser


def _add_rounds(add: Add) -> None:
    """check, tick, run and preview: checking the inputs and doing the work."""
    check = add("check", "Check the config, membership list and questions, listing every problem.")
    check.add_argument(
        "--now", metavar="ISO", help=_now_help("judge meeting dates as if it were this time")
    )
    tick = add(
        "tick",
        "Do one round of work now: note who joined or left, send what is due, read replies.",
    )
    tick.add_argument(
        "--now", metavar="ISO", help=_now_help("pretend it is this time, for trying things out")
    )
    run = add("run", "Keep working: a round every few minutes until stopped (Ctrl-C or SIGTERM).")
    run.add_argument("--interval", type=float, default=300.0, metavar="SECONDS",
                     help="time between rounds (default 300)")  # fmt: skip
    preview = add(
        "preview",
        "Write every message that would be sent between two dates as .eml files, sending nothing.",
    )
    preview.add_argument("--out", required=True, metavar="DIR", help="folder for the .eml files")
    preview.add_argument(
        "--now", metavar="ISO", help=_now_help("start of the window (default: now)")
    )
    preview.add_argument(
        "--until", metavar="ISO", help=_now_help("end of the window (default: 90 days on)")
    )


def _add_reading(add: Add) -> None:
    """ingest and parse-reply: mail coming in."""
    ingest = add(
        "ingest",
        "Read reply emails from files, or one from standard input (for a mail server's pipe).",
    )
    ingest.add_argument("files", nargs="*", metavar="FILE", help="message files (.eml)")
    parse = add(
        "parse-reply",
        "Show how one reply email is read (answer, auto-reply, bounce, RSVP or empty), as JSON.",
    )
    parse.add_argument("file", metavar="FILE", help="the message (.eml)")


def _add_views(add: Add) -> None:
    """status, export, answers and calendar: what the archive holds and plans."""
    status = add(
        "status",
        "Show the coming meetings, what is waiting to be sent, replies awaited and quarantine.",
    )
    status.add_argument("--now", metavar="ISO", help=_now_help())
    export = add("export", "Write the archive of answers as CSV, JSON or Markdown.")
    export.add_argument("--format", choices=["csv", "json", "md"], default="csv")
    export.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    export.add_argument("--member", metavar="EMAIL",
                        help="everything held about this member, as JSON (a subject access request)")  # fmt: skip
    export.add_argument("--attribute", action="store_true",
                        help="sign answers in the Markdown log with name and organisation")  # fmt: skip
    answers = add(
        "answers",
        "List recent answers, show one beside the raw message it was read from, or correct "
        "its text (the raw message is kept and the edit recorded).",
    )
    answers.add_argument("action", nargs="?", choices=["list", "show", "edit"], default="list",
                         help="list (the default), show N or edit N")  # fmt: skip
    answers.add_argument("item", nargs="?", type=int, metavar="N", help="the answer's number")
    answers.add_argument("--last", type=int, default=20, metavar="COUNT",
                         help="how many recent answers to list (default 20)")  # fmt: skip
    new_text = answers.add_mutually_exclusive_group()
    new_text.add_argument("--text", metavar="TEXT", help="edit: the corrected text")
    new_text.add_argument("--file", metavar="FILE",
                          help="edit: read the corrected text from this file (UTF-8)")  # fmt: skip
    answers.add_argument(
        "--now", metavar="ISO", help=_now_help("edit: record the edit at this time")
    )
    actions = add(
        "actions",
        "List the decisions and actions meetings agreed, their owners, due dates and what "
        "became of them (open ones by default).",
    )
    which = actions.add_mutually_exclusive_group()
    which.add_argument("--open", dest="show", action="store_const", const="open",
                       help="only actions still open (the default)")  # fmt: skip
    which.add_argument("--all", dest="show", action="store_const", const="all",
                       help="everything recorded: decisions, actions (any state) and notes")  # fmt: skip
    actions.add_argument("--meeting", metavar="ID", help="only this meeting series (its id)")
    actions.add_argument("--now", metavar="ISO", help=_now_help())
    calendar = add("calendar", "Write the whole schedule as one .ics calendar members can import.")
    calendar.add_argument("--out", required=True, metavar="FILE")
    calendar.add_argument("--now", metavar="ISO", help=_now_help())


def _add_held_mail(add: Add) -> None:
    """quarantine and resend: mail that went wrong, coming in and going out."""
    quarantine = add(
        "quarantine",
        "List messages held back for the convenor, or accept or reject some of them.",
    )
    quarantine.add_argument(
        "action", nargs="?", choices=["list", "accept", "reject"], default="list"
    )
    quarantine.add_argument(
        "items", nargs="*", type=int, metavar="N", help="the numbers of the items, e.g. 3 4 7"
    )
    quarantine.add_argument("--all", action="store_true", help="every item held back")
    quarantine.add_argument(
        "--kind",
        choices=["answer", "rsvp", "bounce", "other"],
        help="every item that seems to be this: answer, rsvp (a calendar reply), bounce "
        "(a delivery report) or other",
    )
    quarantine.add_argument(
        "--vouch",
        action="store_true",
        help="accept a calendar reply not sent from the attendee's own address: you vouch "
        "that it is theirs (recorded as accepted by the convenor)",
    )
    quarantine.add_argument("--now", metavar="ISO", help=_now_help())
    resend = add(
        "resend",
        "List messages that failed to send, or queue one again (same Message-ID) for the next tick.",
    )
    resend.add_argument(
        "item", nargs="?", type=int, metavar="N", help="the failed message's number"
    )
    resend.add_argument("--now", metavar="ISO", help=_now_help())
    nudge = add(
        "nudge",
        "Send one more reminder, now, to the members still silent on the questions for a "
        "meeting's next occurrence (once per meeting; a second time is refused).",
    )
    nudge.add_argument(
        "meeting", metavar="MEETING", help='the meeting\'s id in the config, e.g. "reflection"'
    )
    nudge.add_argument("--now", metavar="ISO", help=_now_help())


def _add_reports(add: Add) -> None:
    """report and forget: the printable report, and erasing a member."""
    report = add("report", "Write a printable HTML report: participation over time and answers.")
    report.add_argument("--out", required=True, metavar="FILE.html", help="the report file")
    report.add_argument("--anonymise", action="store_true", help="leave members' names out")
    report.add_argument("--now", metavar="ISO", help=_now_help())
    forget = add(
        "forget",
        "Erase a member's answers, messages, name and address, keeping only the counts.",
    )
    forget.add_argument("email", metavar="EMAIL", help="the member's address")
    forget.add_argument("--now", metavar="ISO", help=_now_help())


def _add_demo(add: Add) -> None:
    demo = add(
        "demo",
        "Try it without any set-up: simulate a partnership's first months against a real "
        "mail server started on this machine, with members replying, then show the results.",
    )
    demo.add_argument("--dir", default="reflect-demo", metavar="DIR",
                      help="folder for the demo's files (default ./reflect-demo)")  # fmt: skip
    demo.add_argument("--weeks", type=int, default=26, help="how many weeks to simulate")
