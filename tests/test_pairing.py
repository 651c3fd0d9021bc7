"""Relationship weeks: who meets whom, round after round."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.inputs.sectors import COMMUNITY_SECTORS, SECTORS, STATUTORY_SECTORS
from scheduler.plan.pairing import (
    Pair,
    Person,
    _canonical,
    _layout,
    newcomer_pairs,
    propose_round,
)

# Whole schedules of up to 40 people: fewer, bigger examples.
SLOW = settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])


def is_bridge(one: Person, other: Person) -> bool:
    sectors = {one.sector, other.sector}
    return bool(sectors & COMMUNITY_SECTORS) and bool(sectors & STATUTORY_SECTORS)


@st.composite
def groups(
    draw: st.DrawFn, *, min_size: int = 0, max_size: int = 40, unique_orgs: bool = False
) -> list[Person]:
    n = draw(st.integers(min_size, max_size))
    sectors = draw(st.lists(st.sampled_from(SECTORS), min_size=n, max_size=n))
    if unique_orgs:
        orgs = [f"org{i}" for i in range(n)]
    else:
        pool = draw(st.integers(1, max(1, n)))
        numbers = draw(st.lists(st.integers(0, pool - 1), min_size=n, max_size=n))
        orgs = [f"org{o}" for o in numbers]
    return [Person(f"p{i:02d}@example.org", sectors[i], orgs[i]) for i in range(n)]


def run_rounds(people: Sequence[Person], rounds: int, seed: str) -> list[list[Pair]]:
    history: list[Pair] = []
    schedule = []
    for _ in range(rounds):
        pairs = propose_round(people, history, seed=seed)
        schedule.append(pairs)
        history.extend(pairs)
    return schedule


def assert_matching(people: Sequence[Person], pairs: list[Pair]) -> None:
    emails = [e for p in pairs for e in (p.a, p.b)]
    assert len(pairs) == len(people) // 2
    assert len(emails) == len(set(emails)), "someone is in two pairs"
    assert set(emails) <= {p.email for p in people}
    assert all(p.a < p.b for p in pairs)


def sitter(people: Sequence[Person], pairs: list[Pair]) -> str:
    paired = {e for p in pairs for e in (p.a, p.b)}
    (left,) = {p.email for p in people} - paired
    return left


# --- the shape of a round ---------------------------------------------------


@SLOW
@given(groups(), st.text(max_size=8), st.integers(0, 3))
def test_a_round_pairs_everyone_at_most_once(
    people: list[Person], seed: str, rounds_before: int
) -> None:
    history = [p for r in run_rounds(people, rounds_before, seed) for p in r]
    assert_matching(people, propose_round(people, history, seed=seed))


def test_fewer_than_two_people_make_no_pairs() -> None:
    assert propose_round([], [], seed="s") == []
    assert propose_round([Person("a@x", "vcse", "A")], [], seed="s") == []


def test_the_same_person_twice_is_refused() -> None:
    one = Person("a@x", "vcse", "A")
    with pytest.raises(ValueError, match="more than once"):
        propose_round([one, Person("a@x", "nhs", "B")], [], seed="s")


def test_a_pair_is_stored_in_order() -> None:
    assert Pair("b@x", "a@x") == Pair("a@x", "b@x")
    assert Pair("b@x", "a@x").a == "a@x"
    with pytest.raises(ValueError, match="two different people"):
        Pair("a@x", "a@x")


# --- nobody meets anyone twice before meeting everyone ------------------------


@SLOW
@given(groups(min_size=2, unique_orgs=True), st.text(max_size=8))
def test_a_full_round_robin_before_any_repeat(people: list[Person], seed: str) -> None:
    n = len(people)
    rounds = n - 1 if n % 2 == 0 else n
    schedule = run_rounds(people, rounds, seed)
    met = Counter(p for r in schedule for p in r)
    # Every pair exactly once: nobody met anyone twice, and everyone met everyone.
    assert len(met) == n * (n - 1) // 2
    assert set(met.values()) == {1}
    if n % 2:
        # The sitter-out rotates: each person sits out exactly once in the cycle.
        assert sorted(sitter(people, r) for r in schedule) == sorted(p.email for p in people)


@SLOW
@given(groups(min_size=2, max_size=16, unique_orgs=True), st.text(max_size=8))
def test_history_wraps_after_everyone_has_met(people: list[Person], seed: str) -> None:
    n = len(people)
    rounds = n - 1 if n % 2 == 0 else n
    schedule = run_rounds(people, 2 * rounds, seed)
    met = Counter(p for r in schedule for p in r)
    assert set(met.values()) == {2}
    for r in schedule:
        assert_matching(people, r)


@SLOW
@given(groups(min_size=2, max_size=30), st.text(max_size=8))
def test_with_colleagues_no_repeat_while_the_backbone_has_fresh_rounds(
    people: list[Person], seed: str
) -> None:
    """Colleagues are kept apart, so some backbone rounds are unusable; until then, no repeats."""
    group = _canonical(people)
    fresh = sum(
        all(x < 0 or y < 0 or group[x].organisation != group[y].organisation for x, y in rnd)
        for rnd in _layout(group, seed)
    )
    schedule = run_rounds(people, fresh, seed)
    met = Counter(p for r in schedule for p in r)
    assert set(met.values()) <= {1}


def test_with_colleagues_repeats_are_rare_over_a_cycle() -> None:
    """Measured on realistic groups: a premature repeat is the exception."""
    premature = 0
    meetings = 0
    for trial in range(12):
        rnd = random.Random(trial)
        people: list[Person] = []
        while len(people) < 20:
            org, sector = f"org{len(people)}", rnd.choice(SECTORS)
            for _ in range(rnd.choice([1, 1, 2, 3])):
                people.append(Person(f"p{len(people):02d}@x", sector, org))
        by_email = {p.email: p for p in people}
        history: list[Pair] = []
        for _ in range(len(people) - 1):
            for pair in propose_round(people, history, seed=str(trial)):
                meetings += 1
                if pair in history:
                    for email in (pair.a, pair.b):
                        me = by_email[email]
                        unmet = [
                            p
                            for p in people
                            if p.organisation != me.organisation
                            and Pair(email, p.email) not in history
                        ]
                        premature += bool(unmet)
                history.append(pair)
    assert premature <= meetings // 25


# --- colleagues and sectors ---------------------------------------------------


@SLOW
@given(groups(min_size=2, max_size=24), st.text(max_size=8))
def test_colleagues_are_paired_only_when_unavoidable(people: list[Person], seed: str) -> None:
    n = len(people)
    largest = max(Counter(p.organisation for p in people).values())
    # A complete multipartite group can be paired without colleagues exactly when
    # no organisation holds more than half (rounded up, for the sitter-out).
    if largest > (n + 1) // 2:
        return
    by_email = {p.email: p for p in people}
    for pairs in run_rounds(people, 2 * n, seed):
        assert all(by_email[p.a].organisation != by_email[p.b].organisation for p in pairs)


def test_two_organisations_never_pair_colleagues() -> None:
    people = [Person(f"a{i}@x", "vcse", "A") for i in range(4)]
    people += [Person(f"b{i}@x", "nhs", "B") for i in range(4)]
    for pairs in run_rounds(people, 10, "s"):
        assert all(p.a[0] != p.b[0] for p in pairs)


@pytest.mark.parametrize("seed", ["", "willenhall", "2027-spring"])
def test_first_round_bridges_voluntary_and_statutory(seed: str) -> None:
    people = [Person(f"v{i}@x", "vcse", f"charity{i}") for i in range(3)]
    people.append(Person("c0@x", "community", "residents"))
    people += [
        Person("s0@x", "nhs", "trust"),
        Person("s1@x", "local_authority", "council"),
        Person("s2@x", "primary_care", "practice"),
        Person("s3@x", "nhs", "ics"),
    ]
    by_email = {p.email: p for p in people}
    first = propose_round(people, [], seed=seed)
    assert len(first) == 4
    assert all(is_bridge(by_email[p.a], by_email[p.b]) for p in first)


def test_cross_sector_rounds_come_first() -> None:
    people = [Person(f"v{i}@x", "vcse", f"charity{i}") for i in range(4)]
    people += [Person(f"s{i}@x", "nhs", f"trust{i}") for i in range(4)]
    by_email = {p.email: p for p in people}
    bridges = [
        sum(is_bridge(by_email[p.a], by_email[p.b]) for p in r) for r in run_rounds(people, 7, "s")
    ]
    assert bridges == sorted(bridges, reverse=True)
    assert sum(bridges) == 16


# --- sitting out --------------------------------------------------------------


def test_the_sitter_out_has_the_most_meetings_and_rotates() -> None:
    people = [Person(f"p{i}@x", SECTORS[i % 6], f"org{i}") for i in range(7)]
    history: list[Pair] = []
    sat_out = []
    for _ in range(14):
        pairs = propose_round(people, history, seed="s")
        meetings = Counter(e for p in history for e in (p.a, p.b))
        left = sitter(people, pairs)
        assert meetings[left] == max(meetings[p.email] for p in people)
        sat_out.append(left)
        history.extend(pairs)
    assert Counter(sat_out) == dict.fromkeys((p.email for p in people), 2)


def test_a_joiner_is_paired_and_meets_new_people() -> None:
    people = [Person(f"p{i}@x", SECTORS[i % 6], f"org{i}") for i in range(8)]
    history = [p for r in run_rounds(people, 3, "s") for p in r]
    joiner = Person("new@x", "community", "residents")
    pairs = propose_round([*people, joiner], history, seed="s")
    assert_matching([*people, joiner], pairs)
    assert joiner.email in {e for p in pairs for e in (p.a, p.b)}
    assert not set(pairs) & set(history)


# --- determinism ----------------------------------------------------------------


@SLOW
@given(groups(max_size=24), st.text(max_size=8), st.randoms(use_true_random=False))
def test_the_same_state_gives_the_same_round(
    people: list[Person], seed: str, shuffler: random.Random
) -> None:
    history = [p for r in run_rounds(people, 2, seed) for p in r]
    expected = propose_round(people, history, seed=seed)
    shuffled_people, shuffled_history = list(people), list(history)
    shuffler.shuffle(shuffled_people)
    shuffler.shuffle(shuffled_history)
    assert propose_round(shuffled_people, shuffled_history, seed=seed) == expected
    assert propose_round(people, iter(history), seed=seed) == expected


def test_history_with_leavers_is_accepted() -> None:
    people = [Person(f"p{i}@x", SECTORS[i % 6], f"org{i}") for i in range(6)]
    history = [Pair("gone@x", "p0@x"), Pair("gone@x", "p1@x"), Pair("p2@x", "p3@x")]
    pairs = propose_round(people, history, seed="s")
    assert_matching(people, pairs)
    assert Pair("p2@x", "p3@x") not in pairs


# --- newcomers ----------------------------------------------------------------


def test_newcomer_meets_other_sectors_first() -> None:
    newcomer = Person("new@x", "vcse", "charity")
    people = [
        Person("colleague@x", "vcse", "charity"),
        Person("v1@x", "vcse", "other-charity"),
        Person("n1@x", "nhs", "trust"),
        Person("n2@x", "nhs", "trust"),
        Person("l1@x", "local_authority", "council"),
        Person("g1@x", "primary_care", "practice"),
        Person("c1@x", "community", "residents"),
    ]
    pairs = newcomer_pairs(newcomer, people, [], count=4, seed="s")
    partners = [p.b if p.a == newcomer.email else p.a for p in pairs]
    assert len(set(partners)) == 4
    # Three statutory sectors first, one each, then a community member.
    assert {partners[0], partners[1], partners[2]} & {"n1@x", "n2@x"}
    assert {"l1@x", "g1@x"} <= set(partners[:3])
    assert partners[3] == "c1@x"
    everyone = newcomer_pairs(newcomer, people, [], count=10, seed="s")
    assert len(everyone) == len(people)
    assert everyone[-1] == Pair("colleague@x", "new@x")


def test_newcomer_pairs_skip_people_already_met_and_themselves() -> None:
    newcomer = Person("new@x", "vcse", "charity")
    people = [newcomer, Person("n1@x", "nhs", "trust"), Person("n2@x", "nhs", "trust2")]
    history = [Pair("new@x", "n1@x")]
    assert newcomer_pairs(newcomer, people, history, count=1, seed="s") == [Pair("n2@x", "new@x")]
    assert newcomer_pairs(newcomer, people, [], count=0, seed="s") == []
    with pytest.raises(ValueError, match="zero or more"):
        newcomer_pairs(newcomer, people, [], count=-1, seed="s")


@given(groups(max_size=20), st.integers(0, 25), st.text(max_size=8))
def test_newcomer_pairs_are_distinct_and_deterministic(
    people: list[Person], count: int, seed: str
) -> None:
    newcomer = Person("zz-new@example.org", "community", "residents")
    pairs = newcomer_pairs(newcomer, people, [], count=count, seed=seed)
    assert len(pairs) == min(count, len(people))
    assert len(set(pairs)) == len(pairs)
    assert all(newcomer.email in (p.a, p.b) for p in pairs)
    assert newcomer_pairs(newcomer, people[::-1], [], count=count, seed=seed) == pairs
