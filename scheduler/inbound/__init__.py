"""Mail coming in: the sources (IMAP, Maildir, files and the pipe), custody
(stored before acknowledged), the bounds on cost, what proves a message
(tokens, keyed Message-IDs, return addresses, the trusted server's verdict),
reading it into one recorded state, and the convenor's quarantine decisions.

May import: archive, compose, replies, clock, errors, vocabulary, faults, safety.
"""
