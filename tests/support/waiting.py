"""Waiting for an event in a test: poll a condition until it holds, with a generous deadline
and a failure that says what did not happen. Never a fixed sleep: on a busy machine any
fixed time is too short, and on an idle one it is wasted."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# generous on purpose: a wait ends as soon as its event happens, the deadline only bounds a
# failure (raise it with KIL_TEST_WAIT_SECONDS on a very slow machine)
WAIT_SECONDS = float(os.environ.get("KIL_TEST_WAIT_SECONDS", "60"))


def wait_until(
    condition: Callable[[], T],
    what: str,
    *,
    timeout: float = WAIT_SECONDS,
    interval: float = 0.05,
    detail: Callable[[], object] | None = None,
) -> T:
    """The first truthy value of `condition()`; AssertionError naming `what` (and `detail()`,
    e.g. the rows seen so far) if it is still false after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            seen = f"; {detail()}" if detail is not None else ""
            raise AssertionError(f"{what} did not happen within {timeout:g}s{seen}")
        time.sleep(interval)


def settled_response(client: Any, path: str, **headers: str) -> Any:
    """`client.get(path)` once it carries Last-Modified: a page whose last change is within
    the current second has none until that second is over (kil_feed.web.http.conditional)."""
    return wait_until(
        lambda: (r := client.get(path, headers=headers)).headers.get("last-modified") and r,
        f"{path} to send Last-Modified",
    )
