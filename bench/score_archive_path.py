"""Score what the archive keeps from the reflection-replies development set.

``reflect parse-reply`` reads one message knowing nothing; the archive path
(``reflect ingest`` into a real partnership) knows the prompt, the member and
their earlier messages, and it is what digests and exports are made from. This
recreates the partnership the corpus was written against (the example config
and members, its token key, its two ticks), ingests every case through the real
command, and compares each archived answer with the expected text, by the
corpus's own normalisation. Prints the figures; ``-v`` prints each miss.

    python bench/score_archive_path.py [CORPUS_DIR] [-v]
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "reflection-replies"
# The corpus README names the key and the two ticks its prompts came from.
KEY = "devset-key-0123456789abcdef0123456789ab"
TICKS = ("2026-11-22T09:00", "2027-01-05T11:00")
READ_AT = "2027-01-06T09:00"


def normalise(text: str) -> str:
    """The corpus's own normalisation (score.py): line ends, NBSP, trailing spaces, blank runs."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n")
             .replace("\u00a0", " ").split("\n")]  # fmt: skip
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    out: list[str] = []
    for line in lines:
        if not (line == "" and out and out[-1] == ""):
            out.append(line)
    return "\n".join(out)


def reflect(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REFLECT_TOKEN_KEY": KEY}
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(home / "config.toml"), *args],
        capture_output=True, text=True, env=env, check=False, cwd=home,
    )  # fmt: skip


def score(corpus: Path, home: Path) -> list[tuple[str, dict[str, str], str, str]]:
    """(case, expected, archived status, archived text) for every case, in order."""
    shutil.copy(REPO / "config.example.toml", home / "config.toml")
    shutil.copy(REPO / "members.example.csv", home / "members.example.csv")
    for moment in TICKS:
        done = reflect(home, "tick", "--now", moment)
        if done.returncode != 0:
            raise SystemExit(f"tick {moment} failed: {done.stderr[-500:]}")
    results = []
    for eml in sorted(corpus.glob("*.eml")):
        expected = json.loads(eml.with_suffix(".expected.json").read_text(encoding="utf-8"))
        reflect(home, "ingest", str(eml))
        conn = sqlite3.connect(home / "var" / "reflect.db")
        status, text = conn.execute(
            """SELECT i.status, coalesce(a.text, '') FROM inbound i
               LEFT JOIN answers a ON a.inbound_id = i.id ORDER BY i.id DESC LIMIT 1"""
        ).fetchone()
        conn.close()
        results.append((eml.name, expected, status, text))
    return results


def exact(expected: dict[str, str], status: str, text: str) -> bool:
    """An expected answer archived word for word; any other kind not archived as an answer."""
    if expected["kind"] == "answer":
        return status == "answer" and normalise(text) == normalise(expected["text"])
    return status != "answer"


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    corpus = Path(args[0]) if args else CORPUS
    if not corpus.exists():
        raise SystemExit(f"{corpus} is not here (the shared corpora sit beside the checkout)")
    with tempfile.TemporaryDirectory() as tmp:
        results = score(corpus, Path(tmp))
    answers = [r for r in results if r[1]["kind"] == "answer"]
    print(f"cases: {len(results)}   answers: {len(answers)}   "
          f"archived exactly: {sum(exact(e, s, t) for _, e, s, t in answers)}   "
          f"others kept out of the answers: "
          f"{sum(exact(e, s, t) for _, e, s, t in results if e['kind'] != 'answer')} of "
          f"{len(results) - len(answers)}")  # fmt: skip
    if "-v" in sys.argv:
        for name, expected, status, text in results:
            if not exact(expected, status, text):
                print(f"\n=== {name}: expected {expected['kind']}, archived as {status}")
                print("--- expected\n" + normalise(expected.get("text", "")))
                print("--- archived\n" + normalise(text))


if __name__ == "__main__":
    main()
