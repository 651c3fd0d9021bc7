"""What the convenor writes: the config (TOML), the membership list (CSV) and
the framework's content, read from text handed in, every problem collected
with file, line or row, and field.

May import: calendar, clock, errors, safety.
"""
