"""What every command reads from its arguments: the config's path, ``--now``, and the
application built from that config; and the exit codes beyond 0, 1 and 2."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.clock import SystemClock, parse_now
from scheduler.errors import ReflectError

if TYPE_CHECKING:
    from scheduler.app.services import Services

EX_TEMPFAIL = 75
EX_DATAERR = 65  # sysexits: the mail server returns the message to its sender


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


def _services(args: argparse.Namespace) -> Services:
    from scheduler.app.services import build_services

    return build_services(_config_path(args))
