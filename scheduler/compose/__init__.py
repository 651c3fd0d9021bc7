"""Turning an intent into the exact bytes that will be sent: templates, MIME,
calendar mail, and the signed tokens and Message-IDs. Composing never sends.

May import: calendar, inputs, plan, reports, clock, errors, vocabulary, safety.
"""
