"""The end of an answer: closing names, signature blocks and organisation footers.

Members rarely put ``-- `` above their signature. What follows the answer is
recognised line by line instead: the member's own name, first name or
initials (known from the membership, or from the ``From`` header), pronouns,
job titles and organisations, phone numbers and addresses, working-hours
notes, charity registration blocks and the disclaimers NHS, council and GP
mail systems append. A member's own signature, learnt from the ends of their
earlier messages (``learn_signatures``), is cut wherever it appears.

All of it is applied from the bottom of the member's last block upwards, and
stops at the first line that reads as part of the answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from email.utils import parseaddr

from . import patterns as p
from .types import Sender

MAX_SIGNATURE_LINES = 15
"""Lines a learnt signature may have; a longer common ending is not a signature."""

MAX_LEARN_MESSAGES = 30
"""Earlier messages looked at when learning a signature (the most recent ones)."""

_I = re.IGNORECASE

PHONE = re.compile(r"(?<![\w/])(?:\+\d{1,3}[\s.-]?(?:\(0\)\s?)?|\(?0)\d[\d\s().-]{7,16}\d(?![\w/])")
_CONTACT_LABEL = re.compile(
    r"^\s*[*_]{0,2}(?:t|tel|telephone|phone|ph|p|m|mob|mobile|cell|office|direct(?:\s+line)?|"
    r"switchboard|work|ext|extension|e|email|e-mail|w|web|website|fax|a|address|teams|"
    r"whatsapp|signal|twitter|x|linkedin|bluesky|instagram|facebook)[*_]{0,2}\s*[.:]",
    _I,
)
_EMAIL = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_URL_ONLY = re.compile(
    r"^\s*<?(?:https?://|www\.)\S+>?\s*$|^\s*[\w-]+(?:\.[\w-]+)+\.(?:org|uk|com|net)\S*\s*$", _I
)
_PRONOUNS = re.compile(
    r"\(?\b(?:she|he|they|ze|xe|any|hi|fe|nhw)\s*/\s*(?:her|him|them|hers|his|theirs|zir|xem|she|he|they|ei|nhw|pronouns)"
    r"(?:\s*/\s*\w+)?\b\)?|pronouns\s*:",
    _I,
)
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_RULE = re.compile(r"^\s*[-_=*~#+.]{4,}\s*$")
_TITLE_WORDS = re.compile(
    r"\b(?:manager|officer|lead|leader|coordinator|co-ordinator|director|nurse|gp|practitioner|"
    r"worker|chair|convenor|trustee|volunteer|partner|head|chief|consultant|commissioner|analyst|"
    r"administrator|admin|advisor|adviser|secretary|ceo|coo|cfo|founder|specialist|therapist|"
    r"pharmacist|physician|doctor|dr|clinical|clinician|matron|sister|health\s+visitor|"
    r"link\s+worker|navigator|champion|assistant|deputy|associate|principal|senior|interim|"
    r"team|service|services|council|nhs|trust|practice|cic|charity|foundation|association|"
    r"ltd|limited|surgery|centre|center|department|directorate|division|unit|health|care|"
    r"community|icb|pcn|borough|county|city|board|network|partnership|hub|group|alliance|"
    r"university|college|school|housing|society|project|programme|wellbeing|public)\b",
    _I,
)
# Whole paragraphs that only ever come after the answer: phrases no member
# writes in an answer.
TAIL_PARAGRAPH = re.compile(
    r"\b(?:my\s+working\s+(?:days|hours|pattern|week)\s+(?:are|is)"
    r"|my\s+(?:usual\s+)?(?:office\s+)?hours\s+are"
    r"|(?:outside|out\s+of)\s+(?:of\s+)?(?:my|your|normal|usual)\s+working\s+(?:hours|days|pattern)"
    r"|please\s+don'?t\s+feel\s+(?:obliged|you\s+need)\s+to\s+(?:respond|reply)"
    r"|registered\s+charity\b.{0,60}\d{5,}|charity\s+(?:no|number|reg(?:istration)?(?:\s+no)?)\b\.?:?\s*\d"
    r"|company\s+limited\s+by\s+guarantee|company\s+(?:no|number|reg(?:istration)?)\b\.?:?\s*\d"
    r"|registered\s+(?:in\s+england(?:\s+and\s+wales)?\s*(?:no|number)|office\s*:)"
    r"|scottish\s+charity\s+(?:no|number)"
    r"|nhsmail\s+is\s+the\s+secure|nhs\s*mail\s+is\s+(?:the|approved)"
    r"|^(?:find\s+out\s+more|for\s+more\s+information|more\s+information|visit\s+us|learn\s+more)"
    r"\b.{0,60}(?:https?://|www\.)\S+$"
    r"|e-?mails?\s+(?:sent|and\s+attachments)\s.{0,60}may\s+be\s+(?:monitored|read|recorded)"
    r"|(?:e-?mails?|messages?|communications?)\s.{0,60}may\s+be\s+(?:monitored|recorded|intercepted)"
    r"|(?:subject\s+to|under)\s+(?:the\s+)?freedom\s+of\s+information\s+act"
    r"|views\s+(?:or|and)\s+opinions\s+(?:expressed|contained)\s+(?:in|within)\s+this"
    r"|accepts?\s+no\s+(?:liability|responsibility)|does\s+not\s+accept\s+(?:any\s+)?(?:liability|responsibility)"
    r"|please\s+(?:notify|inform|tell)\s+the\s+sender|(?:please|and)\s+delete\s+(?:it|this\s+(?:e-?mail|message))\b"
    r"|think\s+before\s+you\s+print|please\s+consider\s+the\s+environment\s+before"
    r"|^thank\s+you\s+for\s+your\s+co-?operation\.?$"
    r"|(?:e-?mail|message)\s+has\s+been\s+(?:scanned|checked)|scanned\s+(?:by|for)\s+(?:viruses|malware)"
    r"|virus\s+(?:scanned|checked|free)\b|protected\s+by\s+(?:mimecast|sophos|symantec|proofpoint|barracuda)"
    r"|powered\s+by\s+(?:mimecast|messagelabs|proofpoint))",
    _I,
)
# Footer phrases that count only in a short paragraph (a member may use the words).
TAIL_SHORT_PARAGRAPH = re.compile(
    r"\b(?:i\s+(?:only\s+)?work\s+(?:part[- ]time|flexibly|(?:on\s+)?(?:mon|tue|tues|wed|thu|thur|thurs|fri)"
    r"(?:day)?s?\b|(?:\w+\s+){0,2}days)|not\s+in\s+the\s+office\s+on|i\s+don'?t\s+work\s+on"
    r"|registered\s+charity|community\s+interest\s+company|charity\s+commission"
    r"|follow\s+us\s+on|find\s+us\s+on\s+(?:facebook|twitter|instagram|linkedin)"
    r"|disability\s+confident|investors\s+in\s+people|living\s+wage\s+employer|mimecast|sophos)",
    _I,
)
_WORKING_NOTE = re.compile(
    r"\b(?:e-?mails?|reply|respond|response|hours|office|available|back\s+on|outside)\b",
    _I,
)


def is_footer_paragraph(text: str) -> bool:
    """A paragraph that only an e-mail footer holds (judged on the whole paragraph)."""
    if TAIL_PARAGRAPH.search(text):
        return True
    return (
        len(text.split()) <= 40
        and bool(TAIL_SHORT_PARAGRAPH.search(text))
        and bool(_WORKING_NOTE.search(text) or len(text.split()) <= 12)
    )


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.casefold().split())


def _bare(text: str) -> str:
    """A line reduced to its words: pronouns, kisses and punctuation removed."""
    text = _PRONOUNS.sub(" ", text)
    text = re.sub(r"^[\s\-–—~*_]+", "", text)
    text = re.sub(r"(?:\s+x{1,4}|\s*[.,!;:)*_]+)+\s*$", "", text, flags=_I)
    return _fold(text)


def name_forms(sender: Sender | None) -> frozenset[str]:
    """Folded forms a member may close with: full name, first names, initials, "Dr X"."""
    if sender is None:
        return frozenset()
    forms: set[str] = set()
    words = sender.name_words()
    if words:
        forms.add(_fold(" ".join(words)))
        forms.add(_fold(sender.name))
        forms.add(_fold(f"{words[0]} {words[-1][:1]}"))
        if len(words) > 1:
            forms.add(_fold(words[-1]))
            forms.add(_fold(f"{words[0][:1]} {words[-1]}"))
            forms.add(_fold(f"{words[0][:1]}. {words[-1]}"))
    for first in sender.all_first_names():
        forms.add(_fold(first))
        if words and len(words) > 1:
            forms.add(_fold(f"{first} {words[-1]}"))
    forms.update(_fold(i) for i in sender.all_initials())
    return frozenset(f for f in forms if f)


def is_name_line(line: str, sender: Sender | None, forms: frozenset[str] | None = None) -> bool:
    """Whether ``line`` is only the member's name, first name or initials (kisses allowed)."""
    stripped = line.strip()
    if not stripped or len(stripped) > 80:
        return False
    forms = name_forms(sender) if forms is None else forms
    bare = _bare(stripped)
    if bare in forms:
        if len(bare) <= 3 and bare.replace(".", "").isalpha():
            # initials count only as written in capitals ("DM", "G x"), not "dm"
            letters = re.sub(r"[^A-Za-z]", "", _PRONOUNS.sub("", stripped).rstrip("xX "))
            return letters.isupper() or bool(re.fullmatch(r"[A-Z][a-z]+", letters))
        return True
    words = bare.split()
    # a short form of the first name with the surname ("Bea Oyelaran-Smith")
    short_form = len(words) == 2 and len(words[0]) >= 2 and words[1] in forms
    if short_form and any(f.startswith(words[0]) and " " not in f and f != words[1] for f in forms):
        return True
    # "Dr Amara Nwosu", "Amara Nwosu MBE", "Amara (Nwosu)"
    extra = re.sub(
        r"(?i:\b(?:dr|mr|mrs|ms|mx|prof|cllr|rev)\b\.?)|\b[A-Z]{2,6}\b|[()]", " ", stripped
    )
    return bool(forms) and _bare(extra) in forms


