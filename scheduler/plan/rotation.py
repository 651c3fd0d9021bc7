"""Shared leadership: who chairs each reflection point, and who takes the notes.

"Embed the convenor role across the partnership ... rotating or co-holding the
role across partners to share ownership and avoid reinforcing one
organisation's culture." So the chair passes from organisation to
organisation, and the note-taker comes from another organisation (and,
where possible, another sector) than the chair.

Pure: the same candidates, history and seed always give the same roles,
whatever order the candidates arrive in. ``history`` is the roles of past
occurrences, oldest first. Only current candidates are ever given a role:
leavers are skipped, joiners are included. A past turn is credited to the
organisation and sector its holder has now; the turns of people who have left
are not counted (the history holds emails only), so an organisation that has
lost a chair may get its next turn a little sooner.

The chair
---------
Organisations take turns. The next chair comes from the first current
organisation by:

1. never having chaired (so no organisation chairs twice while another has
   had no turn, and a joining organisation chairs next);
2. having chaired least recently (a steady rotation: once every organisation
   has chaired, chair counts never differ by more than one);
3. its side having chaired least for its size (chair turns per
   organisation), the sides being statutory (``nhs``, ``local_authority``,
   ``primary_care``), voluntary and community (``vcse``, ``community``) and
   each other sector alone; then its sector, likewise. So the first time
   round the chair passes between voluntary and statutory partners, and
   between sectors, rather than staying with one;
4. the seeded order.

Within the organisation, the person who has chaired least recently (never
first), then least often, then by the seeded order.

The note-taker
--------------
Anyone but the chair, the first by: another organisation than the chair's;
the organisation's note-taking load in the last few occurrences (one for each
current organisation), so that note-taking is shared and a joining
organisation is not loaded with it; another sector than the chair's; the
organisation having taken notes least recently; the person having taken notes
least recently (never first), then least often; the seeded order.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from scheduler.inputs.sectors import COMMUNITY_SECTORS, STATUTORY_SECTORS

__all__ = ["Candidate", "Roles", "assign_roles", "schedule_roles"]


@dataclass(frozen=True)
class Candidate:
    """Someone who may chair or take notes: identified by email."""

    email: str
    organisation: str
    sector: str


@dataclass(frozen=True)
class Roles:
    """Who chairs one occurrence and who takes its notes, by email."""

    chair: str
    note_taker: str


def _rank(seed: str, *parts: str) -> int:
    """A seeded, stable pseudo-random number for ``parts``."""
    text = "\x1f".join((seed, *parts)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def _side(sector: str) -> str:
    if sector in STATUTORY_SECTORS:
        return "statutory"
    if sector in COMMUNITY_SECTORS:
        return "community"
    return sector


def _canonical(candidates: Sequence[Candidate]) -> list[Candidate]:
    ordered = sorted(candidates, key=lambda c: (c.email, c.organisation, c.sector))
    for before, after in itertools.pairwise(ordered):
        if before.email == after.email:
            raise ValueError(f"{after.email!r} appears more than once among the candidates")
    return ordered


_NEVER = -1  # "last turn" of someone who has had none: before every real turn


@dataclass
class _Turns:
    """What the history says of the current candidates: the last turn (its index in the
    history) and the number of turns of each organisation, sector, side and person."""

    org_chaired: dict[str, int] = field(default_factory=dict)
    person_chaired: dict[str, int] = field(default_factory=dict)
    sector_chairs: Counter[str] = field(default_factory=Counter)
    side_chairs: Counter[str] = field(default_factory=Counter)
    person_chairs: Counter[str] = field(default_factory=Counter)
    org_noted: dict[str, int] = field(default_factory=dict)
    person_noted: dict[str, int] = field(default_factory=dict)
    person_notes: Counter[str] = field(default_factory=Counter)


def _tally(history: Sequence[Roles], by_email: dict[str, Candidate]) -> _Turns:
    turns = _Turns()
    for turn, roles in enumerate(history):
        chair = by_email.get(roles.chair)
        if chair is not None:
            turns.org_chaired[chair.organisation] = turn
            turns.person_chaired[chair.email] = turn
            turns.sector_chairs[chair.sector] += 1
            turns.side_chairs[_side(chair.sector)] += 1
            turns.person_chairs[chair.email] += 1
        note_taker = by_email.get(roles.note_taker)
        if note_taker is not None:
            turns.org_noted[note_taker.organisation] = turn
            turns.person_noted[note_taker.email] = turn
            turns.person_notes[note_taker.email] += 1
    return turns


def assign_roles(
    candidates: Sequence[Candidate], history: Sequence[Roles], *, seed: str
) -> Roles | None:
    """The next occurrence's chair and note-taker, or None with fewer than two candidates.

    The chair and the note-taker are always two different people. See the
    module docstring for the order of preferences.
    """
    people = _canonical(candidates)
    if len(people) < 2:
        return None
    by_email = {c.email: c for c in people}
    turns = _tally(history, by_email)
    organisations = {c.organisation: c.sector for c in people}
    chair = _choose_chair(people, organisations, turns, seed)
    window = len(organisations)
    recent_notes = Counter(
        by_email[r.note_taker].organisation
        for r in history[len(history) - window :]
        if r.note_taker in by_email
    )
    note_taker = min(
        (c for c in people if c.email != chair.email),
        key=lambda c: (
            int(c.organisation == chair.organisation),
            recent_notes[c.organisation],
            int(c.sector == chair.sector),
            turns.org_noted.get(c.organisation, _NEVER),
            turns.person_noted.get(c.email, _NEVER),
            turns.person_notes[c.email],
            _rank(seed, "notes", c.email),
        ),
    )
    return Roles(chair=chair.email, note_taker=note_taker.email)


def _choose_chair(
    people: Sequence[Candidate], organisations: dict[str, str], turns: _Turns, seed: str
) -> Candidate:
    """The organisation whose turn it is to chair, then the person within it."""
    side_orgs = Counter(_side(sector) for sector in organisations.values())
    sector_orgs = Counter(organisations.values())

    def org_key(org: str) -> tuple[int, int, Fraction, Fraction, int]:
        last = turns.org_chaired.get(org, _NEVER)
        sector = organisations[org]
        side = _side(sector)
        return (
            int(last != _NEVER),
            last,
            Fraction(turns.side_chairs[side], side_orgs[side]),
            Fraction(turns.sector_chairs[sector], sector_orgs[sector]),
            _rank(seed, "org", org),
        )

    chair_org = min(organisations, key=org_key)
    return min(
        (c for c in people if c.organisation == chair_org),
        key=lambda c: (
            turns.person_chaired.get(c.email, _NEVER),
            turns.person_chairs[c.email],
            _rank(seed, "chair", c.email),
        ),
    )


def schedule_roles(
    candidates: Sequence[Candidate], history: Sequence[Roles], *, count: int, seed: str
) -> list[Roles]:
    """The roles for the next ``count`` occurrences, each fed back as history.

    Empty when there are fewer than two candidates.
    """
    if count < 0:
        raise ValueError(f"count must be zero or more, got {count}")
    past = list(history)
    planned: list[Roles] = []
    for _ in range(count):
        roles = assign_roles(candidates, past, seed=seed)
        if roles is None:
            break
        past.append(roles)
        planned.append(roles)
    return planned
