"""Mail going out: the outbox queue, sending with retries and backoff,
throttling to a relay's caps, and the transports (Maildir, SMTP, preview).

May import: archive, compose, plan, clock, errors, vocabulary.
"""
