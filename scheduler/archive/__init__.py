"""The SQLite archive: schema, migrations, the lock, and reading the planner's
state out of it.

May import: inputs, plan, clock, errors, vocabulary.
"""
