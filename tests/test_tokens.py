"""Signed subscriber tokens: per purpose, tamper-evident, never exposing the address."""

from __future__ import annotations

import pytest

from kil_feed.config import Settings
from kil_feed.errors import NotFoundError
from kil_feed.tokens import make_token, read_token, token_maker, unsubscribe_url


def test_round_trip_and_purpose_separation() -> None:
    s = Settings(secret_key="k1" * 16, base_url="https://kil.example.org/")
    token = make_token(s, 42, "unsubscribe")
    assert read_token(s, token, "unsubscribe").subscriber_id == 42
    with pytest.raises(NotFoundError):
        read_token(s, token, "preferences")
    with pytest.raises(NotFoundError):
        read_token(Settings(secret_key="k2" * 16), token, "unsubscribe")
    with pytest.raises(NotFoundError):
        read_token(s, token[:-2] + "xx", "unsubscribe")
    assert unsubscribe_url(s, 42).startswith("https://kil.example.org/unsubscribe/")


def test_confirm_tokens_carry_a_nonce() -> None:
    s = Settings(secret_key="k1" * 16)
    data = read_token(s, make_token(s, 7, "confirm", nonce=3), "confirm")
    assert (data.subscriber_id, data.nonce) == (7, 3)


def test_token_maker_signs_like_make_token() -> None:
    s = Settings(secret_key="k1" * 16)
    make = token_maker(s, "preferences")
    for sid in (1, 99):
        token = make(sid)
        assert read_token(s, token, "preferences").subscriber_id == sid
        with pytest.raises(NotFoundError):
            read_token(s, token, "unsubscribe")
