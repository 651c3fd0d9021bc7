"""``reflect``: the command line a convenor uses.

User errors print one ``Error:`` line (``check`` lists every problem) and exit
1 (2 for ``check`` problems, 75 when ``ingest`` could not take custody of a
message, so the mail server tries again, 65 when the piped message is larger
than ``[inbox] max_message_bytes``, so the server returns it to its sender). Tracebacks are for bugs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.archive.lock import Busy, hold
from scheduler.clock import SystemClock, parse_now
from scheduler.errors import InputError, Problem, ReflectError
from scheduler.safety import printable

if TYPE_CHECKING:
    from scheduler.app.services import Services
    from scheduler.inputs.config import MembersFile

EX_TEMPFAIL = 75
EX_DATAERR = 65  # sysexits: the mail server returns the message to its sender
INGEST_WAIT_SECONDS = 60.0  # how long a piped reply waits for another reader
# Files we write hold reply tokens, raw mail and members' words: only this account reads
# them. 0o077 makes every file 0600 and every folder 0700, whoever opens them.
PRIVATE_UMASK = 0o077


def _config_path(args: argparse.Namespace) -> Path:
    if args.config:
        return Path(args.config)
    env = os.environ.get("REFLECT_CONFIG")
    return Path(env) if env else Path("config.toml")


# One rule for --now (and --until) on every command, stated in each one's help.
NOW_RULE = "ISO 8601, e.g. 2027-01-05T09:00; a time without a zone is in [partnership] timezone"


def _now_help(what: str = "pretend it is this time") -> str:
    return f"{what} ({NOW_RULE})"


def _now(args: argparse.Namespace, tz: str) -> datetime:
    """``--now``, read in the partnership's time zone ``tz``; the system clock without it."""
    value = getattr(args, "now", None)
    if not value:
        return SystemClock().now()
    return _moment(value, tz, "--now")


def _moment(value: str, tz: str, option: str) -> datetime:
    try:
        return parse_now(value, default_tz=tz)
    except ValueError:
        raise ReflectError(
            f'{option} "{value}" is not a date and time; use ISO 8601, e.g. 2027-01-05T09:00'
        ) from None


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
    calendar = add("calendar", "Write the whole schedule as one .ics calendar members can import.")
    calendar.add_argument("--out", required=True, metavar="FILE")
    calendar.add_argument("--now", metavar="ISO", help=_now_help())
    quarantine = add(
        "quarantine",
        "List replies held back for the convenor, or accept or reject one of them.",
    )
    quarantine.add_argument(
        "action", nargs="?", choices=["list", "accept", "reject"], default="list"
    )
    quarantine.add_argument("item", nargs="?", type=int, metavar="N", help="the item number")
    quarantine.add_argument("--now", metavar="ISO", help=_now_help())
    resend = add(
        "resend",
        "List messages that failed to send, or queue one again (same Message-ID) for the next tick.",
    )
    resend.add_argument(
        "item", nargs="?", type=int, metavar="N", help="the failed message's number"
    )
    resend.add_argument("--now", metavar="ISO", help=_now_help())
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
    demo = add(
        "demo",
        "Try it without any set-up: simulate a partnership's first months against a real "
        "mail server started on this machine, with members replying, then show the results.",
    )
    demo.add_argument("--dir", default="reflect-demo", metavar="DIR",
                      help="folder for the demo's files (default ./reflect-demo)")  # fmt: skip
    demo.add_argument("--weeks", type=int, default=26, help="how many weeks to simulate")
    return parser


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


# ---------------------------------------------------------------- commands


