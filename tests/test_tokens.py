"""Signed reply tokens and where their key lives."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.compose.tokens import (
    load_secret,
    sign_token,
    token_from_address,
    token_id_for,
    verify_token,
)
from scheduler.errors import ReflectError, TokenError

SECRET = b"k" * 32


def test_a_token_round_trips_and_fits_in_an_address() -> None:
    token_id = token_id_for("some-outbox-key")
    token = sign_token(token_id, SECRET)
    assert len(token) == 32 and token == token.lower()
    assert verify_token(token.upper(), SECRET) == token_id  # servers may fold case
    address = "reflect+{token}@reflect.example.org".replace("{token}", token)
    assert token_from_address(address.upper(), "reflect+{token}@reflect.example.org") == token


@given(st.integers(min_value=0, max_value=31), st.sampled_from("abcdefghijklmnopqrstuvwxyz234567"))
def test_changing_any_character_breaks_the_signature(position: int, char: str) -> None:
    token = sign_token(token_id_for("k"), SECRET)
    tampered = token[:position] + char + token[position + 1 :]
    if tampered == token:
        return
    with pytest.raises(TokenError):
        verify_token(tampered, SECRET)


@given(st.text(max_size=60))
def test_arbitrary_text_never_verifies(text: str) -> None:
    with pytest.raises(TokenError):
        verify_token(text, SECRET)


def test_another_key_does_not_verify() -> None:
    token = sign_token(token_id_for("k"), SECRET)
    with pytest.raises(TokenError):
        verify_token(token, b"x" * 32)


def test_key_file_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "var" / "token.key"
    first = load_secret(env_name="REFLECT_TOKEN_KEY", key_file=path, environ={})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(env_name="REFLECT_TOKEN_KEY", key_file=path, environ={}) == first
    os.chmod(path, 0o644)
    with pytest.raises(ReflectError, match="chmod 600"):
        load_secret(env_name="REFLECT_TOKEN_KEY", key_file=path, environ={})


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    env = {"REFLECT_TOKEN_KEY": "a-long-secret-from-the-environment"}
    assert load_secret(env_name="REFLECT_TOKEN_KEY", key_file=tmp_path / "k", environ=env) == (
        b"a-long-secret-from-the-environment"
    )
    assert not (tmp_path / "k").exists()
