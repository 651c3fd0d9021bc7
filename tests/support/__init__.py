"""Helpers the tests share: servers on loopback, mail to send in, archives to seed.

Test modules import from here, never from one another or from ``conftest``.
"""
