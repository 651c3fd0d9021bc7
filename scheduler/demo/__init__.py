"""``reflect demo``: a simulated partnership run end to end against a real SMTP
server on loopback, with members replying from several mail clients.

May import: app, compose, inputs, reports, archive, errors.
"""