_GENERIC_CLOSING = re.compile(
    r"^\s*[-–—~]?\s*(?:[A-Z][a-z'’-]{1,15}|[A-Z]{1,3}|[A-Z]\.(?:[A-Z]\.){0,2})(?:\s+x{1,4})?\s*$"
)


def is_closing_name(line: str, sender: Sender | None, forms: frozenset[str]) -> bool:
    """A line that closes the answer with a name: the member's, a short form of it
    ("Bea" for Beatrice), or, when no name is known, one name-like word."""
    if forms and is_name_line(line, sender, forms):
        return True
    if not _GENERIC_CLOSING.match(line) or _fold(line) in _NOT_NAMES:
        return False
    if not forms:
        return True
    bare = _bare(line).lstrip("-–—~ ")
    return len(bare) >= 2 and any(form.startswith(bare) for form in forms if " " not in form)


_NOT_NAMES = frozenset(
    {"yes", "no", "ok", "okay", "agreed", "same", "none", "nothing", "n/a", "tbc"}
)


def is_signature_line(line: str, sender: Sender | None, forms: frozenset[str]) -> tuple[bool, bool]:
    """(signature-like, certainly signature) for one line after the answer."""
    if _RULE.match(line[:200]):
        return True, True
    stripped = line.strip().strip("*_")
    if not stripped:
        return True, False
    if len(stripped) > 120:
        return False, False
    if is_name_line(stripped, sender, forms) or _PRONOUNS.search(stripped):
        return True, True
    if stripped in {"--", "—", "__"}:
        return True, True
    if _CONTACT_LABEL.match(stripped) or _URL_ONLY.match(stripped) or _RULE.match(stripped):
        return True, True
    if _EMAIL.fullmatch(stripped.strip("<>")):
        return True, True
    if PHONE.search(stripped) and len(stripped.split()) <= 8:
        return True, True
    if POSTCODE.search(stripped) and len(stripped.split()) <= 12:
        return True, True
    words = stripped.split()
    sentence = bool(re.search(r"[a-z]{2,}[.?!]$", stripped)) or len(words) > 9
    if sender is not None and not sentence:
        # "Public Health Lead, City Council" signs; "We at the City Council listen." answers
        folded = _fold(stripped)
        for known in (sender.organisation, sender.role):
            if known.strip() and _fold(known) in folded:
                return True, True
    if stripped.startswith("[cid:") or p.DEVICE_FOOTER.match(stripped):
        return True, True
    if (
        not sentence
        and "|" in stripped
        and all(len(part.split()) <= 6 for part in stripped.split("|"))
    ):
        return True, True
    if (
        not sentence
        and _mostly_capitalised(words)
        and (
            _TITLE_WORDS.search(stripped)
            or (len(words) <= 5 and not re.search(r"[.?!,;:]$", stripped))
        )
    ):
        return True, False
    return False, False


