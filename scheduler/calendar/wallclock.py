"""The partnership's wall clock: a zone by its IANA name, and naive local times given
their zone the way RFC 5545 reads them (a time in the spring gap moves forward by
the gap; one in the autumn fold is the first of the two)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(tzid: str) -> ZoneInfo:
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f'"{tzid}" is not a time zone name; use an IANA name such as "Europe/London".'
        ) from error


def resolve(naive: datetime, tz: ZoneInfo) -> datetime:
    """Give a wall-clock time its zone, per RFC 5545 section 3.3.5.

    A time in the spring gap is read with the offset before the gap, so
    01:30 on a London spring-forward day is 02:30 BST; a time in the autumn
    fold is the first of the two (fold=0).
    """
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def naive_local(value: datetime, tz: ZoneInfo) -> datetime:
    """A naive local time as given, or an aware one seen on the local clock."""
    if value.tzinfo is None:
        return value.replace(fold=0)
    return value.astimezone(tz).replace(tzinfo=None, fold=0)
