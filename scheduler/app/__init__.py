"""The application: the tick as named stages, and the wiring behind them.

``Services`` is built once from the config and holds the edges (archive,
transports, inboxes, the clock's reading passed in). ``tick`` runs the
stages in order: sync membership and meetings, plan, queue, send, take custody
of inbound mail, read it, notify. ``run`` repeats it; ``preview`` runs the
same path with a transport that writes files.

May import: archive, compose, inbound, inputs, outbound, plan, reports, calendar, clock, errors, faults, safety.
"""
