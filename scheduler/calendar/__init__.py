"""Calendar knowledge: recurrence rules (one parser, one expansion), the
VTIMEZONE, and iCalendar/iMIP building.

May import: clock, errors.
"""
