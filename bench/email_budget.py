"""How many emails each member gets: four months of the example partnership, simulated.

The example config and members (``config.example.toml``, ``members.example.csv``) are
copied to a scratch folder; the real ``tick`` runs every three hours with a fixed clock
from 4 January 2027, and every member answers each question the day it arrives (from
Gmail, quoting it; the checklist's six parts by number in one reply), so introductions and digests go out as they would. The outbox
Maildir is then counted: emails per member per month, and the most one member got on
one day.

    PYTHONPATH=. python3 bench/email_budget.py [--days 120]
"""

from __future__ import annotations

import argparse
import asyncio
import mailbox
import shutil
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.app.services import build_services
from scheduler.archive.state import load_members
from scheduler.demo.replies import answer_for, compose_reply

REPO = Path(__file__).resolve().parents[1]
START = datetime(2027, 1, 4, 8, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
ANSWERED = ("prompt",)


def _messages(box: mailbox.Maildir, seen: set[str]) -> list[EmailMessage]:
    new = []
    for key in box.iterkeys():
        if key in seen:
            continue
        seen.add(key)
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        new.append(msg)
    return new


async def simulate(folder: Path, days: int) -> list[EmailMessage]:
    shutil.copy(REPO / "config.example.toml", folder / "config.toml")
    members = (REPO / "members.example.csv").read_text(encoding="utf-8")
    # and a newcomer six weeks in, to see a newcomer's first day
    members += (
        "Sam Lee,sam.lee@housing.example.org,Willenhall Housing,vcse,Tenancy lead,2027-02-15,,yes\n"
    )
    (folder / "members.example.csv").write_text(members, encoding="utf-8")
    everything: list[EmailMessage] = []
    with build_services(folder / "config.toml", environ={}) as services:
        outbox = mailbox.Maildir(services.config.mail.outbox_maildir, create=True)
        inbox_dir = services.config.inbox.maildir
        assert inbox_dir is not None
        inbox = mailbox.Maildir(inbox_dir, create=True)
        seen: set[str] = set()
        now, turn = START, 0
        while now < START + timedelta(days=days):
            await services.tick(now)
            for msg in _messages(outbox, seen):
                everything.append(msg)
                if str(msg["X-Reflect-Kind"]) in ANSWERED and msg["Reply-To"] is not None:
                    to = msg["To"].addresses[0]
                    turn += 1
                    words = answer_for("", turn)
                    if "checklist" in str(msg["Subject"]):  # every part, by number
                        words = "\n\n".join(f"{n}. {answer_for('', turn + n)}" for n in range(1, 7))
                    inbox.add(
                        compose_reply(
                            style="gmail",
                            prompt=msg,
                            name=to.display_name,
                            address=to.addr_spec,
                            words=words,
                            seed=turn,
                        )
                    )
            now += timedelta(hours=3)
        members = set(load_members(services.archive))
    return [m for m in everything if m["To"].addresses[0].addr_spec in members]


def figures(messages: list[EmailMessage]) -> dict[str, object]:
    per_month: Counter[tuple[str, str]] = Counter()
    per_day: Counter[tuple[str, str]] = Counter()
    kinds: Counter[str] = Counter()
    day_kinds: dict[tuple[str, str], Counter[str]] = {}
    for msg in messages:
        who = msg["To"].addresses[0].addr_spec
        day = msg["Date"].datetime.astimezone(LONDON).date()
        per_month[(who, f"{day:%Y-%m}")] += 1
        per_day[(who, day.isoformat())] += 1
        kinds[str(msg["X-Reflect-Kind"])] += 1
        day_kinds.setdefault((who, day.isoformat()), Counter())[str(msg["X-Reflect-Kind"])] += 1
    over = Counter(
        (day, ", ".join(f"{k} {n}" for k, n in sorted(day_kinds[(who, day)].items())))
        for (who, day), n in per_day.items()
        if n > 2
    )
    members = {who for who, _ in per_month}
    months = sorted({month for _, month in per_month})
    by_month = {
        month: sum(per_month[(w, month)] for w in members) / len(members) for month in months
    }
    worst_day = max(per_day.items(), key=lambda item: item[1])
    first_days = {
        (who, day) for (who, day), seen in day_kinds.items() if seen["induction"]
    }  # a member's first day: three allowed, two on any other (plan/pacing.py)
    over_budget = sum(1 for key, n in per_day.items() if n > (3 if key in first_days else 2))
    return {
        "members": len(members),
        "emails": len(messages),
        "per member per month": {m: round(v, 1) for m, v in by_month.items()},
        "mean per member per month (Jan-Mar, whole months)": round(
            sum(v for m, v in by_month.items() if m < "2027-04") / 3, 1
        ),
        "most to one member in a month": max(per_month.values()),
        "most to one member on a day": worst_day[1],
        "days a member got more than 2": sum(1 for n in per_day.values() if n > 2),
        "days over the budget (2 a day, 3 on a member's first)": over_budget,
        "the newcomer's first day": per_day[("sam.lee@housing.example.org", "2027-02-15")],
        "by kind": dict(sorted(kinds.items())),
        "days over 2 (day, what came, how many members)": sorted(over.items()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=120)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reflect-budget-") as scratch:
        messages = asyncio.run(simulate(Path(scratch), args.days))
    for name, value in figures(messages).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
