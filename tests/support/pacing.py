"""The first days of a partnership as members see them, paced (``scheduler/plan/pacing.py``).

A member gets at most two emails a day (three on their first): on the first day the
welcome (an induction pack and the getting-to-know-you question), then the two series
invitations one a day. A test that needs every member to hold the series ticks
through those days first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduler.app.services import Services

WELCOME_DAYS = 3
"""The first day's welcome, then an invitation a day for the example's two series."""


async def welcome(services: Services, start: datetime, days: int = WELCOME_DAYS) -> datetime:
    """Tick once a day from ``start`` for ``days`` days; returns the last tick's moment."""
    now = start
    for day in range(days):
        now = start + timedelta(days=day)
        await services.tick(now)
    return now
