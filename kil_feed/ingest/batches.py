"""One background writer for a recorder's batches.

Reading the crawl pipes goes on while the database commits a batch: each batch is handed
to one writer thread (one write transaction each), at most MAX_PENDING_BATCHES wait for it
(back-pressure keeps memory bounded), and a failed write is raised in the recorder's own
thread at its next hand-over (and every later one: nothing is queued behind a failure) or
at `wait`. Both recorders (`recorder.CrawlRecorder` for a local crawl,
`worker_recorder.WorkerRecorder` for a Redis worker) write through one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

FLUSH_SECONDS = 0.5  # what waits longer than this is written even if the batch is not full
MAX_PENDING_BATCHES = 2


class BatchWriter:
    """Runs `write(*args)` calls in order on one thread; see the module docstring."""

    def __init__(self, thread_name: str) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)
        self.pending: list[Future[None]] = []
        self.last_flush = time.monotonic()

    def due(self) -> bool:
        """Whether FLUSH_SECONDS have passed since the last flush."""
        return time.monotonic() - self.last_flush > FLUSH_SECONDS

    def flushed(self) -> None:
        """A flush happened now (with something to write or not)."""
        self.last_flush = time.monotonic()

    def submit(self, write: Callable[..., None], *args: Any) -> None:
        """Queue one batch's write, first waiting while MAX_PENDING_BATCHES are queued."""
        while len(self.pending) >= MAX_PENDING_BATCHES:
            self.pending.pop(0).result()
        waiting = []
        for future in self.pending:
            if future.done():
                future.result()  # a failed write is raised here, in the recorder's thread
            else:
                waiting.append(future)
        self.pending = [*waiting, self.pool.submit(write, *args)]

    def wait(self) -> None:
        """Wait for every queued write, raising the first that failed."""
        pending, self.pending = self.pending, []
        for future in pending:
            future.result()

    def shutdown(self) -> None:
        """End the thread once what is queued is written (after a failure too)."""
        self.pool.shutdown(wait=True)
