"""HTML bodies read as a person sees them, with the quoted original left out.

Used only when a message has no ``text/plain`` body. Block elements and
``<br>`` end lines, an empty block is a blank line, list items become
``- item`` (``1. item`` in ordered lists), entities are decoded, and script and
style are dropped. The containers mail clients put quoted originals in
(Gmail's ``gmail_quote``, Outlook's ``divRplyFwdMsg`` and what follows it,
``blockquote type=cite``, Yahoo's ``yahoo_quoted``) are removed first.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

MAX_HTML_CHARS = 2 * 1024 * 1024
"""Characters of HTML we render; a longer body is cut first."""

MAX_HTML_DEPTH = 256
"""Element nesting kept before parsing; tags nested deeper are dropped (their text stays).

An HTML5 tree builder looks through its stack of open elements for many
tags, so its work grows with the square of the nesting depth: 100,000 nested
``<div>`` took about 13 s in lexbor. Mail clients nest a few dozen levels at
most (quoted chains), so capping the depth first keeps the parse linear in
the input without changing how a real message reads.
"""

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})\b[^<>]{0,2000}?(/?)>")


def cap_nesting(html: str, limit: int = MAX_HTML_DEPTH) -> tuple[str, int]:
    """``html`` with element tags beyond ``limit`` levels removed, and how many were.

    One pass over the tags with a depth counter (no stack of names), so it is
    linear whatever the input. Well-nested markup within the limit is returned
    unchanged; past it, the innermost opening tags and as many closing tags
    are dropped, leaving their text in place.
    """
    depth = 0
    excess = 0
    dropped = 0
    pieces: list[str] = []
    last = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or self_closing:
            continue
        drop = False
        if not closing:
            if depth >= limit:
                excess += 1
                drop = True
            else:
                depth += 1
        elif excess:
            excess -= 1
            drop = True
        else:
            depth = max(depth - 1, 0)
        if drop:
            dropped += 1
            pieces.append(html[last : match.start()])
            last = match.end()
    if not dropped:
        return html, 0
    pieces.append(html[last:])
    return "".join(pieces), dropped


# Containers that hold the quoted original, for each client we know.
_QUOTE_SELECTORS = (
    ".gmail_quote",
    ".gmail_quote_container",
    "blockquote[type=cite]",
    ".yahoo_quoted",
    "#yahoo_quoted",
    ".moz-cite-prefix",
    ".moz-forward-container",
    "#mail-editor-reference-message-container",
    ".zmail_extra",
    "#isForwardContent",
)
# Containers after which everything at the same level is the quoted original.
_CUT_FROM_SELECTORS = (
    "#divRplyFwdMsg",
    "#appendonsend",
    "#x_divRplyFwdMsg",
    "div.OutlookMessageHeader",
)
_SIGNATURE_SELECTORS = (".gmail_signature", "#Signature", "#signature", ".moz-signature")

_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    ]
)
_DROP = frozenset(
    ["script", "style", "head", "title", "template", "noscript", "svg", "math", "object", "iframe"]
)
_CELL = frozenset(("td", "th"))
_WS = re.compile(r"[ \t\n\r\f\v]+")


def _remove_quoted(tree: LexborHTMLParser) -> None:
    for selector in _CUT_FROM_SELECTORS:
        node = tree.css_first(selector)
        if node is None:
            continue
        # Outlook puts an <hr> (or a bordered div) just before the header block.
        prev = node.prev
        while prev is not None and prev.tag in {"-text", "hr", "br"}:
            following = prev.prev
            if prev.tag != "-text" or not (prev.text(deep=False) or "").strip():
                prev.decompose()
            prev = following
        cursor: LexborNode | None = node
        while cursor is not None:
            nxt = cursor.next
            cursor.decompose()
            cursor = nxt
    for selector in _QUOTE_SELECTORS + _SIGNATURE_SELECTORS:
        for node in tree.css(selector):
            node.decompose()


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current = ""
        self.pre = 0
        self.visible = 0
        self.marks: list[int] = []
        self.marker = ""  # a list item's "- " waiting for the item's first words

    def text(self, value: str) -> None:
        if value.replace("\xa0", " ").strip():
            self.visible += 1
            if self.marker:
                if self.current.strip("\x00 "):
                    self.end_line()
                self.current, self.marker = self.marker, ""
                value = value.lstrip()
        if self.pre:
            parts = value.replace("\r\n", "\n").split("\n")
            self.current += parts[0]
            for part in parts[1:]:
                self.lines.append(self.current)
                self.current = part
            return
        value = _WS.sub(" ", value.replace("\xa0", "\x00"))
        if not self.current.strip("\x00 ") or self.current.endswith(" "):
            value = value.lstrip(" ")
        self.current += value

    def end_line(self) -> None:
        self.visible += 1
        self.lines.append(self.current)
        self.current = ""

    def end_block(self) -> None:
        if self.current.strip("\x00 "):
            self.end_line()
        else:
            self.current = ""

    def result(self) -> str:
        self.end_block()
        return "\n".join(line.replace("\x00", " ").rstrip() for line in self.lines)


def html_to_text(html: str) -> str:
    """Render an HTML reply body as plain text, without the quoted original."""
    capped, _dropped = cap_nesting(html[:MAX_HTML_CHARS])
    tree = LexborHTMLParser(capped)
    _remove_quoted(tree)
    root = tree.body or tree.root
    if root is None:
        return ""
    out = _Writer()
    # (node, entering, list_counter) - an explicit stack keeps deep HTML safe.
    lists: list[list[int]] = []
    stack: list[tuple[LexborNode, bool]] = [(root, True)]
    while stack:
        node, entering = stack.pop()
        tag = node.tag or ""
        if not entering:
            _leave(node, tag, out, lists)
            continue
        if tag == "-text":
            out.text(node.text(deep=False) or "")
            continue
        if tag.startswith("-") or tag in _DROP:
            continue
        _enter(node, tag, out, lists)
        stack.append((node, False))
        children: list[LexborNode] = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend((c, True) for c in reversed(children))
    return out.result()


def _enter(node: LexborNode, tag: str, out: _Writer, lists: list[list[int]]) -> None:
    if tag == "br":
        out.end_line()
    elif tag in ("ul", "ol"):
        out.end_block()
        lists.append([1 if tag == "ol" else 0])
    elif tag == "li":
        out.end_block()
        depth = max(len(lists) - 1, 0)
        marker = "- "
        if lists and lists[-1][0] > 0:
            marker = f"{lists[-1][0]}. "
            lists[-1][0] += 1
        out.marker = "  " * depth + marker
    elif tag in _BLOCK:
        out.end_block()
        if tag == "pre":
            out.pre += 1
        out.marks.append(out.visible)
    elif tag in _CELL and out.current.strip("\x00 "):
        out.current += " "
    elif tag == "img":
        out.visible += 1


def _leave(node: LexborNode, tag: str, out: _Writer, lists: list[list[int]]) -> None:
    del node
    if tag in ("ul", "ol"):
        out.end_block()
        if lists:
            lists.pop()
    elif tag == "li":
        out.end_block()
    elif tag in _BLOCK:
        if tag == "pre":
            out.pre = max(out.pre - 1, 0)
        out.end_block()
        if out.marks and out.marks.pop() == out.visible:
            out.lines.append("")  # an empty block shows as a blank line