def cmd_check(args: argparse.Namespace) -> int:
    from scheduler.app.services import read_config
    from scheduler.compose.tokens import secret_problem
    from scheduler.inputs.config import (
        _Locator,
        members_file,
        past_meeting_problems,
        question_problems,
    )
    from scheduler.inputs.content import load_bundled_content

    path = _config_path(args)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    try:
        config = read_config(path)
    except InputError as exc:
        problems.extend(exc.problems)
        config = None
    text = path.read_text(encoding="utf-8-sig")
    if config is not None:
        content = None
        extra = [config.prompts.extra_questions] if config.prompts.extra_questions else []
        try:
            content = load_bundled_content(extra)
        except InputError as exc:
            problems.extend(exc.problems)
        if content is not None:
            known = set(content.questions)
            problems.extend(question_problems(config, text, known))
        archived = _archived_meetings(config.database)
        if archived is not None:
            now = _now(args, config.partnership.timezone)
            problems.extend(past_meeting_problems(config, text, now, archived))
    # the membership file is checked even when the rest of the config has problems
    members = members_file(text, path)
    not_checked = ""
    if members.path is None:
        not_checked = (
            f"Not checked: the membership file, because {members.unknown_because}. "
            "Once that is fixed, run reflect check again."
        )
    else:
        _check_members_file(path.name, members, problems, warnings)
    if config is not None:
        smtp = config.mail.smtp
        if (
            config.mail.transport == "smtp"
            and smtp.username
            and not os.environ.get(smtp.password_env)
        ):
            warnings.append(
                Problem(
                    path.name,
                    f"the environment variable {smtp.password_env} "
                    "is not set; sending will fail until it is.",
                    None,
                    "[mail.smtp] password_env",
                )
            )
        key_problem = secret_problem(
            env_name=config.security.token_key_env,
            key_file=config.security.key_file,
            environ=os.environ,
        )
        if key_problem:
            from_env = bool(os.environ.get(config.security.token_key_env))
            setting = "token_key_env" if from_env else "key_file"
            problems.append(
                Problem(
                    path.name,
                    key_problem,
                    None if from_env else _Locator(text).key("security", "key_file"),
                    f"[security] {setting}",
                )
            )
        if config.inbox.source == "imap" and not os.environ.get(config.inbox.imap.password_env):
            warnings.append(
                Problem(
                    path.name,
                    f"the environment variable {config.inbox.imap.password_env} is "
                    "not set; reading replies will fail until it is.",
                    None,
                    "[inbox.imap] password_env",
                )
            )
    for warning in warnings:
        print(f"Warning: {warning}")
    if problems:
        for problem in problems:
            print(f"Error: {problem}")
        if not_checked:
            print(not_checked)
        if config is None:
            print(
                "Not checked yet: the question ids under [prompts] and the password settings; "
                "they are checked once the problems above are fixed."
            )
        print(f"{len(problems)} problem(s) found. Nothing was sent.")
        return 2
    assert config is not None
    print(
        f"OK: {path} is sound: {config.partnership.name}, {len(config.meetings)} meeting series, "
        f"members from {config.partnership.members.name}."
    )
    return 0


