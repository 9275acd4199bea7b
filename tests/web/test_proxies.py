"""Behind a reverse proxy: client addresses come from X-Forwarded-For only when the
connection is from `web.trusted_proxies`; the signup limit is one count in the database,
shared by every worker of `kil serve --workers 2`. Real `kil serve` subprocesses."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from tests.web.liveserver import serve_subprocess

pytestmark = pytest.mark.slow
LIMIT = 5


@contextmanager
def _server(kil_env: dict[str, str], workers: int = 1, **extra: str) -> Iterator[str]:
    env = {**kil_env, "KIL_WEB__SIGNUP_RATE_LIMIT": str(LIMIT), **extra}
    args = ("--workers", str(workers)) if workers > 1 else ()
    with serve_subprocess(env, extra_args=args) as base:
        yield base


def _signup(base: str, forwarded_for: str | None = None) -> int:
    """A signup POST (without a CSRF token: the limit is counted before the form is read)."""
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    with httpx.Client() as fresh:  # a new connection each time, as separate visitors make
        return fresh.post(
            base + "/subscribe", data={"email": "a@example.org"}, headers=headers
        ).status_code


def test_forwarded_addresses_count_only_from_trusted_proxies(kil_env) -> None:  # type: ignore[no-untyped-def]
    with _server(kil_env, KIL_WEB__TRUSTED_PROXIES='["127.0.0.1"]') as base:
        # many visitors behind the proxy: each has its own limit
        statuses = [_signup(base, f"203.0.113.{n}") for n in range(LIMIT + 3)]
        assert 429 not in statuses, statuses
        # one visitor behind the proxy trying too often is stopped
        again = [_signup(base, "198.51.100.7") for _ in range(LIMIT + 1)]
        assert again.count(429) == 1 and again[-1] == 429, again
    with _server(kil_env) as base:
        # no trusted proxy: a client cannot pick its own address with the header
        statuses = [_signup(base, f"203.0.113.{n}") for n in range(LIMIT + 1)]
        assert statuses[-1] == 429 and statuses.count(429) == 1, statuses


def test_the_signup_limit_is_shared_by_workers(kil_env) -> None:  # type: ignore[no-untyped-def]
    attempts = 4 * LIMIT
    with _server(kil_env, workers=2) as base, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: _signup(base), range(attempts)))
    # exactly the limit gets through, however the attempts were spread over the workers
    assert statuses.count(429) == attempts - LIMIT, statuses
