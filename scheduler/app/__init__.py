"""The application: the tick as named stages, and the wiring behind them.

``services.Services`` is built once from the config and holds the edges
(archive, transports, inboxes, the checkpoint tests may pass); ``wiring``
builds them. ``tick`` runs the stages in order, one module each: ``syncing``
(membership and meetings), ``custody`` and ``reading`` (inbound mail), then
``queueing`` (plan, gather what the messages quote, render into the outbox) and
``sending``. ``run`` repeats it; ``preview`` runs the same path with a
transport that writes files.

May import: archive, compose, inbound, inputs, outbound, plan, reports, calendar, clock, errors, vocabulary, faults, safety.
"""
