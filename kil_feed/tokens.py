"""Signed tokens for subscriber links (unsubscribe, preferences, confirm) and forms (CSRF).

A token names the subscriber by id, never by address, and is signed with `KIL_SECRET_KEY`
(itsdangerous, with a per-purpose salt so one kind of token cannot stand in for another).
Confirmation tokens carry the subscriber's `token_nonce`: bumping it makes them single-use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from kil_feed.config import Settings
from kil_feed.errors import NotFoundError

PURPOSES = ("unsubscribe", "preferences", "confirm", "csrf")
ROW_ID_MAX = 2**31 - 1  # the largest id an INTEGER column holds on PostgreSQL (SQLite: more)
# whom the links of a test copy sent to someone who is not a subscriber name: no row has it
TEST_COPY_ID = 0


@dataclass(frozen=True)
class TokenData:
    subscriber_id: int
    nonce: int = 0

    @property
    def is_test_copy(self) -> bool:
        """The link came in a test copy to someone who is not a subscriber."""
        return self.subscriber_id == TEST_COPY_ID


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(settings.require_secret_key(), salt=f"kil-feed/{purpose}")


def make_token(settings: Settings, subscriber_id: int, purpose: str, nonce: int = 0) -> str:
    """A URL-safe signed token for one subscriber and one purpose."""
    payload = [subscriber_id, nonce] if nonce else [subscriber_id]
    return _serializer(settings, purpose).dumps(payload)


def token_maker(settings: Settings, purpose: str) -> Callable[[int], str]:
    """`make_token(settings, id, purpose)` for many subscribers: the serializer (and its
    derived key) is built once, not once per token, which matters in a 10,000-message send."""
    serializer = _serializer(settings, purpose)
    return lambda subscriber_id: serializer.dumps([subscriber_id])


def read_token(
    settings: Settings,
    token: str,
    purpose: str,
    max_age: int | None = None,
    *,
    test_copy: bool = False,
) -> TokenData:
    """The token's subscriber; NotFoundError (404 on the web) when tampered or expired.
    `test_copy`: a test copy's token (`TEST_COPY_ID`) is valid too, for a page to say so."""
    try:
        payload = _serializer(settings, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise NotFoundError("this link has expired", hint="ask for a new one") from None
    except BadSignature:
        raise NotFoundError("this link is not valid") from None
    if (
        not isinstance(payload, list)
        or not payload
        or not all(isinstance(p, int) and not isinstance(p, bool) for p in payload)
        # a row id the database can hold (or a test copy's, where it is asked for)
        or not (TEST_COPY_ID if test_copy else 1) <= payload[0] <= ROW_ID_MAX
    ):
        raise NotFoundError("this link is not valid")
    return TokenData(subscriber_id=payload[0], nonce=payload[1] if len(payload) > 1 else 0)


def token_url(base_url: str, purpose: str, token: str) -> str:
    """The site's page for a token: each purpose has its page at `/<purpose>/<token>`."""
    return f"{base_url.rstrip('/')}/{purpose}/{token}"


def unsubscribe_url(settings: Settings, subscriber_id: int) -> str:
    token = make_token(settings, subscriber_id, "unsubscribe")
    return token_url(settings.base_url, "unsubscribe", token)


def preferences_url(settings: Settings, subscriber_id: int) -> str:
    token = make_token(settings, subscriber_id, "preferences")
    return token_url(settings.base_url, "preferences", token)


def confirm_url(settings: Settings, subscriber_id: int, nonce: int) -> str:
    token = make_token(settings, subscriber_id, "confirm", nonce=nonce)
    return token_url(settings.base_url, "confirm", token)
