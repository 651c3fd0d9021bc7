"""What the archive keeps of the development set's replies: the ingest path, which knows the
prompt and the member, is what digests and exports are made from, so it is scored too.

The partnership the corpus was written against is recreated (the example config and
members, the corpus's token key, its two ticks); each reply is stored and read by the
real reader into a real archive. ``bench/score_archive_path.py`` prints the same figures
through the command line.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.partnership import REPO, shared_dir

from scheduler.app.services import build_services
from scheduler.inbound.ingest import store_raw

KEY = "devset-key-0123456789abcdef0123456789ab"  # the corpus README's
TICKS = (datetime(2026, 11, 22, 9, tzinfo=UTC), datetime(2027, 1, 5, 11, tzinfo=UTC))
FLOOR = 69  # of 69 answers; only rises


def normalise(text: str) -> str:
    lines = [
        line.rstrip() for line in text.replace("\r\n", "\n").replace("\u00a0", " ").split("\n")
    ]
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


@pytest.mark.slow
def test_the_archive_keeps_each_answer_of_the_development_set_word_for_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = shared_dir("corpora/reflection-replies")
    monkeypatch.setenv("REFLECT_TOKEN_KEY", KEY)
    shutil.copy(REPO / "config.example.toml", tmp_path / "config.toml")
    shutil.copy(REPO / "members.example.csv", tmp_path / "members.example.csv")
    monkeypatch.chdir(tmp_path)
    with build_services(tmp_path / "config.toml") as services:
        for moment in TICKS:
            asyncio.run(services.tick(moment, ingest=False))
        exact, kept_out, misses = 0, 0, []
        cases = sorted(corpus.glob("*.eml"))
        for eml in cases:
            expected = json.loads(eml.with_suffix(".expected.json").read_text(encoding="utf-8"))
            stored = store_raw(services.archive, eml.read_bytes(), source="file", ref=eml.name,
                               now=TICKS[1])  # fmt: skip
            services.reader().process_pending(TICKS[1])
            row = services.archive.one(
                "SELECT i.status, coalesce(a.text, '') AS text FROM inbound i "
                "LEFT JOIN answers a ON a.inbound_id = i.id WHERE i.id = ?",
                (stored.id,),
            )
            assert row is not None
            if expected["kind"] != "answer":
                kept_out += row["status"] != "answer"
            elif row["status"] == "answer" and normalise(row["text"]) == normalise(
                expected["text"]
            ):
                exact += 1
            else:
                misses.append(eml.name)
    answers = sum(
        json.loads(e.with_suffix(".expected.json").read_text(encoding="utf-8"))["kind"] == "answer"
        for e in cases
    )
    assert kept_out == len(cases) - answers  # no bounce, RSVP or auto-reply became an answer
    assert exact >= FLOOR, f"{exact} of {answers} archived exactly; missed: {misses}"
