"""Compare reply trimmers on the public corpora in ../shared/corpora.

Run from the repository root::

    python bench/eval_reply_trimmers.py [--corpora PATH] [--show NAME] [--diff]

Candidates: email-reply-parser (``erp``), mail-parser-reply (``mpr``),
quotequail (``qq``), this project's rules (``own``) and two combinations
(``erp+own``, ``mpr+own``: the library cuts first, our rules clean up).

Figures (percent of cases in a set):

* ``exact``  - output equals the maintainers' expected text (after strip).
  Only for sets with expected outputs (discourse, talon).
* ``core``   - agrees on the quote boundary: every output line occurs in the
  expected text, and the expected text's first line occurs in the output.
  Tolerates different signature conventions (talon keeps signatures).
* ``adj``    - same as the expected text once this project's clean-up rules
  (greeting, sign-off, signature, footers) are applied to both, i.e.
  agreement on where the quoted original starts under our conventions.
* ``leak``   - a quote header, attribution, separator, ``>`` line or
  "Sent from my ..." line that is *not* in the expected text (or, for sets
  without expectations, any such line) appears in the output.
* ``lost``   - the expected text's first line (or, without expectations, the
  input's first line of prose) is missing from the output.

The leak detector is our own regular expressions (scheduler.replies.patterns),
so it shares our blind spots: a quote header we do not recognise counts as
neither leaked nor lost for anyone. Figures are for comparison, not truth.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import re
import sys
from collections.abc import Callable
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.replies import patterns as pat  # noqa: E402
from scheduler.replies.html import html_to_text  # noqa: E402
from scheduler.replies.trim import trim_reply  # noqa: E402

DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora"
METRICS = ("exact", "core", "adj", "leak", "lost")
HTML_EXPECTED = "Hi. I am fine.\n\nThanks,\nAlex"


def _erp(text: str) -> str:
    from email_reply_parser import EmailReplyParser

    return str(EmailReplyParser.parse_reply(text))


_MPR_LANGS = ["en", "de", "fr", "es", "it", "nl", "da", "sv", "pl", "cs", "ja", "ko", "zh"]


def _mpr(text: str) -> str:
    from mailparser_reply import EmailReplyParser

    return str(EmailReplyParser(languages=_MPR_LANGS).parse_reply(text))


def _qq(text: str) -> str:
    import quotequail

    parts = quotequail.quote(text)
    return "\n".join(chunk for visible, chunk in parts if visible)


CANDIDATES: dict[str, Callable[[str], str]] = {
    "erp": _erp,
    "mpr": _mpr,
    "qq": _qq,
    "own": trim_reply,
    "erp+own": lambda t: trim_reply(_erp(t)),
    "mpr+own": lambda t: trim_reply(_mpr(t)),
}


def _safe(fn: Callable[[str], str], text: str) -> str:
    try:
        return fn(text)
    except Exception as exc:  # a crashing library scores as "lost everything"
        return f"<<crash {type(exc).__name__}>>"


def _norm(line: str) -> str:
    return " ".join(line.split())


def _lines(text: str) -> list[str]:
    return [_norm(x) for x in text.replace("\r\n", "\n").split("\n") if x.strip()]


def _is_quote_noise(line: str) -> bool:
    return bool(
        line.startswith(">")
        or pat.ATTRIBUTION_END.search(line)
        or pat.HEADER_FROM.match(line)
        or pat.SEPARATOR.match(line)
        or pat.DEVICE_FOOTER.match(line)
    )


def _first_prose(text: str) -> str | None:
    for line in _lines(text):
        if _is_quote_noise(line) or pat.GREETING.match(line):
            if _is_quote_noise(line):
                return None
            continue
        return line
    return None


def score(out: str, expected: str | None, source: str) -> dict[str, bool]:
    got = _lines(out)
    if expected is not None:
        want = _lines(expected)
        want_set = set(want)
        exact = out.strip() == expected.strip()
        core = all(g in want_set for g in got) and (not want or want[0] in got)
        leak = any(_is_quote_noise(g) and g not in want_set for g in got)
        lost = bool(want) and want[0] not in got
        adj = _lines(trim_reply(out)) == _lines(trim_reply(expected))
        return {"exact": exact, "core": core, "adj": adj, "leak": leak, "lost": lost}
    first = _first_prose(source)
    return {
        "leak": any(_is_quote_noise(g) for g in got),
        "lost": first is not None and first not in got,
    }


def _body_of_eml(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            return _text(part)
    return ""


def _text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return data.decode(part.get_content_charset() or "utf-8", errors="replace")


def load_sets(corpora: Path) -> dict[str, list[tuple[str, str, str | None]]]:
    """Set name -> [(case, input text, expected or None)]."""
    sets: dict[str, list[tuple[str, str, str | None]]] = {}
    d = corpora / "discourse-email_reply_trimmer" / "test"
    if d.is_dir():
        sets["discourse"] = [
            (
                f.stem,
                f.read_text(encoding="utf-8"),
                (d / "trimmed" / f.name).read_text(encoding="utf-8"),
            )
            for f in sorted((d / "emails").glob("*.txt"))
            if (d / "trimmed" / f.name).exists()
        ]
    t = corpora / "mailgun-talon" / "tests" / "fixtures"
    if t.is_dir():
        cases = []
        for f in sorted((t / "standard_replies").glob("*.eml")):
            exp = t / "standard_replies" / f"{f.stem}_reply_text"
            cases.append((f.stem, _body_of_eml(f), exp.read_text() if exp.exists() else "Hello"))
        sets["talon-eml"] = cases
    for name, folder, sub in (
        ("crisp", "crisp-oss-email-reply-parser", "test/fixtures"),
        ("alfonsrv", "alfonsrv-mail-parser-reply", "test/emails"),
        ("zapier", "zapier-email-reply-parser", "test/emails"),
        ("github", "github-email_reply_parser", "test/emails"),
    ):
        base = corpora / folder / sub
        if base.is_dir():
            sets[name] = [
                (f.stem, f.read_text(encoding="utf-8", errors="replace"), None)
                for f in sorted(base.glob("*.txt"))
            ]
    return sets


def html_cases(corpora: Path) -> list[tuple[str, str]]:
    base = corpora / "mailgun-talon" / "tests" / "fixtures" / "html_replies"
    return [
        (f.stem, f.read_text(encoding="utf-8", errors="replace"))
        for f in sorted(base.glob("*.html"))
    ]


def html_scores(corpora: Path) -> dict[str, tuple[int, int, int]]:
    """Per candidate: (whitespace-free match with talon's text, match without sign-off, total)."""
    import html2text

    def lib_text(html: str) -> str:
        conv = html2text.HTML2Text()
        conv.body_width = 0
        return str(conv.handle(html))

    want = re.sub(r"\s", "", HTML_EXPECTED)
    want_core = re.sub(r"\s", "", "Hi. I am fine.")
    results: dict[str, tuple[int, int, int]] = {}
    cases = html_cases(corpora)
    for name, fn in CANDIDATES.items():
        full = core = 0
        for _, html in cases:
            text = html_to_text(html) if name == "own" else lib_text(html)
            got = re.sub(r"\s", "", _safe(fn, text))
            full += got == want
            core += got in (want, want_core)
        results[name] = (full, core, len(cases))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--show", help="print each case's output for this candidate")
    parser.add_argument("--diff", action="store_true", help="with --show: only failing cases")
    args = parser.parse_args()
    if not args.corpora.is_dir():
        print(f"No corpora at {args.corpora}", file=sys.stderr)
        return 2
    sets = load_sets(args.corpora)
    header = f"{'set':<11}{'n':>4}  {'candidate':<9}" + "".join(f"{m:>7}" for m in METRICS)
    print(header)
    print("-" * len(header))
    for set_name, cases in sets.items():
        for cand, fn in CANDIDATES.items():
            totals: dict[str, int] = {}
            for case, text, expected in cases:
                out = _safe(fn, text)
                s = score(out, expected, text)
                for key, value in s.items():
                    totals[key] = totals.get(key, 0) + int(value)
                if args.show == cand and (
                    not args.diff or not s.get("exact", not s["leak"] and not s["lost"])
                ):
                    print(f"\n##### {set_name}/{case} {s}\n{out}\n----- expected\n{expected}")
            n = len(cases)
            cells = "".join(
                f"{100 * totals[m] / n:>6.0f}%" if m in totals else f"{'-':>7}" for m in METRICS
            )
            print(f"{set_name:<11}{n:>4}  {cand:<9}{cells}")
        print()
    print("talon HTML replies (9): matches talon's text / matches without sign-off")
    for cand, (full, core, n) in html_scores(args.corpora).items():
        print(f"  {cand:<9}{full:>3}/{n}  {core:>3}/{n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
