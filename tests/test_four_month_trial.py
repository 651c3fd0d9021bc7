"""Issue 15's trial as a test: a 12-member partnership run for four months.

A tick a day through the real service (Maildir out and in, a real archive);
members answer most questions from Gmail, Outlook and iPhone styles, every
calendar accepts every invitation automatically (series and one-to-one
conversations), a newcomer asks a question in reply to the induction pack, a
member answers the digest, one pauses and later resumes, one says stop, and a
stranger forges an answer. What the convenor should see at the end: the human
messages forwarded with their words and a Reply-To of the person, at most one
quarantine notice a week, and in quarantine only what is truly doubtful.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.partnership import CONFIG as BASE_CONFIG
from support.partnership import REPO
from support.trial import Sent, Trial, accept_invitation, written_reply

LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 1, 4, 8, 0, tzinfo=LONDON)
END = START + timedelta(days=122)
CONVENOR = "priya.shah@grapevine.example.org"

PEOPLE = [  # name, email, organisation, sector, style
    ("Priya Shah", CONVENOR, "Grapevine", "vcse", "gmail"),
    ("Grace Adeyemi", "grace@foodbank.example.org", "Willenhall Food Bank", "vcse", "iphone"),
    ("Kwame Mensah", "kwame@residents.example.net", "Willenhall residents", "community", "gmail"),
    ("Siân O’Brien", "sian@lunchclub.example.org", "Tuesday Lunch Club", "community", "iphone"),
    ("Tom Okafor", "tom.okafor@council.example.gov.uk", "City Council", "local_authority", "outlook"),
    ("Helen Park", "helen.park@council.example.gov.uk", "City Council", "local_authority", "outlook"),
    ("Aoife Byrne", "aoife.byrne@pcc.example.nhs.uk", "Primary Care Centre", "primary_care", "outlook"),
    ("Dev Mistry", "dev.mistry@trust.example.nhs.uk", "Partnership NHS Trust", "nhs", "outlook"),
    ("Sam Cole", "sam.cole@icb.example.nhs.uk", "Integrated Care Board", "nhs", "gmail"),
    ("Lena Fox", "lena.fox@pharmacy.example.org", "Fox Pharmacy", "primary_care", "iphone"),
    ("Omar Said", "omar.said@mosque.example.org", "Willenhall Mosque", "community", "gmail"),
]  # fmt: skip
NEWCOMER = ("Rosa Lind", "rosa.lind@trust.example.nhs.uk", "Partnership NHS Trust", "nhs", "iphone")
JOINS = "2027-02-15"

PAUSER = "kwame@residents.example.net"
STOPPER = "helen.park@council.example.gov.uk"
DIGEST_REPLIER = "grace@foodbank.example.org"
PAUSE_ON = datetime(2027, 2, 1, tzinfo=LONDON)
RESUME_ON = datetime(2027, 3, 15, tzinfo=LONDON)
STOP_ON = datetime(2027, 3, 22, tzinfo=LONDON)
STRANGER_ON = datetime(2027, 2, 10, tzinfo=LONDON)

NEWCOMER_QUESTION = (
    "Is there parking at the Community Hub, and can I bring a colleague to the first one?"
)
DIGEST_REPLY = "Thank you. Could we put the food bank's referral figures on the next agenda?"
QUESTION_KINDS = {"prompt", "reminder"}

# the shared test partnership's settings (mail, inbox, storage, key), with this trial's
# meetings: four-weekly reflection points, a quarterly review, relationship weeks on
CONFIG = (
    BASE_CONFIG[: BASE_CONFIG.index("[[meeting]]")]
    + """\
[[meeting]]
id = "reflection"
kind = "reflection"
title = "Reflection point"
first = 2027-01-26T10:00:00
duration_minutes = 90
every = "4 weeks"
on = "Tuesday"
location = "Willenhall Community Hub"