def _archived_meetings(database: Path) -> set[str] | None:
    """Ids of the series the archive holds, read without writing; None if it cannot say."""
    import sqlite3

    if not database.exists():
        return set()
    try:
        conn = sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return {row[0] for row in conn.execute("SELECT id FROM meetings")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _check_members_file(
    config_name: str, members: MembersFile, problems: list[Problem], warnings: list[Problem]
) -> None:
    """Add the membership file's problems and warnings; ``members.path`` is known."""
    from scheduler.errors import MembersError
    from scheduler.inputs.members import parse_members, quote

    path = members.path
    assert path is not None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        name, where = quote(members.setting), quote(str(path), limit=1000)
        if isinstance(exc, FileNotFoundError):
            message = (
                f"{name} does not exist (looked for {where}). Create it with the first row "
                "name,email,organisation,sector,role,joined,left, or correct the file name here."
            )
        elif isinstance(exc, IsADirectoryError):
            message = (
                f"{name} is a folder ({where}); name the membership spreadsheet itself, "
                'e.g. members = "members.csv".'
            )
        else:
            message = (
                f"{name} cannot be read ({exc.strerror}); check that {where} is a file "
                "this account may read."
            )
        problems.append(Problem(config_name, message, members.line, "[partnership] members"))
        return
    try:
        membership = parse_members(raw, file=path.name)
    except MembersError as exc:
        problems.extend(exc.problems)
        warnings.extend(exc.warnings)  # shown beside the errors, not only once they are fixed
    else:
        warnings.extend(membership.warnings)


def _services(args: argparse.Namespace) -> Services:
    from scheduler.app.services import build_services

    return build_services(_config_path(args))


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
    from scheduler.outbound.transports import PreviewTransport

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
            _copy_read_only(config.database, copy)
        # A key made for this run and forgotten after it: what the files hold can answer
        # for nobody, and the real key file is neither read nor made.
        services = Services(config, archive=Archive(copy), secret=secrets.token_bytes(32))
        transport = PreviewTransport(directory=out)
        try:
            moment = start
            while moment <= end:
                asyncio.run(services.tick(moment, transport=transport, ingest=False))
                moment += timedelta(days=1)
        finally:
            services.close()
    zone = config.partnership.zone
    print(
        f"{transport.count} message(s) written to {out}, from "
        f"{start.astimezone(zone):%Y-%m-%d %H:%M} to {end.astimezone(zone):%Y-%m-%d %H:%M}."
    )
    print(
        "Signed with a throwaway key made for this preview and then forgotten: the reply "
        "tokens and Message-IDs in these files differ from a real send's and answer for nobody."
    )
    return 0


def _copy_read_only(database: Path, copy: Path) -> None:
    """Copy the archive opened read-only, so a preview never changes it (nor migrates it)."""
    try:
        source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ReflectError(f"{database}: cannot open the archive to preview ({exc}).") from None
    try:
        source.execute("VACUUM INTO ?", (str(copy),))
    except sqlite3.Error as exc:
        raise ReflectError(f"{database}: cannot read the archive to preview ({exc}).") from None
    finally:
        source.close()


def cmd_ingest(args: argparse.Namespace) -> int:
    from scheduler.inbound.inboxes import HEAD_BYTES, head_of
    from scheduler.inbound.ingest import store_raw
    from scheduler.inbound.limits import too_large

    try:
        services = _services(args)
    except (ReflectError, OSError) as exc:  # no archive, no custody: the sender must retry
        print(f"Error: {exc}", file=sys.stderr)
        return EX_TEMPFAIL if not args.files else 1
    now = SystemClock().now()
    try:
        if not args.files:
            limit = services.config.inbox.max_message_bytes
            try:
                raw = sys.stdin.buffer.read(limit + 1)
                if len(raw) > limit:
                    # the mail server returns this to the sender; it never reaches us whole
                    print(
                        f"message refused: larger than this service accepts ({limit:,} bytes)",
                        file=sys.stderr,
                    )
                    return EX_DATAERR
                store_raw(services.archive, raw, source="stdin", ref=None, now=now)
            except Exception as exc:  # custody failed: the mail server must keep it and retry
                print(f"Error: message not stored, try again later: {exc}", file=sys.stderr)
                return EX_TEMPFAIL
        else:
            for name in args.files:
                path = Path(name)
                try:
                    size = path.stat().st_size
                    limit = services.config.inbox.max_message_bytes
                    if size > limit:
                        with path.open("rb") as handle:
                            head = head_of(handle.read(HEAD_BYTES))
                        held = f"{too_large(size, services.limits)}: set aside unread; it is {path}"
                        store_raw(services.archive, head, source="file", ref=str(path), now=now,
                                  held=held, size=size)  # fmt: skip
                        continue
                    raw = path.read_bytes()
                except OSError as exc:
                    raise ReflectError(f"{path}: cannot read it ({exc.strerror}).") from None
                store_raw(services.archive, raw, source="file", ref=str(path), now=now)
        try:
            # one reader at a time; another's round is short, so wait for it a while
            with hold(services.archive.path, wait_seconds=INGEST_WAIT_SECONDS):
                counts = services.reader().process_pending(now)
        except Busy:
            counts = None  # stored safely: the round that holds the archive, or the next, reads it
    finally:
        services.close()
    out = sys.stderr if not args.files else sys.stdout
    if counts is None:
        print("stored; another reflect is reading replies and will read it", file=out)
        return 0
    detail = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing new"
    print(f"read: {detail}", file=out)
    return 0


def cmd_parse_reply(args: argparse.Namespace) -> int:
    from scheduler.replies import parse_reply

    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReflectError(f"{path}: cannot read it ({exc.strerror}).") from None
    parsed = parse_reply(raw)
    print(json.dumps({"kind": str(parsed.kind), "text": parsed.text}, ensure_ascii=False))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from scheduler.reports.status import status_text

    services = _services(args)
    try:
        print(
            status_text(
                services.config, services.archive, _now(args, services.config.partnership.timezone)
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
    from scheduler.compose.calendar_mail import calendar_feed

    services = _services(args)
    try:
        sequences = {
            row["id"]: row["sequence"]
            for row in services.archive.rows("SELECT id, sequence FROM meetings")
        }
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


def cmd_quarantine(args: argparse.Namespace) -> int:
    from scheduler.inbound.quarantine import accept, reject
    from scheduler.reports.status import list_quarantine

    services = _services(args)
    try:
        if args.action == "list":
            print(list_quarantine(services.archive))
            return 0
        if args.item is None:
            raise ReflectError(
                f"say which item to {args.action}, e.g. reflect quarantine {args.action} 3"
            )
        now = _now(args, services.config.partnership.timezone)
        message = (
            accept(services.archive, args.item, now)
            if args.action == "accept"
            else reject(services.archive, args.item, now)
        )
        print(message)
    finally:
        services.close()
    return 0


def cmd_resend(args: argparse.Namespace) -> int:
    from scheduler.outbound.outbox import requeue_failed

    services = _services(args)
    try:
        if args.item is None:
            rows = services.archive.rows(
                "SELECT id, kind, recipient, last_error FROM outbox WHERE status = 'failed' "
                "ORDER BY id"
            )
            if not rows:
                print("No failed messages.")
                return 0
            print(f"{len(rows)} message(s) failed:")
            for row in rows:
                print(f"  #{row['id']}  {row['kind']} to {row['recipient']}: {row['last_error']}")
            print("Queue one again with: reflect resend N (after fixing the address or server)")
            return 0
        try:
            row = requeue_failed(
                services.archive, args.item, _now(args, services.config.partnership.timezone)
            )
        except LookupError:
            raise ReflectError(
                f"#{args.item} is not a failed message (see: reflect resend)."
            ) from None
    finally:
        services.close()
    print(
        f"#{args.item} {row['kind']} to {row['recipient']} queued again with the same "
        f"Message-ID {row['message_id']}; the next tick sends it."
    )
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


COMMANDS = {
    "check": cmd_check,
    "tick": cmd_tick,
    "run": cmd_run,
    "preview": cmd_preview,
    "ingest": cmd_ingest,
    "parse-reply": cmd_parse_reply,
    "status": cmd_status,
    "export": cmd_export,
    "calendar": cmd_calendar,
    "quarantine": cmd_quarantine,
    "resend": cmd_resend,
    "report": cmd_report,
    "demo": cmd_demo,
    "forget": cmd_forget,
}

__all__ = ["EX_TEMPFAIL", "build_parser", "main"]
