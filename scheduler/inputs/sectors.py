"""The sectors a member can come from, and every way the code names them.

One table, ``_SECTORS``: the code written in members.csv's sector column, the
label a member reads, the shorter one a chart shows, the phrase and words a
participation flag uses, and the side of the partnership it is on (statutory or
community) for pairing and rotation. Add a sector here and every use follows.
The labels people write instead of the codes ("Local Authority", "GP") are in
``SECTOR_ALIASES``, read by ``read_sector``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Sector:
    code: str  # as members.csv writes it
    label: str  # "Voluntary, community and social enterprise"
    short: str  # for charts and tables: "Voluntary & community"
    phrase: str  # "too few replies from the voluntary and community sector"
    words: str  # one or more sectors joined: "voluntary and community + NHS"
    side: str = ""  # "statutory", "community" or "" (neither)


_SECTORS = (
    Sector(
        "vcse",
        "Voluntary, community and social enterprise",
        "Voluntary & community",
        "the voluntary and community sector",
        "voluntary and community",
        "community",
    ),
    Sector("nhs", "NHS", "NHS", "the NHS sector", "NHS", "statutory"),
    Sector(
        "local_authority",
        "Local authority",
        "Local authority",
        "the local authority sector",
        "local authority",
        "statutory",
    ),
    Sector(
        "primary_care",
        "Primary care",
        "Primary care",
        "the primary care sector",
        "primary care",
        "statutory",
    ),
    Sector(
        "community",
        "Community members",
        "Community members",
        "community members",
        "community",
        "community",
    ),
    Sector("other", "Other", "Other", "members from other sectors", "other"),
)

SECTORS = tuple(s.code for s in _SECTORS)
SECTOR_LABELS = {s.code: s.label for s in _SECTORS}
SECTOR_SHORT = {s.code: s.short for s in _SECTORS}
SECTOR_PHRASES = {s.code: s.phrase for s in _SECTORS}
SECTOR_WORDS = {s.code: s.words for s in _SECTORS}
STATUTORY_SECTORS = frozenset(s.code for s in _SECTORS if s.side == "statutory")
COMMUNITY_SECTORS = frozenset(s.code for s in _SECTORS if s.side == "community")

# Sector labels as people write them, lower-case with punctuation and "and" taken
# out (see ``read_sector``); each is read with a warning saying so.
SECTOR_ALIASES = {
    "voluntary": "vcse",
    "voluntary sector": "vcse",
    "voluntary community": "vcse",
    "voluntary community sector": "vcse",
    "voluntary community social enterprise": "vcse",
    "third sector": "vcse",
    "vcs": "vcse",
    "vcfse": "vcse",
    "vcse sector": "vcse",
    "charity": "vcse",
    "nhs trust": "nhs",
    "health": "nhs",
    "icb": "nhs",
    "local authority": "local_authority",
    "council": "local_authority",
    "la": "local_authority",
    "local government": "local_authority",
    "primary care": "primary_care",
    "gp": "primary_care",
    "gp practice": "primary_care",
    "general practice": "primary_care",
    "pcn": "primary_care",
    "community member": "community",
    "community members": "community",
    "resident": "community",
    "residents": "community",
}


def read_sector(written: str) -> str | None:
    """The sector a label means, as people write it ("Local Authority", "NHS"), or None."""
    words = " ".join(re.sub(r"[-_/&,.()]", " ", written.lower()).split())
    words = re.sub(r"\band\b", "", words)
    words = " ".join(words.split())
    as_code = words.replace(" ", "_")
    if as_code in SECTORS:
        return as_code
    return SECTOR_ALIASES.get(words)
