"""What a running job needs (settings, engine, the running children), found by a token.

APScheduler pickles each job into the database, so a job names its function by reference
and carries only `(job name, token)`; the token finds the live runtime of the scheduler
that is leading in this process.
"""

from __future__ import annotations

import importlib
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.scheduler.proctree import Children

# The library functions the jobs call (the same ones the CLI calls), by reference.
DEFAULT_TARGETS = {
    "crawl": "kil_feed.ingest.run:run_crawl",
    "build": "newsletter.build:build_issue",
    "send": "newsletter.send:send_issue",
    "approve": "newsletter.edit:approve_issue",
}
DEFAULT_CRAWL_TARGET = DEFAULT_TARGETS["crawl"]

_RUNTIMES: dict[str, Runtime] = {}
_LOCK = threading.Lock()


def make_owner() -> str:
    """host:pid:nonce, unique per scheduler instance."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    owner: str = field(default_factory=make_owner)
    targets: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    children: Children = field(default_factory=Children)
    stopping: threading.Event = field(default_factory=threading.Event)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def function(self, name: str) -> Any:
        """The library function behind job step `name`, imported now (not at start-up)."""
        return load_reference(self.targets[name])


def load_reference(reference: str) -> Any:
    """`package.module:function` -> the function."""
    module_name, _, attr = reference.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def register(runtime: Runtime) -> str:
    with _LOCK:
        _RUNTIMES[runtime.token] = runtime
    return runtime.token


def unregister(runtime: Runtime) -> None:
    with _LOCK:
        _RUNTIMES.pop(runtime.token, None)


def lookup(token: str) -> Runtime | None:
    with _LOCK:
        return _RUNTIMES.get(token)
