"""Shared fixtures: a clean environment, a partnership on disk, real servers on loopback.

Helpers and constants live in ``tests/support/``; this module holds only fixtures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.dovecot_server import dovecot  # noqa: F401 - registers the session fixture
from support.partnership import CONFIG, MEMBERS_CSV, Partnership


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No REFLECT_* setting leaks into a test from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("REFLECT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def partnership(tmp_path: Path) -> Partnership:
    config = tmp_path / "config.toml"
    members = tmp_path / "members.csv"
    config.write_text(CONFIG, encoding="utf-8")
    members.write_text(MEMBERS_CSV, encoding="utf-8")
    return Partnership(tmp_path, config, members)