[[meeting]]
id = "governance-review"
kind = "governance"
title = "Governance review"
first = 2027-03-02T14:00:00
duration_minutes = 60
every = "3 months"
on = "1st Tuesday"

[prompts]
before_meeting_days = 7
reminder_after_days = 3
checklist_meeting = "governance-review"

[digest]
to_all_members = true
"""
)


def _members() -> str:
    rows = ["name,email,organisation,sector,role,joined,left"]
    rows += [f"{n},{e},{o},{s},Member,2027-01-04," for n, e, o, s, _ in PEOPLE]
    n, e, o, s, _ = NEWCOMER
    rows.append(f"{n},{e},{o},{s},Member,{JOINS},")
    return "\n".join(rows) + "\n"


STYLE = {e: st for _, e, _, _, st in [*PEOPLE, NEWCOMER]}
NAME = {e: n for n, e, _, _, _ in [*PEOPLE, NEWCOMER]}


class Script:
    """What the people do: answer, accept, and the few human moments of the trial."""

    def __init__(self) -> None:
        self.asked_about_pack = False
        self.answered_digest = False
        self.paused = self.resumed = self.stopped = self.forged = False
        self.answers: Counter[str] = Counter()

    def __call__(self, trial: Trial, sent: Sent) -> list[bytes]:
        out: list[bytes] = []
        if sent.to not in NAME:
            return out
        name, style = NAME[sent.to], STYLE[sent.to]
        seed = trial.rng.getrandbits(32)
        if sent.has_calendar() and "METHOD:REQUEST" in sent.msg.as_string():
            reply = accept_invitation(sent, name)
            if reply is not None:
                out.append(reply)
        local = trial.now.astimezone(LONDON)
        if sent.kind == "induction" and sent.to == NEWCOMER[1] and not self.asked_about_pack:
            self.asked_about_pack = True
            out.append(
                written_reply(sent, name=name, style=style, words=NEWCOMER_QUESTION, seed=seed)
            )
        elif sent.kind == "digest" and sent.to == DIGEST_REPLIER and not self.answered_digest:
            self.answered_digest = True
            out.append(written_reply(sent, name=name, style=style, words=DIGEST_REPLY, seed=seed))
        elif sent.kind in QUESTION_KINDS or sent.kind == "handover":
            if sent.to == PAUSER and local >= PAUSE_ON and not self.paused:
                self.paused = True
                out.append(written_reply(sent, name=name, style=style, words="pause", seed=seed))
            elif sent.to == STOPPER and local >= STOP_ON and not self.stopped:
                self.stopped = True
                out.append(written_reply(sent, name=name, style=style, words="stop", seed=seed))
            elif sent.kind != "reminder" and trial.rng.random() < 0.8:
                self.answers[sent.to] += 1
                words = f"{name.split()[0]} here: we learnt to ask families first, week {local:%W}."
                out.append(written_reply(sent, name=name, style=style, words=words, seed=seed))
        if sent.to == PAUSER and self.paused and not self.resumed and local >= RESUME_ON:
            self.resumed = True
            out.append(written_reply(sent, name=name, style=style, words="resume", seed=seed))
        if not self.forged and local >= STRANGER_ON:
            self.forged = True
            out.append(_forged_answer())
        return out


def _forged_answer() -> bytes:
    """A stranger writes as a member, knowing only public facts: no token, no thread."""
    return (
        b"From: Tom Okafor <tom.okafor@council.example.gov.uk>\r\n"
        b"To: reflect@reflect.example.org\r\n"
        b"Subject: Re: Question 1: purpose\r\n"
        b"Message-ID: <forged-1@elsewhere.example>\r\n"
        b"Date: Wed, 10 Feb 2027 09:00:00 +0000\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"The council will withdraw its funding from the partnership.\r\n"
    )


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trial, Script]:
    t = Trial(tmp_path_factory.mktemp("trial"), CONFIG, _members(), START)
    script = Script()
    t.run_until(END, script, step=timedelta(days=1))
    return t, script


def _reflect(trial: Trial, *args: str) -> str:
    when = ["--now", trial.now.isoformat()] if args[0] == "status" else []
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(trial.config), *args, *when],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_script_played_out(trial: tuple[Trial, Script]) -> None:
    _, script = trial
    assert script.asked_about_pack and script.answered_digest and script.forged
    assert script.paused and script.resumed and script.stopped


def test_human_mail_reaches_the_convenor_with_its_words_and_the_sender_to_reply_to(
    trial: tuple[Trial, Script],
) -> None:
    t, _ = trial
    to_convenor = t.to(CONVENOR)
    for words, person in ((NEWCOMER_QUESTION, NEWCOMER[1]), (DIGEST_REPLY, DIGEST_REPLIER)):
        forwards = [s for s in to_convenor if words in s.text()]
        assert len(forwards) == 1, f"{person}'s message reached the convenor {len(forwards)} times"
        reply_to = forwards[0].msg["Reply-To"]
        assert reply_to is not None and reply_to.addresses[0].addr_spec == person


def test_only_the_forgery_is_held_and_notices_come_at_most_weekly(
    trial: tuple[Trial, Script],
) -> None:
    t, _ = trial
    listing = _reflect(t, "quarantine")
    held = [line for line in listing.splitlines() if re.match(r"\s*#\d+\s", line)]
    assert len(held) == 1, listing
    assert "tom.okafor@council.example.gov.uk" in held[0]
    notices = [s for s in t.to(CONVENOR) if s.kind == "quarantine_notice"]
    weeks = Counter(s.day.astimezone(LONDON).isocalendar()[:2] for s in notices)
    assert notices and max(weeks.values()) == 1, weeks


def test_a_pause_stops_questions_not_calendars_until_resume(trial: tuple[Trial, Script]) -> None:
    t, _ = trial
    mail = t.to(PAUSER)
    confirmations = [
        s for s in mail if "pause" in s.subject.lower() or "paused" in s.text().lower()
    ]
    assert confirmations, "no confirmation of the pause"
    paused_from = confirmations[0].day
    resumed = [s for s in mail if s.day > paused_from and "resum" in s.text().lower()]
    assert resumed, "no confirmation of the resume"
    quiet = [s for s in mail if paused_from < s.day < resumed[0].day]
    assert not [s for s in quiet if s.kind in QUESTION_KINDS], [s.subject for s in quiet]
    assert [s for s in mail if s.day > resumed[0].day and s.kind == "prompt"]
    assert PAUSER not in _requests_in_status(t)  # resumed: nothing left to show


def _requests_in_status(trial: Trial) -> str:
    status = _reflect(trial, "status")
    return status.split("Members' own requests:")[1].split("\n\n")[0]


def test_stop_reaches_the_convenor_and_the_member_is_thanked(trial: tuple[Trial, Script]) -> None:
    t, _ = trial
    told = [s for s in t.to(CONVENOR) if STOPPER in s.text() and s.day >= STOP_ON]
    assert told, "the convenor was not told that Helen asked to stop"
    assert [s for s in t.to(STOPPER) if s.day >= STOP_ON and "stop" in s.text().lower()]
    shown = _requests_in_status(t)
    assert STOPPER in shown and "asked to stop" in shown


def test_every_answer_given_is_archived_and_no_control_word_is(trial: tuple[Trial, Script]) -> None:
    t, script = trial
    rows = json.loads(_reflect(t, "export", "--format", "json"))
    archived = Counter(
        r["email"] for r in rows if r["text"] and "we learnt to ask families" in r["text"]
    )
    assert archived == script.answers
    assert not [r for r in rows if (r["text"] or "").strip().lower() in {"pause", "resume", "stop"}]
    assert not [r for r in rows if "withdraw its funding" in (r["text"] or "")]
