"""Score how note-takers' replies are read: the held-out replies in
``bench/data/agreed_holdout.json`` (written for issue 17 and kept aside while the
reader was built) go through the real path, ``parse_reply`` then ``read_agreed``,
and each line is compared with what a person reading it would record: its kind,
its owner (a member's address, an organisation, or the words as written) and its
due day.

    PYTHONPATH=. python3 bench/agreed_score.py [--show]
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from pathlib import Path

from scheduler.replies import parse_reply
from scheduler.replies.agreed import AgreedLine, people_of, read_agreed

HERE = Path(__file__).resolve().parent


def _email(text: str, sender: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: reflect+agreed-x@reflect.example.org\r\nSubject: Re: notes\r\n"
        "Message-ID: <score@example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + text.replace("\n", "\r\n")
        + "\r\n"
    ).encode()


def _owner(line: AgreedLine) -> str:
    return line.owner_email or line.owner_organisation or line.owner_text


def score(path: Path, *, show: bool = False) -> dict[str, int]:
    data = json.loads(path.read_text(encoding="utf-8"))
    people = people_of([tuple(p) for p in data["people"]])
    totals = {"lines": 0, "kind": 0, "owner": 0, "due": 0, "all": 0, "count_matches": 0}
    for reply in data["replies"]:
        parsed = parse_reply(_email(reply["text"], "Note Taker <notes@example.org>"))
        found = read_agreed(
            parsed.text,
            people,
            meeting_start=datetime.fromisoformat(reply["meeting_start"]),
            next_meeting=date.fromisoformat(reply["next_meeting"]),
        )
        expected = reply["expected"]
        totals["count_matches"] += int(len(found) == len(expected))
        for n, (kind, owner, due) in enumerate(expected):
            totals["lines"] += 1
            got = found[n] if n < len(found) else AgreedLine("missing", "")
            checks = {
                "kind": got.kind == kind,
                "owner": _owner(got) == owner,
                "due": (got.due.isoformat() if got.due else "") == due,
            }
            for name, ok in checks.items():
                totals[name] += int(ok)
            totals["all"] += int(all(checks.values()))
            if show and not all(checks.values()):
                print(f"  expected {kind}/{owner or '-'}/{due or '-'}, got "
                      f"{got.kind}/{_owner(got) or '-'}/{got.due or '-'}: {got.text[:70]}")  # fmt: skip
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each line read wrongly")
    parser.add_argument("--data", type=Path, default=HERE / "data" / "agreed_holdout.json")
    args = parser.parse_args()
    totals = score(args.data, show=args.show)
    lines = totals["lines"]
    print(f"{lines} lines in {args.data.name}")
    for name in ("kind", "owner", "due", "all"):
        print(f"  {name:6} {totals[name]:3} of {lines} ({100 * totals[name] / lines:.0f}%)")


if __name__ == "__main__":
    main()
