"""A crawl process started before the launcher knows its work (`crawler.warm`).

`kil crawl` starts one first thing (`WarmProcess.start`), so that its Scrapy start-up
overlaps the launcher's own (imports, the database, preparing the sources); the launcher
then gives it the first share of the sources (`take`). Unused (nothing to crawl, an error
before the crawl), `close` ends it: end of file on its stdin, and it exits. Given feeds to
ask ahead (`ingest.ahead`), it asks them first and `ahead` reads its answers.

Standard library only (and `crawler`): imported before SQLAlchemy and Scrapy.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType

from crawler.itemstream import STREAM_FD_ENV
from crawler.revalidate import Revalidation
from kil_feed.ingest.ahead import Ahead, AskAhead, ahead_of

PROJECT_SETTINGS = "crawler.settings"
ASK_TIMEOUT = 30.0  # seconds: its answers are due within its budget (at most 5 s)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def crawl_environment() -> dict[str, str]:
    """A crawl process's environment: ours, plus the Scrapy project and its import path."""
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE=PROJECT_SETTINGS)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    return env


def spawn(
    cmd: list[str], env: dict[str, str], *, stdin: int = subprocess.DEVNULL
) -> tuple[subprocess.Popen[bytes], Connection]:
    """A crawl process with the write end of its own pipe; the read end is returned."""
    read_fd, write_fd = os.pipe()
    try:
        process = subprocess.Popen(
            cmd, env={**env, STREAM_FD_ENV: str(write_fd)}, pass_fds=(write_fd,),
            stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)  # the child has its own copy: end of file when it exits
    return process, Connection(read_fd, writable=False)


def profiler(name: str) -> list[str]:
    """`-m cProfile -o PREFIX-NAME.prof` when KIL_CRAWL_PROFILE=PREFIX (a tuning aid)."""
    prefix = os.environ.get("KIL_CRAWL_PROFILE")
    return ["-m", "cProfile", "-o", f"{prefix}-{name}.prof"] if prefix else []


class WarmProcess:
    """One `python -m crawler.warm` waiting on its stdin for the command line to run."""

    def __init__(self, process: subprocess.Popen[bytes], connection: Connection) -> None:
        self.process: subprocess.Popen[bytes] | None = process
        self.connection = connection
        self.asking: Ahead | None = None  # feeds it was asked to ask, until `ahead` reads
        self.writer: threading.Thread | None = None  # writing that request to its stdin

    @classmethod
    def start(cls, ask: AskAhead | None = None) -> WarmProcess:
        """Start one; with `ask`, it first asks those feeds whether they changed."""
        name = f"warm-{os.getpid()}-{id(cls):x}"
        cmd = [sys.executable, *profiler(name), "-m", "crawler.warm", *(["--ask"] if ask else [])]
        warm = cls(*spawn(cmd, crawl_environment(), stdin=subprocess.PIPE))
        if ask is not None:  # written while it starts (more than a pipe's buffer): no waiting
            warm.asking = ahead_of(ask)
            line = json.dumps(ask.request()).encode() + b"\n"
            warm.writer = threading.Thread(target=warm._write, args=(line,), daemon=True)
            warm.writer.start()
        return warm

    def ahead(self, timeout: float) -> Ahead | None:
        """Its answers to the feeds asked ahead, waiting up to `timeout` seconds for them;
        None if it was asked none, or died, or took longer (then it is ended: those feeds
        must not be asked twice at once)."""
        asking, self.asking = self.asking, None
        if asking is None:
            return None
        try:
            if self.connection.poll(timeout):
                answers = self.connection.recv()
                if isinstance(answers, Revalidation):
                    asking.answers = answers
                    return asking
        except (EOFError, OSError):
            pass
        self.close()
        return None

    def take(self, argv: list[str]) -> tuple[subprocess.Popen[bytes], Connection] | None:
        """Run `scrapy ARGV` in it; its process and pipe, now the caller's (None if gone)."""
        if self.asking is not None:  # its first message is not the crawl's: read it first
            self.ahead(timeout=ASK_TIMEOUT)
        if self.writer is not None:
            self.writer.join()
        process = self.process
        if process is None or not self._write(json.dumps(argv).encode() + b"\n"):
            self.close()  # it died while waiting: the caller starts a cold one
            return None
        self.process = None
        assert process.stdin is not None
        process.stdin.close()
        return process, self.connection

    def _write(self, line: bytes) -> bool:
        """Write a line to its stdin; False if it is gone."""
        process = self.process
        if process is None or process.stdin is None or process.poll() is not None:
            return False
        try:
            process.stdin.write(line)
            process.stdin.flush()
        except OSError:
            return False
        return True

    def close(self) -> None:
        """Not used: end of file on its stdin; it exits without crawling anything."""
        process, self.process = self.process, None
        self._end(process)

    def _end(self, process: subprocess.Popen[bytes] | None) -> None:
        if process is not None:
            if process.poll() is None:
                process.kill()  # it has done nothing yet but import (or ask)
            process.wait()
            if self.writer is not None:
                self.writer.join()  # its write fails once the process is gone
            if process.stdin is not None:
                # what a failed write left in its buffer has no reader any more
                with contextlib.suppress(OSError):
                    process.stdin.close()
        self.connection.close()

    def __enter__(self) -> WarmProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None:
            self.close()
