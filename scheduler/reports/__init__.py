"""What the archive tells people: participation, the digest, ``reflect
status``, the report page and its charts, exports, and forgetting a member.

May import: archive, calendar, inputs, plan, replies, clock, errors, vocabulary, safety.
"""
