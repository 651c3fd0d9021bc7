"""Relationship weeks: one-to-one conversations that pair people across sectors.

"Start with relationships": trust is built person to person, and most easily
across the sector boundary that the partnership exists to bridge. This module
decides who talks to whom. It is pure: the same people, history and seed give
the same answer whatever order they arrive in; there is no clock, no I/O and
no randomness beyond a seeded hash (``hashlib``) of the inputs.

How a round is chosen
---------------------
The backbone is a round-robin schedule (the circle method) over the current
people, plus a "sit out" place when their number is odd. Its layout is a
function of (people, seed) only, so it is the same every round; it is laid out
so that its best rounds come first (see ``_layout``). Each round, every
backbone round is costed against the history and the cheapest is taken. When
the history came from this schedule, the rounds already used cost more than
the unused ones, so nobody meets anyone twice until the whole round-robin has
been used: n - 1 rounds for an even group, n for an odd one, each person
sitting out exactly once in the odd case. When membership changes, or a round
cannot avoid a cost, rounds are also repaired by pair swaps (2-opt) and a
greedy matching competes with them.

Colleagues are kept apart, so backbone rounds that pair colleagues are not
used as they are; the layout gathers colleague pairs into as few rounds as it
can. The no-repeat guarantee then holds for as many rounds as the backbone
has without colleague pairs; after that the repairs avoid repeats as best they
can (measured on groups of 20 with organisations of one to three people:
fewer than one meeting in 25 is a repeat while an unmet person was
available). The circle method also limits how well cross-sector pairs can be
front-loaded: with four voluntary and four statutory people, the first two
rounds are all voluntary-statutory, not the first four.

A round's cost is compared term by term, most important first (sums over its
pairs; the sitter-out counts as a pair with an empty place):

1. ``same_org``: pairs of people from the same organisation, paired only
   when nothing else is possible (in tests: never while no organisation holds
   more than half the group, rounded up). People from one's own organisation
   are also not counted among "everyone one can meet" below.
2. ``stale``: repeat meetings before their time. For each person the *level*
   is the fewest times they have met anyone from another organisation in the
   group; a pair costs, at each end, how far its meetings exceed that level.
   It is zero until someone has met everyone they can meet, after which that
   person's history "wraps" and second meetings are free again.
3. ``sitter``: with an odd number, the sitter-out's shortfall from the most
   meetings anyone has had. The person who sits out is one with the most
   meetings so far (in a clean cycle: one who has not sat out yet), unless
   that would force a repeat; ties go to the seeded order. A joiner, with no
   meetings yet, is paired rather than sitting out.
4. Rounds taken unchanged from the backbone are preferred to repaired ones,
   and those to the greedy matching, so that the round-robin stays intact.
5. ``same_sector``: pairs within one sector.
6. ``not_bridge``: pairs that are not a voluntary or community member
   (``vcse``, ``community``) with a statutory one (``nhs``,
   ``local_authority``, ``primary_care``).
7. The backbone's own seeded order.

Emails are identities and are compared exactly; normalise them before they
arrive here (the membership loader does).
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scheduler.inputs.sectors import COMMUNITY_SECTORS, STATUTORY_SECTORS

__all__ = [
    "Pair",
    "Person",
    "newcomer_pairs",
    "propose_round",
]

_EMPTY = -1  # the sit-out place in a round with an odd number of people
_Cost = tuple[int, int, int, int, int]  # same_org, stale, sitter, same_sector, not_bridge
_Slot = tuple[int, int]
_ZERO: _Cost = (0, 0, 0, 0, 0)
_SAME_ORG = 1000  # in a backbone round's cost: more than all its other terms together


@dataclass(frozen=True)
class Person:
    """Someone who can be paired: identified by email."""

    email: str
    sector: str
    organisation: str


@dataclass(frozen=True)
class Pair:
    """Two people who met (or will meet), by email, always stored with ``a < b``.

    ``Pair("b@x", "a@x")`` is stored as ``Pair(a="a@x", b="b@x")``, so pairs
    compare equal whichever way round they were written.
    """

    a: str
    b: str

    def __post_init__(self) -> None:
        if self.a == self.b:
            raise ValueError(f"a pair needs two different people, got {self.a!r} twice")
        if self.b < self.a:
            first, second = self.b, self.a
            object.__setattr__(self, "a", first)
            object.__setattr__(self, "b", second)


def _rank(seed: str, *parts: str) -> int:
    """A seeded, stable pseudo-random number for ``parts``."""
    text = "\x1f".join((seed, *parts)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def _is_bridge(one: Person, other: Person) -> bool:
    sectors = {one.sector, other.sector}
    return bool(sectors & COMMUNITY_SECTORS) and bool(sectors & STATUTORY_SECTORS)


def _add(x: _Cost, y: _Cost) -> _Cost:
    return (x[0] + y[0], x[1] + y[1], x[2] + y[2], x[3] + y[3], x[4] + y[4])


def _canonical(people: Iterable[Person]) -> tuple[Person, ...]:
    ordered = tuple(sorted(people, key=lambda p: (p.email, p.organisation, p.sector)))
    for before, after in itertools.pairwise(ordered):
        if before.email == after.email:
            raise ValueError(f"{after.email!r} appears more than once among the people")
    return ordered


# --- the backbone ----------------------------------------------------------


def _static_cost(one: Person, other: Person) -> int:
    """Cost of a pair before any history: the order of terms in the module doc."""
    same_org = one.organisation == other.organisation
    same_sector = one.sector == other.sector
    return _SAME_ORG * same_org + 10 * same_sector + (not _is_bridge(one, other))


def _circle_rounds(order: Sequence[int]) -> list[list[_Slot]]:
    """The circle method: ``order[-1]`` stays put while the others rotate."""
    size = len(order)
    m = size - 1
    fixed = order[-1]
    rounds = []
    for r in range(m):
        slots = [(fixed, order[r])]
        slots.extend((order[(r + i) % m], order[(r - i) % m]) for i in range(1, m // 2 + 1))
        rounds.append(slots)
    return rounds


def _greedy(
    nodes: Sequence[int],
    cost: Callable[[int, int], tuple[int, ...]],
    seed_of: Callable[[int, int], int],
) -> list[_Slot]:
    """Disjoint pairs taken cheapest first: a perfect matching of ``nodes``."""
    candidates = sorted(
        ((cost(x, y), seed_of(x, y), x, y) for i, x in enumerate(nodes) for y in nodes[i + 1 :]),
    )
    taken: set[int] = set()
    slots = []
    for _, _, x, y in candidates:
        if x not in taken and y not in taken:
            taken.update((x, y))
            slots.append((x, y))
    return slots


def _layout_score(round_costs: list[int]) -> tuple[int, list[int]]:
    """Fewest rounds pairing colleagues first, then the round costs best first."""
    return sum(c >= _SAME_ORG for c in round_costs), sorted(round_costs)


@lru_cache(maxsize=128)
def _layout(people: tuple[Person, ...], seed: str) -> tuple[tuple[_Slot, ...], ...]:
    """The round-robin backbone for ``people`` (canonical order), best rounds first.

    Round 0 is a greedy cross-sector matching; then people are swapped between
    places in the circle while that makes the list of round costs, sorted best
    first, lexicographically better: the best round as good as it can be, then
    the second best, and so on. Which pairs meet is fixed (everyone meets
    everyone once); the layout only decides which pairs share a round.
    """
    n = len(people)
    nodes = list(range(n)) + ([_EMPTY] if n % 2 else [])
    size = len(nodes)
    m = size - 1

    # Row and column ``_EMPTY`` (the last) cost nothing: sitting out is neutral here.
    matrix = [[_static_cost(one, other) for other in people] + [0] for one in people]
    matrix.append([0] * (n + 1))

    def cost(x: int, y: int) -> int:
        return matrix[x][y]

    def seed_of(x: int, y: int) -> int:
        emails = sorted(people[z].email if z != _EMPTY else "" for z in (x, y))
        return _rank(seed, "layout", *emails)

    first = _greedy(nodes, lambda x, y: (cost(x, y),), seed_of)
    first.sort(key=lambda slot: seed_of(*slot))
    order = [0] * size
    order[-1], order[0] = first[0]
    for i, (x, y) in enumerate(first[1:], start=1):
        order[i], order[m - i] = x, y

    def partner(place: int, r: int) -> int:
        if place == m:
            return r
        if place == r:
            return m
        return (2 * r - place) % m

    round_costs = [sum(cost(x, y) for x, y in slots) for slots in _circle_rounds(order)]
    for _ in range(8):
        improved = False
        for p in range(size):
            for q in range(p + 1, size):
                x, y = order[p], order[q]
                new_costs = list(round_costs)
                for r in range(m):
                    px, qy = partner(p, r), partner(q, r)
                    if px == q:
                        continue
                    old = cost(x, order[px]) + cost(y, order[qy])
                    new = cost(y, order[px]) + cost(x, order[qy])
                    new_costs[r] += new - old
                if _layout_score(new_costs) < _layout_score(round_costs):
                    order[p], order[q] = y, x
                    round_costs = new_costs
                    improved = True
        if not improved:
            break
    rounds = _circle_rounds(order)
    ranked = sorted(range(m), key=lambda r: (round_costs[r], r))
    return tuple(tuple(rounds[r]) for r in ranked)


# --- one round -------------------------------------------------------------


class _Costs:
    """Pair costs for one round: the people, what they have done, the seed."""

    def __init__(self, people: tuple[Person, ...], history: Iterable[Pair], seed: str) -> None:
        self.people = people
        self.seed = seed
        index = {p.email: i for i, p in enumerate(people)}
        self.met: Counter[tuple[int, int]] = Counter()
        self.total: Counter[int] = Counter()
        for pair in history:
            i, j = index.get(pair.a), index.get(pair.b)
            if i is not None:
                self.total[i] += 1
            if j is not None:
                self.total[j] += 1
            if i is not None and j is not None:
                self.met[min(i, j), max(i, j)] += 1
        n = len(people)
        self.most = max((self.total[i] for i in range(n)), default=0)
        self.level = []
        for i, me in enumerate(people):
            others = [j for j in range(n) if j != i]
            can_meet = [j for j in others if people[j].organisation != me.organisation] or others
            self.level.append(min((self.times_met(i, j) for j in can_meet), default=0))
        # Index _EMPTY (-1) is the last row and column: the sit-out place.
        places = [*range(n), _EMPTY]
        self.matrix = [[self._cost(i, j) for j in places] for i in places]
        # The same costs as integers that order alike, for the 2-opt inner loop: each
        # term of a whole round stays below ``base``.
        base = 2 * (n + 2) * (self.most + 2)
        self.full = [[_encode(cost, base) for cost in row] for row in self.matrix]
        self.hard = [[_encode(cost[:3], base) for cost in row] for row in self.matrix]

    def times_met(self, i: int, j: int) -> int:
        return self.met[min(i, j), max(i, j)]

    def pair(self, i: int, j: int) -> _Cost:
        return self.matrix[i][j]

    def full_key(self, i: int, j: int) -> int:
        return self.full[i][j]

    def hard_key(self, i: int, j: int) -> int:
        return self.hard[i][j]

    def _cost(self, i: int, j: int) -> _Cost:
        if i == j:
            return _ZERO  # never a real pair; keeps the table square
        if j == _EMPTY:
            i, j = j, i
        if i == _EMPTY:
            return (0, 0, self.most - self.total[j], 0, 0)
        one, other = self.people[i], self.people[j]
        met = self.times_met(i, j)
        stale = max(0, met - self.level[i]) + max(0, met - self.level[j])
        return (
            int(one.organisation == other.organisation),
            stale,
            0,
            int(one.sector == other.sector),
            int(not _is_bridge(one, other)),
        )

    def round(self, slots: Iterable[_Slot]) -> _Cost:
        total = _ZERO
        for x, y in slots:
            total = _add(total, self.pair(x, y))
        return total

    def seed_of(self, x: int, y: int) -> int:
        emails = sorted(self.people[z].email if z != _EMPTY else "" for z in (x, y))
        return _rank(self.seed, "round", *emails)


def _encode(cost: tuple[int, ...], base: int) -> int:
    """``cost`` as one integer, most important term highest; each term below ``base``."""
    key = 0
    for term in cost:
        key = key * base + term
    return key


def _improve(slots: list[_Slot], cost: Callable[[int, int], int]) -> list[_Slot]:
    """2-opt: swap partners between two pairs while that lowers the cost."""
    slots = list(slots)
    for _ in range(4 * len(slots) + 4):
        improved = False
        for s in range(len(slots)):
            for t in range(s + 1, len(slots)):
                (a, b), (c, d) = slots[s], slots[t]
                now = cost(a, b) + cost(c, d)
                for (w, x), (y, z) in (((a, c), (b, d)), ((a, d), (b, c))):
                    if cost(w, x) + cost(y, z) < now:
                        slots[s], slots[t] = (w, x), (y, z)
                        now = cost(w, x) + cost(y, z)
                        improved = True
                        (a, b), (c, d) = slots[s], slots[t]
        if not improved:
            break
    return slots


def _to_pairs(people: tuple[Person, ...], slots: Iterable[_Slot]) -> list[Pair]:
    pairs = [Pair(people[x].email, people[y].email) for x, y in slots if _EMPTY not in (x, y)]
    return sorted(pairs, key=lambda p: (p.a, p.b))


def propose_round(people: Sequence[Person], history: Iterable[Pair], *, seed: str) -> list[Pair]:
    """One round of one-to-one conversations: ``len(people) // 2`` disjoint pairs.

    ``history`` holds every pair that has met (a pair that met twice appears
    twice); pairs with people no longer in ``people`` are ignored, except that
    they count towards that person's meetings so far. The result is sorted by
    ``(a, b)`` and depends only on the set of people, the history (as a
    multiset) and ``seed``. See the module docstring for what the round
    prefers, in order.
    """
    group = _canonical(people)
    n = len(group)
    if n < 2:
        return []
    costs = _Costs(group, history, seed)

    # (hard cost, source, soft cost, tie-break) -> slots
    best: tuple[tuple[int, ...], int, tuple[int, ...], int] | None = None
    best_slots: list[_Slot] = []
    backbone = _layout(group, seed)
    for index, rnd in enumerate(backbone):
        total = costs.round(rnd)
        key = (total[:3], 0, total[3:], index)
        if best is None or key < best:
            best, best_slots = key, list(rnd)
    if best is not None and any(best[0]):
        # Nothing in the backbone is free: repair its rounds, and try a fresh matching.
        for index, rnd in enumerate(backbone):
            slots = _improve(list(rnd), costs.hard_key)
            total = costs.round(slots)
            key = (total[:3], 1, total[3:], index)
            if key < best:
                best, best_slots = key, slots
        nodes = list(range(n))
        if n % 2:
            sitter = min(nodes, key=lambda i: (-costs.total[i], costs.seed_of(i, _EMPTY)))
            nodes.remove(sitter)
        slots = _greedy(nodes, costs.pair, costs.seed_of)
        if n % 2:
            slots.append((sitter, _EMPTY))
        slots = _improve(slots, costs.full_key)
        total = costs.round(slots)
        key = (total[:3], 2, total[3:], 0)
        if key < best:
            best, best_slots = key, slots
    return _to_pairs(group, best_slots)


def newcomer_pairs(
    newcomer: Person,
    people: Sequence[Person],
    history: Iterable[Pair],
    *,
    count: int,
    seed: str,
) -> list[Pair]:
    """A newcomer's first ``count`` conversations, with distinct people.

    Partners are picked one at a time, each time the first by: fewest past
    meetings with the newcomer; another organisation; another sector; a sector
    not yet picked, then an organisation not yet picked (so three
    conversations reach three sectors where the group allows); a voluntary or
    community to statutory bridge; the seeded order. Returns fewer than
    ``count`` pairs when there are fewer other people, in the order picked.
    """
    if count < 0:
        raise ValueError(f"count must be zero or more, got {count}")
    others = [p for p in _canonical(people) if p.email != newcomer.email]
    met: Counter[str] = Counter()
    for pair in history:
        if newcomer.email == pair.a:
            met[pair.b] += 1
        elif newcomer.email == pair.b:
            met[pair.a] += 1
    sectors: Counter[str] = Counter()
    organisations: Counter[str] = Counter()
    chosen: list[Pair] = []

    def key(p: Person) -> tuple[int, ...]:
        return (
            met[p.email],
            int(p.organisation == newcomer.organisation),
            int(p.sector == newcomer.sector),
            sectors[p.sector],
            organisations[p.organisation],
            int(not _is_bridge(p, newcomer)),
            _rank(seed, "newcomer", newcomer.email, p.email),
        )

    while others and len(chosen) < count:
        partner = min(others, key=key)
        others.remove(partner)
        sectors[partner.sector] += 1
        organisations[partner.organisation] += 1
        chosen.append(Pair(newcomer.email, partner.email))
    return chosen
