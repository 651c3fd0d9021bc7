"""The commands about mail itself: ``ingest`` (replies from files or a mail server's
pipe), ``parse-reply``, ``quarantine`` (held-back replies) and ``resend`` (failed sends)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.archive.lock import hold
from scheduler.cli.arguments import EX_DATAERR, EX_TEMPFAIL, _now, _services
from scheduler.clock import SystemClock
from scheduler.errors import Busy, ReflectError

if TYPE_CHECKING:
    from scheduler.app.services import Services

INGEST_WAIT_SECONDS = 60.0  # how long a piped reply waits for another reader


def cmd_ingest(args: argparse.Namespace) -> int:
    try:
        services = _services(args)
    except (ReflectError, OSError) as exc:  # no archive, no custody: the sender must retry
        print(f"Error: {exc}", file=sys.stderr)
        return EX_TEMPFAIL if not args.files else 1
    now = SystemClock().now()
    try:
        if not args.files:
            refused = _take_stdin(services, now)
            if refused is not None:
                return refused
        else:
            _take_files(services, args.files, now)
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


def _take_stdin(services: Services, now: datetime) -> int | None:
    """Store the piped message; an exit code if it was not taken, None once it is stored."""
    from scheduler.inbound.ingest import store_raw

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
    return None


def _take_files(services: Services, names: list[str], now: datetime) -> None:
    """Store each named message; one too large is stored as its head, set aside unread."""
    from scheduler.inbound.headers import head_of
    from scheduler.inbound.inboxes import HEAD_BYTES
    from scheduler.inbound.ingest import store_raw
    from scheduler.inbound.limits import too_large

    for name in names:
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


def cmd_quarantine(args: argparse.Namespace) -> int:
    from scheduler.app.reading import sent_uids
    from scheduler.inbound.held import seems_held
    from scheduler.inbound.quarantine import decide, held_items
    from scheduler.reports.status import list_quarantine

    services = _services(args)
    try:
        if args.action == "list":
            if args.items or args.all or args.vouch:
                raise ReflectError(
                    "list takes no numbers; e.g. reflect quarantine list --kind rsvp"
                )
            print(
                list_quarantine(
                    services.archive, seems=seems_held(services.archive), kind=args.kind
                )
            )
            return 0
        if args.items and (args.all or args.kind):
            raise ReflectError(
                f"give the numbers or --all/--kind, not both; e.g. reflect quarantine "
                f"{args.action} 3 4, or reflect quarantine {args.action} --kind rsvp"
            )
        if not (args.items or args.all or args.kind):
            raise ReflectError(
                f"say which items to {args.action}, e.g. reflect quarantine {args.action} 3 4, "
                f"or --all, or --kind rsvp"
            )
        if args.vouch and args.action != "accept":
            raise ReflectError("--vouch goes with accept only.")
        now = _now(args, services.config.partnership.timezone)
        items = args.items or held_items(services.archive, args.kind)
        for line in decide(
            services.archive,
            args.action,
            items,
            now,
            uids=sent_uids(services.archive, services.config),
            vouch=args.vouch,
        ):
            print(line)
    finally:
        services.close()
    return 0


def cmd_resend(args: argparse.Namespace) -> int:
    from scheduler.archive.listings import failed_messages
    from scheduler.outbound.outbox import requeue_failed

    services = _services(args)
    try:
        if args.item is None:
            failed = failed_messages(services.archive)
            if not failed:
                print("No failed messages.")
                return 0
            print(f"{len(failed)} message(s) failed:")
            for row in failed:
                print(f"  #{row.id}  {row.kind} to {row.recipient}: {row.last_error}")
            print("Queue one again with: reflect resend N (after fixing the address or server)")
            return 0
        try:
            requeued = requeue_failed(
                services.archive, args.item, _now(args, services.config.partnership.timezone)
            )
        except LookupError:
            raise ReflectError(
                f"#{args.item} is not a failed message (see: reflect resend)."
            ) from None
    finally:
        services.close()
    print(
        f"#{args.item} {requeued['kind']} to {requeued['recipient']} queued again with the same "
        f"Message-ID {requeued['message_id']}; the next tick sends it."
    )
    return 0
