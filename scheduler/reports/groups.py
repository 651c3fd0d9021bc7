"""Counts by sector and by organisation, and the merging that keeps a small group
from being worked out when replies are anonymised.

How reports speak of each sector (short labels, phrases) is in
``inputs/sectors.py``, with every other name of a sector.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scheduler.inputs.sectors import SECTOR_PHRASES, SECTOR_SHORT, SECTOR_WORDS, SECTORS


@dataclass(frozen=True)
class GroupCount:
    """Members asked and members who replied, in one sector or organisation (or a merger)."""

    label: str
    phrase: str  # how a sentence names it: "the NHS sector"
    prompted: int
    replied: int
    keys: tuple[str, ...] = ()  # the sectors or organisations inside it

    @property
    def rate(self) -> float:
        return self.replied / self.prompted if self.prompted else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.rate)

    @property
    def merged(self) -> bool:
        return len(self.keys) > 1


def sector_groups(answered: Mapping[str, Sequence[bool]]) -> list[GroupCount]:
    """One group per sector, from whether each member asked in it replied; in ``SECTORS`` order."""
    order = {s: i for i, s in enumerate(SECTORS)}
    return [
        GroupCount(SECTOR_SHORT.get(s, s), SECTOR_PHRASES.get(s, s), len(v), sum(v), (s,))
        for s, v in sorted(answered.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
    ]


def organisation_groups(answered: Mapping[str, Sequence[bool]]) -> list[GroupCount]:
    """One group per organisation, from whether each member asked in it replied; by name."""
    return [
        GroupCount(o, o, len(v), sum(v), (o,))
        for o, v in sorted(answered.items(), key=lambda kv: kv[0].casefold())
    ]


def protect(
    groups: Sequence[GroupCount],
    min_group: int,
    combine: Callable[[Sequence[GroupCount]], GroupCount],
) -> list[GroupCount]:
    """Groups none of which is smaller than ``min_group``.

    Small groups are merged into one; if that is still too small it joins the
    smallest large group, so that it cannot be worked out from the total by
    subtraction. With no large group at all, everything is one group.
    """
    small = [g for g in groups if g.prompted < min_group]
    large = [g for g in groups if g.prompted >= min_group]
    if not small:
        return list(groups)
    if not large:
        return [combine(groups)]
    joined = combine(small)
    if joined.prompted >= min_group:
        return [*large, joined]
    smallest = min(large, key=lambda g: (g.prompted, g.label))
    return [combine([smallest, *small]) if g is smallest else g for g in large]


def merge_sectors(groups: Sequence[GroupCount]) -> GroupCount:
    keys = tuple(k for g in groups for k in g.keys)
    if len(groups) == 1:
        return groups[0]
    words = [SECTOR_WORDS.get(k, k) for k in keys]
    names = ", ".join(words[:-1]) + " and " + words[-1]
    return GroupCount(
        label=" + ".join(SECTOR_SHORT.get(k, k) for k in keys),
        phrase=f"the {names} sectors (combined)",
        prompted=sum(g.prompted for g in groups),
        replied=sum(g.replied for g in groups),
        keys=keys,
    )


def merge_organisations(groups: Sequence[GroupCount]) -> GroupCount:
    keys = tuple(k for g in groups for k in g.keys)
    if len(groups) == 1:
        return groups[0]
    label = f"{len(keys)} organisations combined"
    return GroupCount(
        label=label,
        phrase=label,
        prompted=sum(g.prompted for g in groups),
        replied=sum(g.replied for g in groups),
        keys=keys,
    )