def _mostly_capitalised(words: list[str]) -> bool:
    """Title-like: most words start with a capital ("Public Health Lead")."""
    small = {"of", "and", "for", "the", "&", "in", "at", "to", "-", "–", "|", "on", "a"}
    counted = [w for w in words if w.casefold() not in small]
    if not counted:
        return False
    capitals = sum(1 for w in counted if w[:1].isupper() or w[:1].isdigit())
    return capitals * 3 >= len(counted) * 2


def drop_tail(lines: list[str], sender: Sender | None) -> list[str]:
    """Remove signature blocks, name lines and organisation footers after the answer.

    Paragraphs are judged from the bottom up. Footer paragraphs (disclaimers,
    working hours, charity registration, virus scans) go at once; a run of
    signature-like paragraphs goes when one of its lines is certainly a
    signature (the member's name, pronouns, a phone number, an address). The
    first paragraph that reads as the answer stops the walk.
    """
    forms = name_forms(sender)
    end = len(lines)
    pending: int | None = None  # start of a run of signature-like paragraphs not yet proved
    after_footer = False
    while True:
        while end > 0 and not lines[end - 1].strip():
            end -= 1
        if end == 0:
            # only signature-like lines, none of them proved one ("Done Monday"): they
            # are the answer, not a signature with nothing above it
            return lines[:pending] if pending is not None else []
        start = end
        while start > 0 and lines[start - 1].strip():
            start -= 1
        paragraph = lines[start:end]
        joined = " ".join(line.strip() for line in paragraph)[:5000]
        if (
            is_footer_paragraph(joined)
            or p.DISCLAIMER_STRONG.search(joined)
            or p.BANNER.search(joined)
        ):
            end, pending, after_footer = start, None, True
            continue
        if after_footer and len(paragraph) == 1 and _is_tagline(joined, sender):
            end = start
            continue
        after_footer = False
        cut, sure = _signature_start(paragraph, sender, forms)
        if cut is None:
            return lines[: pending if pending is not None else end]
        if cut > 0:
            return lines[: start + cut]
        if sure:
            end, pending = start, None
        else:
            pending = pending if pending is not None else end
            end = start


