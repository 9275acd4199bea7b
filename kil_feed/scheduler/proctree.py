"""Run a child process under a hard time limit and kill its whole tree when it overruns.

The crawl runs Scrapy, whose Twisted reactor cannot be restarted in one process, so each
crawl is a child process. A hung crawl must not block the next one: at the limit its
process group (the child starts a new session) and every descendant found by psutil are
sent SIGTERM, then SIGKILL after a short grace.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import psutil

logger = logging.getLogger(__name__)

KILL_GRACE_SECONDS = 3.0


@dataclass
class ChildResult:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    interrupted: bool = False


class Children:
    """The running children, so a shutdown can end them instead of waiting for them."""

    def __init__(self) -> None:
        self._procs: set[subprocess.Popen[str]] = set()
        self._interrupted: set[int] = set()
        self._lock = threading.Lock()

    def add(self, proc: subprocess.Popen[str]) -> None:
        with self._lock:
            self._procs.add(proc)

    def discard(self, proc: subprocess.Popen[str]) -> bool:
        """Forget `proc`; True if it was ended by `kill_all`."""
        with self._lock:
            self._procs.discard(proc)
            interrupted = proc.pid in self._interrupted
            self._interrupted.discard(proc.pid)
            return interrupted

    def kill_all(self) -> int:
        with self._lock:
            procs = list(self._procs)
            self._interrupted.update(p.pid for p in procs)
        for proc in procs:
            kill_tree(proc)
        return len(procs)


def kill_tree(proc: subprocess.Popen[str], grace: float = KILL_GRACE_SECONDS) -> None:
    """SIGTERM the child's group and descendants, SIGKILL whatever is left after `grace`."""
    try:
        descendants = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    _signal_group(proc.pid, signal.SIGTERM)
    for child in descendants:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    _, alive = psutil.wait_procs(descendants, timeout=0.5)
    if proc.poll() is None or alive:
        logger.warning("child pid=%s did not stop on SIGTERM: killing", proc.pid)
        _signal_group(proc.pid, signal.SIGKILL)
        for child in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def run_limited(
    argv: Sequence[str],
    *,
    time_limit: float,
    input: str = "",
    children: Children | None = None,
    env: dict[str, str] | None = None,
) -> ChildResult:
    """Run `argv` with `input` on stdin; kill its tree if it runs past `time_limit` seconds."""
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
    )
    if children is not None:
        children.add(proc)
    timed_out = False
    try:
        try:
            out, err = proc.communicate(input, timeout=time_limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            logger.warning("child pid=%s ran past %.0fs: killing its tree", proc.pid, time_limit)
            kill_tree(proc)
            out, err = _drain(proc)
    finally:
        interrupted = children.discard(proc) if children is not None else False
    return ChildResult(
        returncode=proc.returncode,
        stdout=out or "",
        stderr=err or "",
        seconds=time.monotonic() - started,
        timed_out=timed_out,
        interrupted=interrupted and not timed_out,
    )


def _drain(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """What the killed child wrote; gives up if an escaped grandchild keeps the pipes open."""
    try:
        return proc.communicate(timeout=5)
    except (subprocess.TimeoutExpired, ValueError):
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        return "", ""
