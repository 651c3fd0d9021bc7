"""Every span of time the planner's rules use, and the history the archive reads for them.

The planner sees only what ``archive.state.load_state`` reads, so each history window
is defined here, beside the rule it serves, and must cover it (``tests/test_layout.py``
checks the inequalities): a rule whose window is longer than the history read for it
would silently never fire.
"""

from __future__ import annotations

from datetime import timedelta

# --- the planner's rules

REMINDER_LATE_LIMIT = timedelta(days=14)
"""A question for no meeting is not reminded later than this after its reminder fell due."""

HANDOVER_WAIT = timedelta(days=14)
"""After asking a leaver for a handover note, the convenor hears that none has come..."""

HANDOVER_CHASE_UNTIL = timedelta(days=30)
"""...between HANDOVER_WAIT and this long after asking (once)."""

SUCCESSOR_WINDOW = timedelta(days=30)
"""A leaver's note goes to newcomers who joined from this long before they left (or after)."""

SETTLING_IN = timedelta(days=28)
"""A newcomer takes no role at meetings this soon after joining."""

REQUEST_CONFIRM_WITHIN = timedelta(days=7)
"""A member's request by reply is confirmed (and a stop reported) within this long of it."""

SILENT_NOTICE_BEFORE = timedelta(days=2)
"""Who has not replied goes to the convenor this long before each meeting with questions."""

SKIP_HORIZON = timedelta(days=200)
"""A ``skip`` with no cycle named is for the next cycle within this long; older skips lapse."""

# --- what load_state reads (each covers the rules above that use it)

OPEN_PROMPTS_LOOKBACK = timedelta(days=60)
"""Unanswered prompts that may still be reminded: the reminder wait plus REMINDER_LATE_LIMIT."""

HANDOVER_ASKED_WINDOW = timedelta(days=60)
"""Requests for a leaver's handover note: covers HANDOVER_CHASE_UNTIL."""

HANDOVER_NOTES_WINDOW = timedelta(days=30)
"""Handover notes received, to pass on to a successor who is already here."""

INDUCTED_WINDOW = timedelta(days=120)
"""Inductions, which a leaver's note may follow: covers SUCCESSOR_WINDOW plus the notes'."""

INTRODUCTIONS_WINDOW = timedelta(days=30)
"""Newcomers' introductions, to share with everyone."""

QUARANTINE_NOTICE_FIRST = timedelta(days=7)
"""Before any notice to the convenor, held-back mail this recent is what the first one lists."""

QUARANTINE_NOTICE_EVERY = timedelta(days=7)
"""At most one quarantine notice in this long: each gathers everything held since the last."""

MAILED_WINDOW = timedelta(hours=30)
"""Emails sent to each member: covers the local day pacing counts (up to 26 hours long)."""

PREPARED_MEETINGS_WINDOW = timedelta(days=60)
"""Meetings whose questions went out this recently: the note-taker is asked what such a
meeting agreed (plan/agreed.py, up to NOTES_ASK_WINDOW after it; questions go out
``before_meeting_days`` ahead)."""
