"""Our own collection of members' replies (tests/data/reply_collection), scored as parse-reply is.

``dev/`` is what the rules were tuned on; ``heldout/`` was written at the same
time and scored once, at the end, to say how the reader does on replies it
was not tuned on. Each floor is the figure measured; it only rises. The
comparison normalises exactly as issue #4 says: line endings, no-break
spaces, trailing whitespace, blank edges and runs of blank lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.replies import parse_reply

COLLECTION = Path(__file__).resolve().parent / "data" / "reply_collection"

DEV_FLOOR = 73  # of 73: every case, kind and exact text
# Scored once at the end: 29 kinds right, 28 texts exact. The one miss was our
# expectation, not the reader (an HTML list reads "- item", rule 6 of #4); it
# was corrected afterwards, so all 29 now pass.
HELDOUT_FLOOR = 29


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def cases(folder: str) -> list[tuple[str, bytes, dict[str, str]]]:
    found = []
    for eml in sorted((COLLECTION / folder).glob("*.eml")):
        expected = json.loads(eml.with_suffix(".expected.json").read_text(encoding="utf-8"))
        found.append((eml.stem, eml.read_bytes(), expected))
    return found


def right(raw: bytes, expected: dict[str, str]) -> bool:
    got = parse_reply(raw)
    if str(got.kind) != expected["kind"]:
        return False
    if expected["kind"] in ("answer", "empty"):
        return normalise(got.text) == normalise(expected["text"])
    return True


def test_collection_is_big_enough_and_keeps_cases_aside() -> None:
    dev, heldout = cases("dev"), cases("heldout")
    assert len(dev) + len(heldout) >= 100
    assert len(heldout) >= 25
    assert not {name.split("-", 1)[1] for name, _, _ in dev} & {
        name.split("-", 1)[1] for name, _, _ in heldout
    }


@pytest.mark.parametrize(
    ("name", "raw", "expected"), cases("dev"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_dev_case_reads_as_expected(name: str, raw: bytes, expected: dict[str, str]) -> None:
    got = parse_reply(raw)
    assert str(got.kind) == expected["kind"], got.reason
    if expected["kind"] in ("answer", "empty"):
        assert normalise(got.text) == normalise(expected["text"])


def test_dev_score_floor() -> None:
    score = sum(right(raw, expected) for _, raw, expected in cases("dev"))
    assert score >= DEV_FLOOR


def test_heldout_score_floor() -> None:
    score = sum(right(raw, expected) for _, raw, expected in cases("heldout"))
    assert score >= HELDOUT_FLOOR
