"""A spreadsheet's bytes as text: the encodings and separators it is really saved with.

UTF-8 with or without a byte-order mark, UTF-16 ("Unicode Text") or
Windows-1252; comma-, semicolon- or tab-separated. A workbook saved in its own
format (.xlsx, .ods, .xls) is named, with how to save it as CSV.
"""

from __future__ import annotations

from scheduler.errors import Problem

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of an old Excel .xls
_SAVE_AS_CSV = (
    'In Excel choose File > Save As and the type "CSV UTF-8 (Comma delimited) (*.csv)"; '
    'in LibreOffice, File > Save As, "Text CSV (.csv)" with the character set "Unicode (UTF-8)".'
)


def workbook_problem(raw: bytes, file: str) -> Problem | None:
    """A spreadsheet saved in its own format rather than as text, said plainly."""
    if raw.startswith(_ZIP):
        head = raw[:200]
        if b"mimetype" in head and b"opendocument" in head:
            what = "a LibreOffice or OpenOffice spreadsheet (.ods)"
        else:
            what = "an Excel workbook (.xlsx)"
    elif raw.startswith(_OLE):
        what = "an old-style Excel workbook (.xls)"
    else:
        return None
    return Problem(
        file,
        f"this is {what}, not a CSV file, so it cannot be read. {_SAVE_AS_CSV} "
        f"Then point [partnership] members at the .csv file.",
        None,
    )


def _utf16(raw: bytes) -> str | None:
    """The text of a file saved as "Unicode Text" (UTF-16), or None if it is not one."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    sample = raw[:400]
    if len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):
        # ASCII text in UTF-16 without a byte-order mark: every other byte is zero
        little = sample[1::2].count(0) > sample[0::2].count(0)
        return raw.decode("utf-16-le" if little else "utf-16-be", errors="replace")
    return None


def decode_spreadsheet(raw: bytes) -> str:
    """UTF-8 (a BOM is dropped), UTF-16 ("Unicode Text"), else Windows-1252 as Excel writes it."""
    wide = _utf16(raw)
    if wide is not None:
        return wide.lstrip("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def separator(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","
