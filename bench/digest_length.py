"""How long the governance digest is for a member: words, and phone screens at 375px.

Runs the example partnership's governance cycle (tests/support/governance.py) through
the real service and measures the digest one member gets: the words of its plain-text
part, and the height of its HTML part in headless Chromium 375 pixels wide, in
screens of 667 pixels, folded as sent and with every fold opened. Run it against
another checkout's code to compare (the figures in docs/email-budget.md):

    PYTHONPATH=/path/to/checkout python3 bench/digest_length.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.browser import phone_layout
from support.governance import run_governance_cycle


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        cycle = run_governance_cycle(Path(work) / "cycle")
        digest = next(m for m in cycle.digests if "Governance review" in str(m["Subject"]))
        text = digest.get_body(("plain",))
        html = digest.get_body(("html",))
        assert text is not None
        assert html is not None
        page = html.get_content()
        folded = phone_layout(page, Path(work) / "folded")
        opened = phone_layout(page, Path(work) / "opened", open_details=True)
        answered = sum(len(a.split()) for a in cycle.answers.values())
        print(f"answers: {len(cycle.answers)}, {answered} words")
        print(f"plain text: {len(text.get_content().split())} words")
        print(f"phone (375px): {folded.screens:.1f} screens as sent, "
              f"{opened.screens:.1f} with every fold opened; "
              f"widest {folded.scroll_width}px in {folded.client_width}px")  # fmt: skip


if __name__ == "__main__":
    main()
