"""A partnership on disk for the tests: its config and members, and where the repo is.

``CONFIG`` and ``MEMBERS_CSV`` are what the ``partnership`` fixture (tests/conftest.py)
writes; ``Partnership`` names its files; ``shared_dir`` finds the corpora that sit
beside the checkout.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"

MEMBERS_CSV = """\
name,email,organisation,sector,role,joined,left
Priya Shah,priya.shah@grapevine.example.org,Grapevine,vcse,Convenor,2026-09-01,
Tom Okafor,tom.okafor@council.example.gov.uk,City Council,local_authority,Public health lead,2026-09-01,
Aoife O’Brien,aoife.obrien@pcc.example.nhs.uk,Willenhall Primary Care Centre,primary_care,Practice manager,2026-09-01,
Dev Mistry,dev.mistry@trust.example.nhs.uk,Partnership Trust,nhs,Mental health lead,2026-09-01,
"""

CONFIG = """\
[partnership]
name = "Willenhall Together"
timezone = "Europe/London"
purpose = "Tackle health inequality in Willenhall by working differently with the community."
story = "We began by listening."
members = "members.csv"

[convenor]
name = "Priya Shah"
email = "priya.shah@grapevine.example.org"

[mail]
from = "Willenhall Together <reflect@reflect.example.org>"
reply_to = "reflect+{token}@reflect.example.org"
transport = "maildir"
outbox_maildir = "var/outbox"

[inbox]
source = "maildir"
maildir = "var/inbox"

[storage]
database = "var/reflect.db"

[security]
key_file = "var/token.key"

[[meeting]]
id = "reflection"
kind = "reflection"
title = "Reflection point"
first = 2027-01-12T10:00:00
duration_minutes = 90
rrule = "FREQ=WEEKLY;INTERVAL=6"
location = "Willenhall Community Hub, or online"

[[meeting]]
id = "governance-review"
kind = "governance"
title = "Governance review"
first = 2027-03-02T14:00:00
duration_minutes = 60
rrule = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU"

[prompts]
before_meeting_days = 7
reminder_after_days = 3
questions = ["purpose", "role", "members", "work", "learning"]
checklist_meeting = "governance-review"

[induction]
relationship_weeks = 0  # conversations have their own tests; these keep to their concern
"""


@dataclass
class Partnership:
    dir: Path
    config: Path
    members: Path

    def write_config(self, text: str) -> None:
        self.config.write_text(textwrap.dedent(text), encoding="utf-8")

    def write_members(self, text: str) -> None:
        self.members.write_text(text, encoding="utf-8")

    @property
    def outbox(self) -> Path:
        return self.dir / "var" / "outbox"

    @property
    def inbox(self) -> Path:
        return self.dir / "var" / "inbox"

    @property
    def database(self) -> Path:
        return self.dir / "var" / "reflect.db"


def use_smtp(p: Partnership, port: int) -> None:
    """Send through SMTP on loopback ``port`` instead of writing the outbox Maildir."""
    text = p.config.read_text().replace('transport = "maildir"', 'transport = "smtp"')
    text = text.replace(
        'outbox_maildir = "var/outbox"\n',
        f'outbox_maildir = "var/outbox"\n\n[mail.smtp]\nhost = "127.0.0.1"\nport = {port}\n'
        'security = "none"\n',
    )
    p.config.write_text(text)


def shared_dir(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not here: the shared corpora sit beside the checkout in CI")
    return path
