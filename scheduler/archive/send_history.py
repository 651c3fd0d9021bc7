"""When messages were sent: what the sending caps count against."""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduler.archive.database import Archive, utc_text


class SendHistory:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def sent_after(self, moment: datetime) -> list[datetime]:
        """When each message sent after ``moment`` went, as a second later than stored.

        Stored times are cut to the second: each counts as a second later, to be safe.
        """
        rows = self.archive.rows(
            "SELECT sent_at FROM outbox WHERE status = 'sent' AND sent_at > ?",
            (utc_text(moment),),
        )
        return [datetime.fromisoformat(r["sent_at"]) + timedelta(seconds=1) for r in rows]
