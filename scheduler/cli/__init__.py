"""The command line: argument parsing and one small function per command.

Owns what a convenor types and reads: parsing, help texts, exit codes and the
printing of what the other packages return. No SQL and no business rules: a
command builds the application (``app``), calls one function and prints.

May import: app, archive, compose, demo, inbound, inputs, outbound, replies, reports, clock, errors, vocabulary, safety.
"""