def _is_tagline(text: str, sender: Sender | None) -> bool:
    """An organisation's one-line slogan above its footer ("X Council: working for ...")."""
    if len(text.split()) > 12 or re.search(r"[.?!]$", text):
        return False
    if sender is not None and sender.organisation and _fold(sender.organisation) in _fold(text):
        return True
    return bool(_TITLE_WORDS.search(text)) and text[:1].isupper()


def _short_line(line: str) -> bool:
    stripped = line.strip()
    return len(stripped.split()) <= 8 and not re.search(r"[a-z]{2,}[.?!]$", stripped)


MAX_BLOCK_LINES = 40
"""Lines of a paragraph judged as a possible signature (a signature is never longer)."""


def _signature_start(
    paragraph: list[str], sender: Sender | None, forms: frozenset[str]
) -> tuple[int | None, bool]:
    """Where a signature begins in this paragraph (0: all of it, None: nowhere), and if sure.

    Lines are judged from the bottom up and at most ``MAX_BLOCK_LINES`` of
    them, so a long paragraph costs no more than a short one.
    """
    lowest = max(len(paragraph) - MAX_BLOCK_LINES, 0)
    judged: dict[int, tuple[bool, bool]] = {}
    k = len(paragraph) - 1
    while k >= lowest:
        judged[k] = is_signature_line(paragraph[k], sender, forms)
        if not judged[k][0]:
            break
        k -= 1
    all_like = k < 0
    if all_like:
        return 0, any(sure for _, sure in judged.values())
    # Name first, then short lines (title, organisation): a signature block.
    if (
        1 < len(paragraph) <= MAX_BLOCK_LINES
        and is_name_line(paragraph[0], sender, forms)
        and all(_short_line(line) for line in paragraph[1:])
    ):
        return 0, True
    # The answer's last lines and then the signature, with no blank line between:
    # the signature must start with the member's name (or a bare "--").
    best = None
    for j in range(len(paragraph) - 1, max(k, 0), -1):
        if paragraph[j].strip() == "--" or is_name_line(paragraph[j], sender, forms):
            best = j
    return (best, True) if best is not None else (None, False)


