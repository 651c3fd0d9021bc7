"""The archive's schema, as the named migrations that build it, oldest first.

Each is applied once, in order, and recorded in ``schema_migrations``
(``archive/database.py``). Add a new one at the end with the next number; never
edit one that has shipped, since archives in use have already run it.
"""

from __future__ import annotations

from scheduler.archive.rebuilds import PROMPTS_CARRIED

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001-initial",
        """
        CREATE TABLE members (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            organisation TEXT NOT NULL,
            sector TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'left')),
            joined TEXT,
            left_on TEXT,
            inducted INTEGER NOT NULL DEFAULT 0,
            share_introduction INTEGER NOT NULL DEFAULT 0,
            address_failing INTEGER NOT NULL DEFAULT 0,
            failing_reason TEXT,
            first_seen TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE membership_events (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id),
            kind TEXT NOT NULL CHECK (kind IN ('joined', 'left', 'rejoined', 'changed')),
            on_date TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX membership_events_member ON membership_events(member_id);
        CREATE TABLE meetings (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            sequence INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL CHECK (status IN ('active', 'removed')),
            definition TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE invitations (
            meeting_id TEXT NOT NULL REFERENCES meetings(id),
            member_id INTEGER NOT NULL REFERENCES members(id),
            sequence INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('invited', 'cancelled')),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (meeting_id, member_id)
        );
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            member_id INTEGER REFERENCES members(id),
            recipient TEXT NOT NULL,
            meeting_id TEXT,
            occurrence TEXT,
            question_id TEXT,
            sequence INTEGER,
            token_id TEXT UNIQUE,
            message_id TEXT NOT NULL UNIQUE,
            subject TEXT NOT NULL,
            raw BLOB NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            due_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            claimed_at TEXT,
            sent_at TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);
        CREATE INDEX outbox_member ON outbox(member_id, kind);
        CREATE TABLE prompts (
            id INTEGER PRIMARY KEY,
            outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox(id),
            member_id INTEGER NOT NULL REFERENCES members(id),
            kind TEXT NOT NULL,
            meeting_id TEXT,
            occurrence TEXT,
            question_id TEXT NOT NULL,
            question_text TEXT NOT NULL,
            body_text TEXT NOT NULL,
            answered INTEGER NOT NULL DEFAULT 0,
            reminded INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX prompts_open ON prompts(answered, reminded);
        CREATE TABLE inbound (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            message_id TEXT,
            raw BLOB NOT NULL,
            size INTEGER NOT NULL,
            source TEXT NOT NULL,
            source_ref TEXT,
            received_at TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            from_address TEXT,
            subject TEXT,
            member_id INTEGER REFERENCES members(id),
            prompt_id INTEGER REFERENCES prompts(id),
            processed_at TEXT
        );
        CREATE INDEX inbound_status ON inbound(status);
        CREATE INDEX inbound_message_id ON inbound(message_id);
        CREATE TABLE answers (
            id INTEGER PRIMARY KEY,
            inbound_id INTEGER NOT NULL REFERENCES inbound(id),
            prompt_id INTEGER NOT NULL REFERENCES prompts(id),
            member_id INTEGER NOT NULL REFERENCES members(id),
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        CREATE INDEX answers_prompt ON answers(prompt_id);
        CREATE TABLE rsvps (
            id INTEGER PRIMARY KEY,
            inbound_id INTEGER NOT NULL REFERENCES inbound(id),
            member_id INTEGER NOT NULL REFERENCES members(id),
            meeting_id TEXT NOT NULL REFERENCES meetings(id),
            recurrence_id TEXT,
            partstat TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0002-privacy-and-browsing",
        """
        ALTER TABLE members ADD COLUMN forgotten_at TEXT;
        ALTER TABLE answers ADD COLUMN forgotten INTEGER NOT NULL DEFAULT 0;
        CREATE VIEW received_messages AS
            SELECT id, received_at, status, reason, from_address, subject, member_id, prompt_id,
                   size, source FROM inbound;
        CREATE VIEW sent_messages AS
            SELECT id, kind, status, recipient, member_id, subject, meeting_id, occurrence,
                   question_id, due_at, sent_at, attempts, last_error FROM outbox;
        """,
    ),
    (
        "0003-relationships-and-roles",
        """
        CREATE TABLE pairings (
            round_key TEXT NOT NULL,
            a TEXT NOT NULL,
            b TEXT NOT NULL,
            slot TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (round_key, a, b)
        );
        CREATE TABLE occurrence_roles (
            meeting_id TEXT NOT NULL,
            occurrence TEXT NOT NULL,
            chair TEXT NOT NULL,
            note_taker TEXT NOT NULL,
            PRIMARY KEY (meeting_id, occurrence)
        );
        """,
    ),
    (
        "0004-what-each-member-was-sent",
        """
        ALTER TABLE invitations ADD COLUMN definition TEXT;
        """,
    ),
    (
        "0005-whose-roles-each-copy-names",
        """
        ALTER TABLE invitations ADD COLUMN noted TEXT NOT NULL DEFAULT '[]';
        """,
    ),
    (
        "0006-the-partnerships-identity",
        """
        CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        "0007-what-the-planner-reads-by-kind",
        """
        CREATE INDEX outbox_kind ON outbox(kind, created_at);
        CREATE INDEX answers_kind ON answers(kind, received_at);
        """,
    ),
    (
        "0008-answer-edits",
        """
        CREATE TABLE answer_edits (
            id INTEGER PRIMARY KEY,
            answer_id INTEGER NOT NULL REFERENCES answers(id),
            old_text TEXT NOT NULL,
            new_text TEXT NOT NULL,
            edited_at TEXT NOT NULL
        );
        CREATE INDEX answer_edits_answer ON answer_edits(answer_id);
        """,
    ),
    (
        # A conversation is not a meeting series (rsvps.meeting_id references meetings),
        # so its calendar replies have a table of their own, keyed by the round and the
        # partner as ``pairings`` has them; ``accepted_by`` says who vouched for a reply
        # not proved by the attendee's own address (NULL: the attendee's own mail).
        "0009-conversation-replies",
        """
        CREATE TABLE conversation_replies (
            id INTEGER PRIMARY KEY,
            inbound_id INTEGER NOT NULL REFERENCES inbound(id),
            member_id INTEGER NOT NULL REFERENCES members(id),
            partner_id INTEGER REFERENCES members(id),
            round_key TEXT NOT NULL,
            slot TEXT NOT NULL,
            partstat TEXT NOT NULL,
            received_at TEXT NOT NULL,
            accepted_by TEXT
        );
        CREATE INDEX conversation_replies_round ON conversation_replies(round_key);
        ALTER TABLE rsvps ADD COLUMN accepted_by TEXT;
        """,
    ),
    (
        # what a member is called in a greeting ("Peter"), when members.csv says
        "0010-preferred-names",
        """
        ALTER TABLE members ADD COLUMN preferred_name TEXT NOT NULL DEFAULT '';
        """,
    ),
    (
        # a conversation moved by one of the pair replying with a time: its invitation goes
        # again to both at this SEQUENCE; ``moved_by`` is who asked
        "0011-conversation-moves",
        """
        ALTER TABLE pairings ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE pairings ADD COLUMN moved_by TEXT;
        """,
    ),
    (
        # what each member was sent in the last day, read at every tick to pace their mail
        "0012-outbox-sent-at",
        """
        CREATE INDEX outbox_sent_at ON outbox(sent_at);
        """,
    ),
    (
        # what a meeting agreed, from its note-taker's reply (issue 17): one ``meeting_notes``
        # row per reply (a correction is a new one; the old stays, no longer current), one
        # ``agreed_items`` row per line. ``owner_member_id`` is NULL when the owner is an
        # organisation, a phrase as written, or forgotten.
        "0013-decisions-and-actions",
        """
        CREATE TABLE meeting_notes (
            id INTEGER PRIMARY KEY,
            meeting_id TEXT NOT NULL,
            occurrence TEXT NOT NULL,
            inbound_id INTEGER REFERENCES inbound(id),
            note_taker TEXT,
            request_key TEXT NOT NULL,
            received_at TEXT NOT NULL,
            current INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX meeting_notes_occurrence ON meeting_notes(meeting_id, occurrence);
        CREATE TABLE agreed_items (
            id INTEGER PRIMARY KEY,
            notes_id INTEGER NOT NULL REFERENCES meeting_notes(id),
            meeting_id TEXT NOT NULL,
            occurrence TEXT NOT NULL,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('decision', 'action', 'note')),
            text TEXT NOT NULL,
            owner_text TEXT NOT NULL DEFAULT '',
            owner_member_id INTEGER REFERENCES members(id),
            owner_organisation TEXT NOT NULL DEFAULT '',
            owner_sector TEXT NOT NULL DEFAULT '',
            due_on TEXT,
            due_text TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'done', 'not_yet', 'dropped', 'recorded')),
            status_note TEXT NOT NULL DEFAULT '',
            status_at TEXT,
            current INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX agreed_items_open ON agreed_items(current, kind, status);
        CREATE VIEW decisions_and_actions AS
            SELECT id, meeting_id, occurrence, kind, text, owner_text, owner_organisation,
                   owner_sector, due_on, status, status_note, status_at
            FROM agreed_items WHERE current = 1;
        """,
    ),
    (
        # what members asked by replying one word (pause, resume, skip, away, stop), each
        # proved like an answer; and a ``left`` date written ahead of time (``leaving_on``),
        # so the handover is asked at once, not on a last day when the mailbox may be shut
        "0014-members-own-requests",
        """
        CREATE TABLE member_requests (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id),
            inbound_id INTEGER REFERENCES inbound(id),
            word TEXT NOT NULL CHECK (word IN ('pause', 'resume', 'skip', 'away', 'stop')),
            until_day TEXT,
            meeting_id TEXT,
            occurrence TEXT,
            received_at TEXT NOT NULL
        );
        CREATE INDEX member_requests_member ON member_requests(member_id, id);
        ALTER TABLE members ADD COLUMN leaving_on TEXT;
        """,
    ),
    PROMPTS_CARRIED,  # the checklist as one email of numbered parts (archive/rebuilds.py)
]
