"""Participation by sector and organisation, on a hand-made archive (``support.seed``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from support.seed import T0, Seed, partnership_of_five

from scheduler.reports.charts import participation_svg
from scheduler.reports.participation import membership_spells, participation
from scheduler.reports.participation_words import cycle_summary, status_lines


@pytest.fixture
def seed(tmp_path: Path) -> Seed:
    return Seed(tmp_path / "a.db")


def test_counts_by_sector_and_organisation(seed: Seed) -> None:
    ids = partnership_of_five(seed)
    prompts = {k: seed.prompt(v, "reflection", T0, "purpose", "Why are we here?")
               for k, v in ids.items()}  # fmt: skip
    for who in ("priya", "ama", "tom"):
        seed.answer(prompts[who], f"{who} says something")
    # A failed send is not a member asked.
    extra = seed.member("Sam Rowe", "sam@gp.example.org", "Hill GP", "primary_care")
    seed.prompt(extra, "reflection", T0, "purpose", "Why are we here?", status="failed")

    p = participation(seed.archive)

    (cycle,) = p.cycles
    assert (cycle.prompted, cycle.replied, cycle.percent) == (5, 3, 60)
    assert [(g.label, g.replied, g.prompted) for g in cycle.by_sector] == [
        ("Voluntary & community", 2, 3),
        ("NHS", 0, 1),
        ("Local authority", 1, 1),
    ]
    assert [(g.label, g.replied, g.prompted) for g in cycle.by_organisation] == [
        ("City Council", 1, 1),
        ("Food Bank", 1, 1),
        ("Grapevine", 1, 2),
        ("Walsall Trust", 0, 1),
    ]
    assert p.flags == ("No reply from the NHS sector this cycle",)


def test_anonymised_merges_groups_too_small_to_hide_a_person(seed: Seed) -> None:
    ids = partnership_of_five(seed)
    prompts = {k: seed.prompt(v, "reflection", T0, "purpose", "Why are we here?")
               for k, v in ids.items()}  # fmt: skip
    for who in ("priya", "ama", "tom"):
        seed.answer(prompts[who], "words")

    p = participation(seed.archive, anonymise=True, min_group=3)

    (cycle,) = p.cycles
    # NHS (1) and council (1) together are still 2 < 3, so they join the VCSE group:
    # no figure for a group of fewer than three, and none to subtract from the total.
    assert [(g.label, g.replied, g.prompted) for g in cycle.by_sector] == [
        ("Voluntary & community + NHS + Local authority", 3, 5),
    ]
    assert cycle.by_organisation[0].prompted >= 3
    assert all(g.prompted >= 3 for g in cycle.by_organisation)
    assert p.flags == ()
    svg = participation_svg(p)
    for name in ("Nia", "Walsall", "Tom", "Council"):
        assert name not in svg


def test_small_groups_merged_among_themselves_when_big_enough(seed: Seed) -> None:
    seed.meeting("reflection", "Reflection point")
    people = [("A", "vcse"), ("B", "vcse"), ("C", "vcse"), ("D", "nhs"), ("E", "nhs"),
              ("F", "primary_care")]  # fmt: skip
    for i, (name, sector) in enumerate(people):
        member = seed.member(f"Person {name}", f"{name.lower()}@x.example.org", f"Org {i}", sector)
        prompt = seed.prompt(member, "reflection", T0, "purpose", "Why?")
        if sector == "vcse":
            seed.answer(prompt, "yes")

    p = participation(seed.archive, anonymise=True, min_group=3)

    assert [(g.label, g.replied, g.prompted) for g in p.cycles[0].by_sector] == [
        ("Voluntary & community", 3, 3),
        ("NHS + Primary care", 0, 3),
    ]
    assert p.flags == ("No reply from the NHS and primary care sectors (combined) this cycle",)


def test_anonymised_cycle_with_too_few_members_is_withheld(seed: Seed) -> None:
    seed.meeting("reflection", "Reflection point")
    a = seed.member("Solo Person", "solo@x.example.org", "Org", "nhs")
    seed.prompt(a, "reflection", T0, "purpose", "Why?")

    p = participation(seed.archive, anonymise=True)

    assert p.cycles[0].withheld
    assert p.cycles[0].by_sector == ()
    assert "withheld" in participation_svg(p)
    assert status_lines(p)[1].endswith("figures withheld (fewer than 3 asked)")


def test_member_silent_for_several_cycles_is_flagged(seed: Seed) -> None:
    ids = partnership_of_five(seed)
    for week in range(4):
        occurrence = T0 + timedelta(weeks=6 * week)
        for who, member in ids.items():
            prompt = seed.prompt(member, "reflection", occurrence, f"q{week}", "Why?")
            # Tom replies in the first cycle only; Nia never; the rest always.
            if who not in ("tom", "nia") or (who == "tom" and week == 0):
                seed.answer(prompt, "words")

    p = participation(seed.archive, quiet_cycles=3)
    assert p.quiet_flags == (
        "Nia Evans has not replied for 4 cycles",
        "Tom Okafor has not replied for 3 cycles",
    )
    assert participation(seed.archive, quiet_cycles=4).quiet_flags == (
        "Nia Evans has not replied for 4 cycles",
    )
    anonymous = participation(seed.archive, quiet_cycles=3, anonymise=True)
    assert anonymous.quiet_flags == ("2 members have not replied for 3 cycles or more",)
    assert len(p.cycles) == 4


def test_leavers_are_not_flagged_as_quiet(seed: Seed) -> None:
    seed.meeting("reflection", "Reflection point")
    gone = seed.member("Gone Person", "gone@x.example.org", "Org", "nhs")
    for week in range(3):
        seed.prompt(gone, "reflection", T0 + timedelta(weeks=6 * week), "q", "Why?")
    seed.leave(gone, (T0 + timedelta(weeks=12, days=1)).date())  # after all three, unanswered
    assert participation(seed.archive).quiet_flags == ()


def test_chart_is_accessible_and_escapes_text(seed: Seed) -> None:
    seed.meeting("reflection", "Reflection <b>point</b> & more")
    m = seed.member("Ann <script>", "ann@x.example.org", "Org & Co <i>", "vcse")
    seed.answer(seed.prompt(m, "reflection", T0, "q", "Why?"), "yes")

    svg = participation_svg(participation(seed.archive))

    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')
    title = re.search(r"<title[^>]*>(.*?)</title>", svg)
    assert title is not None
    assert (
        title.group(1)
        == "Replies by sector, Reflection &lt;b&gt;point&lt;/b&gt; &amp; more, 12 Jan 2027"
    )
    assert "<b>" not in svg
    assert "100% (1 of 1)" in svg
    assert "<desc" in svg and "Voluntary &amp; community: 1 of 1 replied (100%)" in svg


def test_status_lines(seed: Seed) -> None:
    ids = partnership_of_five(seed)
    for who, member in ids.items():
        prompt = seed.prompt(member, "reflection", T0, "q", "Why?")
        if who != "nia":
            seed.answer(prompt, "words")

    assert status_lines(participation(seed.archive)) == [
        "Participation:",
        "  Reflection point, 12 Jan 2027: 4 of 5 replied (80%); Voluntary & community 3/3, "
        "NHS 0/1, Local authority 1/1",
        "  ! No reply from the NHS sector this cycle",
    ]


# ---------------------------------------------------------------- who a cycle counts


def asked_all(seed: Seed, ids: dict[str, int], repliers: tuple[str, ...]) -> None:
    """Everyone asked for the 12 January meeting on 5 January; ``repliers`` answer."""
    for who, member in ids.items():
        prompt = seed.prompt(member, "reflection", T0, "purpose", "Why are we here?")
        if who in repliers:
            seed.answer(prompt, "words")


def test_a_member_asked_who_left_before_the_meeting_is_not_counted(seed: Seed) -> None:
    ids = partnership_of_five(seed)
    asked_all(seed, ids, ("priya", "ama", "tom"))
    seed.leave(ids["nia"], date(2027, 1, 10))  # after the question (5 Jan), before the meeting

    p = participation(seed.archive)

    (cycle,) = p.cycles
    assert (cycle.prompted, cycle.replied) == (4, 3)
    assert [g.label for g in cycle.by_sector] == ["Voluntary & community", "Local authority"]
    assert [info.name for info in cycle.silent] == ["Lee Chan"]
    assert [(info.name, on) for info, on in cycle.left] == [("Nia Evans", date(2027, 1, 10))]
    assert p.flags == ()  # the NHS's only member has gone: no "No reply from the NHS sector"
    assert cycle_summary(cycle, 3)[-1] == (
        "Not counted, as they left the partnership before the meeting: "
        "Nia Evans (Walsall Trust), left on 10 January 2027."
    )
    assert status_lines(p) == [
        "Participation:",
        "  Reflection point, 12 Jan 2027: 3 of 4 replied (75%); Voluntary & community 2/3, "
        "Local authority 1/1; not counted: 1 asked who left before the meeting",
    ]


def test_leaving_on_the_meeting_day_is_leaving_before_it_and_after_it_is_not(
    seed: Seed,
) -> None:
    ids = partnership_of_five(seed)
    asked_all(seed, ids, ("priya", "ama", "tom"))
    seed.leave(ids["nia"], T0.date())  # a ``left`` date is the first day not a member
    seed.leave(ids["lee"], T0.date() + timedelta(days=1))

    (cycle,) = participation(seed.archive).cycles

    assert (cycle.prompted, cycle.replied) == (4, 3)
    assert [info.name for info, _on in cycle.left] == ["Nia Evans"]
    assert [info.name for info in cycle.silent] == ["Lee Chan"]  # a member at the meeting


def test_a_leaver_who_replied_before_leaving_is_not_counted_either(seed: Seed) -> None:
    ids = partnership_of_five(seed)
    asked_all(seed, ids, ("priya", "ama", "tom", "nia"))
    seed.leave(ids["nia"], date(2027, 1, 10))

    (cycle,) = participation(seed.archive).cycles

    assert (cycle.prompted, cycle.replied) == (4, 3)
    assert "NHS" not in [g.label for g in cycle.by_sector]


def test_a_member_who_joined_after_the_question_went_out_is_never_a_non_replier(
    seed: Seed,
) -> None:
    ids = partnership_of_five(seed)
    asked_all(seed, ids, ("priya", "ama", "lee", "tom"))
    # Both join on 8 January, after the question went out on the 5th, and get it then.
    late = datetime(2027, 1, 8, 9, tzinfo=UTC)
    sam = seed.member("Sam Rowe", "sam@gp.example.org", "Hill GP", "primary_care",
                      joined=late.date())  # fmt: skip
    kay = seed.member("Kay Lim", "kay@x.example.org", "Kay Co", "community", joined=late.date())
    seed.prompt(sam, "reflection", T0, "purpose", "Why are we here?", sent_at=late)
    seed.answer(seed.prompt(kay, "reflection", T0, "purpose", "Why?", sent_at=late), "hello")

    p = participation(seed.archive)

    (cycle,) = p.cycles
    # Kay replied, so counts; Sam has not, and is neither counted nor flagged.
    assert (cycle.prompted, cycle.replied) == (6, 5)
    assert [info.name for info in cycle.late] == ["Sam Rowe"]
    assert [info.name for info in cycle.silent] == ["Nia Evans"]
    assert p.flags == ("No reply from the NHS sector this cycle",)  # not primary care
    assert cycle_summary(cycle, 3)[-1] == (
        "Not counted, as they joined after the question went out and have not replied: "
        "Sam Rowe (Hill GP)."
    )
    anonymous = participation(seed.archive, anonymise=True)
    # Anonymised, a newcomer's silence is not remarked on: they would be known by it.
    assert not any("joined" in line for line in cycle_summary(anonymous.cycles[0], 3))
    assert "joined" not in "\n".join(status_lines(anonymous))


def test_anonymised_leavers_are_counted_out_without_a_name(seed: Seed) -> None:
    ids = partnership_of_five(seed)
    asked_all(seed, ids, ("priya", "ama", "tom"))
    seed.leave(ids["nia"], date(2027, 1, 10))

    p = participation(seed.archive, anonymise=True)

    (cycle,) = p.cycles
    assert (cycle.prompted, cycle.replied) == (4, 3)
    assert sum(g.prompted for g in cycle.by_sector) == 4
    lines = cycle_summary(cycle, 3)
    assert lines[-1] == (
        "Not counted: 1 member who was asked but left the partnership before the meeting."
    )
    assert "Nia" not in "\n".join(lines) and "Walsall" not in "\n".join(lines)


def test_quiet_streaks_start_again_when_a_member_comes_back(seed: Seed) -> None:
    ids = partnership_of_five(seed)
    weeks = [T0 + timedelta(weeks=6 * n) for n in range(4)]
    for n, occurrence in enumerate(weeks):
        sent = occurrence - timedelta(days=7)
        for who, member in ids.items():
            prompt = seed.prompt(member, "reflection", occurrence, f"q{n}", "Why?", sent_at=sent)
            if who != "nia" or n == 0:
                seed.answer(prompt, "words")
    # Nia, silent since the first cycle, left between the third cycle's question and its
    # meeting, and was back before the fourth's question went out.
    seed.leave(ids["nia"], (weeks[2] - timedelta(days=2)).date())
    seed.rejoin(ids["nia"], (weeks[3] - timedelta(days=10)).date())

    p = participation(seed.archive, quiet_cycles=2)
    assert [len(c.silent) for c in p.cycles] == [0, 1, 0, 1]
    # her silence before she left does not carry over: one cycle since she came back
    assert p.quiet_flags == ()
    assert participation(seed.archive, quiet_cycles=1).quiet_flags == (
        "Nia Evans has not replied for 1 cycle",
    )

    seed.leave(ids["nia"], (weeks[3] + timedelta(days=1)).date())
    assert participation(seed.archive, quiet_cycles=1).quiet_flags == ()  # a leaver: never


def test_membership_spells_from_events_or_from_the_member_row() -> None:
    d = date.fromisoformat
    events = [
        ("joined", d("2026-09-01")),
        ("left", d("2027-01-31")),
        ("left", d("2027-02-02")),  # a second leave changes nothing
        ("rejoined", d("2027-04-01")),
    ]
    assert membership_spells(events, joined=None, left_on=None) == (
        (d("2026-09-01"), d("2027-01-31")),
        (d("2027-04-01"), None),
    )
    # An archive with no history: the member row's own dates.
    assert membership_spells([], joined=d("2026-09-01"), left_on=d("2027-01-31")) == (
        (d("2026-09-01"), d("2027-01-31")),
    )
    # A pending member dropped from the spreadsheet was never a member.
    assert membership_spells([("left", d("2027-01-31"))], joined=None, left_on=None) == ()
