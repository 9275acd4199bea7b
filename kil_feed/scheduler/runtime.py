"""What a running job needs (settings, engine, its library functions), found by a token.

APScheduler pickles each job into the database, so a job carries only `(job name, token)`;
the token finds the live runtime of the scheduler that is leading in this process. The
library functions a job calls (the ones the CLI calls) are typed callables in
`JobFunctions`: tests pass stand-ins the same way.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import Engine

from kil_feed.config import Settings

if TYPE_CHECKING:
    from kil_feed.ingest.summary import SourceSummary
    from kil_feed.models import Issue
    from newsletter.report import SendReport


class CrawlFunction(Protocol):
    def __call__(
        self,
        settings: Settings,
        *,
        sources: list[str] | None = None,
        time_limit: float | None = None,
        stop: threading.Event | None = None,
    ) -> list[SourceSummary]: ...


class SendFunction(Protocol):
    def __call__(
        self, engine: Engine, settings: Settings, issue_id: int, *, retry: bool = False
    ) -> SendReport: ...


class ApproveFunction(Protocol):
    def __call__(self, engine: Engine, issue_id: int, *, settings: Settings) -> Issue: ...


@dataclass(frozen=True)
class JobFunctions:
    """The library functions behind the jobs: `run_crawl`, `build_issue`, `send_issue`,
    `approve_issue` (the scheduler calls what the CLI calls)."""

    crawl: CrawlFunction
    build: Callable[[Engine, Settings], Issue | None]
    send: SendFunction
    approve: ApproveFunction


def library_functions() -> JobFunctions:
    """The real ones (imported when a scheduler starts, not with the CLI)."""
    from kil_feed.ingest.run import run_crawl
    from newsletter.build import build_issue
    from newsletter.edit import approve_issue
    from newsletter.send import send_issue

    return JobFunctions(crawl=run_crawl, build=build_issue, send=send_issue, approve=approve_issue)


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
    functions: JobFunctions = field(default_factory=library_functions)
    stopping: threading.Event = field(default_factory=threading.Event)  # running jobs end
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


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