def _key(line: str) -> str:
    return _fold(line)[:300]


def learn_signatures(texts: Sequence[str]) -> tuple[str, ...]:
    """Signature blocks found at the end of two or more of one member's messages.

    ``texts`` are the bodies (as text) of the member's earlier messages, in
    any order; the quoted original is cut from each before comparing. A block
    is the longest run of whole lines that two messages end with (ignoring
    blank lines and spacing), of at most ``MAX_SIGNATURE_LINES`` lines, and
    not the whole of both messages. Longest blocks come first.
    """
    from .trim import own_tail_lines

    endings: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for text in list(texts)[-MAX_LEARN_MESSAGES:]:
        lines = [line.strip() for line in own_tail_lines(text) if line.strip()]
        key = tuple(_key(line) for line in lines)
        if not lines or key in seen:
            continue
        seen.add(key)
        endings.append(lines)
    found: dict[tuple[str, ...], str] = {}
    for a in range(len(endings)):
        for b in range(a + 1, len(endings)):
            first, second = endings[a], endings[b]
            n = 0
            limit = min(len(first), len(second), MAX_SIGNATURE_LINES)
            while n < limit and _key(first[-1 - n]) == _key(second[-1 - n]):
                n += 1
            if n == 0 or (n == len(first) and n == len(second)):
                continue
            block = first[-n:]
            if n == 1 and len(block[0]) > 60:
                continue  # one shared sentence is not a signature
            found.setdefault(tuple(_key(line) for line in block), "\n".join(block))
    return tuple(sorted(found.values(), key=lambda block: (-block.count("\n"), block)))


def drop_known(lines: list[str], signatures: Sequence[str]) -> list[str]:
    """Cut a member's learnt signature, and whatever follows it, from the block."""
    keyed = [(k, _key(line)) for k, line in enumerate(lines) if line.strip()]
    for signature in signatures:
        wanted = [_key(line) for line in signature.split("\n") if line.strip()]
        if not wanted or len(wanted) > len(keyed):
            continue
        for start in range(len(keyed) - len(wanted), -1, -1):
            if all(keyed[start + j][1] == wanted[j] for j in range(len(wanted))):
                return lines[: keyed[start][0]]
    return lines


def sender_from_header(value: str) -> Sender | None:
    """The member as a ``From`` header names them, when nothing better is known.

    "Okafor, Tom" is read as Tom Okafor, a trailing "(Council)" or "| Trust"
    is dropped, and with no display name a "first.last@" address gives one.
    """
    name, address = parseaddr(value[:2000])
    name = re.sub(r"\s*[(\[].*?[)\]]\s*|\s+[|/–-]\s+.*$", " ", name).strip().strip("'\"")
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}"
    local = address.partition("@")[0]
    if not name and re.fullmatch(r"[A-Za-z]{2,}[._][A-Za-z'-]{2,}", local):
        name = " ".join(part.capitalize() for part in re.split(r"[._]", local))
    if "@" in name or not name.strip():
        return Sender(email=address.lower()) if address else None
    return Sender(name=" ".join(name.split()), email=address.lower())
