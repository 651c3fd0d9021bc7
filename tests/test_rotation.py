"""Shared leadership: the chair and note-taker rotate across organisations."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.inputs.sectors import SECTORS
from scheduler.plan.rotation import Candidate, Roles, assign_roles, schedule_roles


def partnership() -> list[Candidate]:
    """Five organisations across four sectors, two people each."""
    orgs = [
        ("grapevine", "vcse"),
        ("trust", "nhs"),
        ("council", "local_authority"),
        ("practice", "primary_care"),
        ("residents", "community"),
    ]
    return [
        Candidate(f"{name}{i}@example.org", name, sector) for name, sector in orgs for i in (1, 2)
    ]


def chair_orgs(candidates: Sequence[Candidate], schedule: Sequence[Roles]) -> list[str]:
    org_of = {c.email: c.organisation for c in candidates}
    return [org_of[r.chair] for r in schedule]


def assert_fair(orgs: Collection[str], chairs: Sequence[str]) -> None:
    """Nobody chairs twice before everyone has chaired; then counts stay within one."""
    counts: Counter[str] = Counter()
    for org in chairs:
        if counts[org] >= 1:
            assert all(counts[o] >= 1 for o in orgs), f"{org} chaired twice before all had a turn"
        counts[org] += 1
        if all(counts[o] >= 1 for o in orgs):
            assert max(counts[o] for o in orgs) - min(counts[o] for o in orgs) <= 1


def test_every_organisation_chairs_before_any_chairs_twice() -> None:
    people = partnership()
    schedule = schedule_roles(people, [], count=20, seed="willenhall")
    chairs = chair_orgs(people, schedule)
    assert len(set(chairs[:5])) == 5
    assert Counter(chairs) == dict.fromkeys({c.organisation for c in people}, 4)
    assert_fair({c.organisation for c in people}, chairs)
    # Colleagues take turns within their organisation too.
    assert Counter(r.chair for r in schedule) == dict.fromkeys((c.email for c in people), 2)


def test_chair_and_note_taker_differ_in_organisation_and_sector() -> None:
    people = partnership()
    by_email = {c.email: c for c in people}
    for roles in schedule_roles(people, [], count=20, seed="s"):
        chair, notes = by_email[roles.chair], by_email[roles.note_taker]
        assert chair.organisation != notes.organisation
        assert chair.sector != notes.sector


def test_note_taking_is_shared() -> None:
    people = partnership()
    org_of = {c.email: c.organisation for c in people}
    schedule = schedule_roles(people, [], count=20, seed="s")
    assert Counter(org_of[r.note_taker] for r in schedule) == dict.fromkeys(set(org_of.values()), 4)


def test_the_first_chairs_alternate_between_sectors() -> None:
    people = [Candidate(f"v{i}@x", f"charity{i}", "vcse") for i in range(3)]
    people += [Candidate("n@x", "trust", "nhs"), Candidate("l@x", "council", "local_authority")]
    sectors = {c.email: c.sector for c in people}
    chairs = [sectors[r.chair] for r in schedule_roles(people, [], count=5, seed="s")]
    # Three voluntary chairs and two statutory: never two voluntary running while avoidable.
    assert chairs.count("vcse") == 3
    assert chairs[0] == chairs[2] == chairs[4] == "vcse"


def test_a_leaver_is_skipped() -> None:
    people = partnership()
    history = schedule_roles(people, [], count=3, seed="s")
    leaver = next(c for c in people if c.email not in {r.chair for r in history})
    staying = [c for c in people if c != leaver]
    later = schedule_roles(staying, history, count=20, seed="s")
    assert leaver.email not in {e for r in later for e in (r.chair, r.note_taker)}
    # Their organisation still chairs, through their colleague.
    assert leaver.organisation in chair_orgs(staying, later)


def test_a_whole_organisation_leaving_keeps_the_rotation_going() -> None:
    people = partnership()
    history = schedule_roles(people, [], count=7, seed="s")
    staying = [c for c in people if c.organisation != "trust"]
    later = schedule_roles(staying, history, count=8, seed="s")
    chairs = chair_orgs(staying, later)
    assert "trust" not in chairs
    assert Counter(chairs) == dict.fromkeys({c.organisation for c in staying}, 2)


@pytest.mark.parametrize("after", [2, 3, 5, 7, 12])
def test_a_joining_organisation_chairs_before_anyone_chairs_again(after: int) -> None:
    people = partnership()
    history = schedule_roles(people, [], count=after, seed="s")
    joiner = Candidate("new@example.org", "mosque", "community")
    everyone = [*people, joiner]
    before = Counter(chair_orgs(people, history))
    later = schedule_roles(everyone, history, count=6, seed="s")
    chairs = chair_orgs(everyone, later)
    turn = chairs.index("mosque")
    # The joiner's organisation chairs before any organisation gets one more turn
    # than it had when they joined, beyond organisations still due their first turn.
    unchaired = {c.organisation for c in people} - set(before)
    assert turn <= len(unchaired)
    assert chairs.count("mosque") == 1  # one turn, then back into the rotation


def test_a_joiner_in_an_existing_organisation_chairs_at_its_next_turn() -> None:
    people = partnership()
    history = schedule_roles(people, [], count=10, seed="s")  # everyone has chaired once
    joiner = Candidate("grapevine3@example.org", "grapevine", "vcse")
    later = schedule_roles([*people, joiner], history, count=5, seed="s")
    assert joiner.email in {r.chair for r in later}


def test_fewer_than_two_candidates_get_no_roles() -> None:
    assert assign_roles([], [], seed="s") is None
    assert assign_roles([Candidate("a@x", "A", "vcse")], [], seed="s") is None
    assert schedule_roles([Candidate("a@x", "A", "vcse")], [], count=3, seed="s") == []


def test_two_colleagues_share_the_roles() -> None:
    people = [Candidate("a@x", "A", "vcse"), Candidate("b@x", "A", "vcse")]
    schedule = schedule_roles(people, [], count=4, seed="s")
    assert [r.chair for r in schedule] in (["a@x", "b@x"] * 2, ["b@x", "a@x"] * 2)
    assert all(r.chair != r.note_taker for r in schedule)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        assign_roles([Candidate("a@x", "A", "vcse"), Candidate("a@x", "B", "nhs")], [], seed="s")
    with pytest.raises(ValueError, match="zero or more"):
        schedule_roles(partnership(), [], count=-1, seed="s")


def test_history_from_elsewhere_is_respected() -> None:
    people = partnership()
    # A convenor's own record: the trust chaired three times before the service took over.
    history = [Roles("trust1@example.org", "grapevine1@example.org")] * 3
    chairs = chair_orgs(people, schedule_roles(people, history, count=4, seed="s"))
    assert "trust" not in chairs


@st.composite
def candidate_sets(draw: st.DrawFn) -> list[Candidate]:
    n = draw(st.integers(2, 20))
    orgs = draw(st.integers(1, n))
    people = []
    org_sector = [draw(st.sampled_from(SECTORS)) for _ in range(orgs)]
    for i in range(n):
        org = draw(st.integers(0, orgs - 1))
        people.append(Candidate(f"p{i:02d}@example.org", f"org{org}", org_sector[org]))
    return people


@given(candidate_sets(), st.integers(0, 40), st.text(max_size=8))
def test_rotation_is_fair_and_chair_is_never_note_taker(
    people: list[Candidate], count: int, seed: str
) -> None:
    schedule = schedule_roles(people, [], count=count, seed=seed)
    assert len(schedule) == count
    by_email = {c.email: c for c in people}
    orgs = {c.organisation for c in people}
    assert_fair(orgs, chair_orgs(people, schedule))
    for roles in schedule:
        assert roles.chair != roles.note_taker
        if len(orgs) > 1:
            assert by_email[roles.chair].organisation != by_email[roles.note_taker].organisation


@given(candidate_sets(), st.integers(0, 12), st.text(max_size=8), st.randoms())
def test_the_same_state_gives_the_same_roles(
    people: list[Candidate], count: int, seed: str, shuffler: random.Random
) -> None:
    history = schedule_roles(people, [], count=count, seed=seed)
    expected = assign_roles(people, history, seed=seed)
    shuffled = list(people)
    shuffler.shuffle(shuffled)
    assert assign_roles(shuffled, history, seed=seed) == expected
    assert assign_roles(tuple(people), tuple(history), seed=seed) == expected
