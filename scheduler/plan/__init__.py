"""The pure planner: from the state the archive knows, the inputs and the time,
the messages that are due (intents). Never touches network, clock or disk.
Holds the rules for prompts, reminders, invitations, relationships, rotation
of roles, pairing, the occurrences of each meeting series, and the
membership and meeting diffs (``sync``).

May import: calendar, inputs, clock, errors, vocabulary.
"""
