"""What the convenor writes: the config (TOML), the membership list (CSV) and
the framework's content, read from text handed in, every problem collected
with file, line or row, and field.

config.toml: ``config`` (the settings dataclasses: keys, defaults and choices
are their fields), ``config_file`` (``parse_config``), ``config_reader``,
``mail_settings``, ``meetings`` (a rule's text and words are the calendar
package's to read), ``config_checks``.
members.csv: ``members`` (``read_members``, ``parse_members``), ``membership``
(``Member``), ``membership_rows``, ``spreadsheet``, ``sectors``.
content/: ``content`` (``parse_content``), ``content_fields``.
Shared: ``toml_lines`` (which line a TOML key is on), ``plain_text``.

May import: calendar, clock, errors, safety.
"""
