"""Items from a crawl process to its launcher, over an inherited pipe.

`kil crawl` starts each crawl process with the write end of a pipe (its number in the
environment variable STREAM_FD_ENV). The store pipeline sends every record down that pipe;
the launcher (`kil_feed.ingest`) reads all pipes and records everything with one recorder.
Records are small tuples (`crawler.records.Record`), sent in batches with
`multiprocessing.connection` (length-prefixed pickles between our own processes): a batch
goes when it is full or when the crawl's timer calls `flush` (every FLUSH_SECONDS), so a
pass of a thousand 304s costs a few dozen pipe writes, not a thousand, and the launcher's
progress still moves several times a second.

- `("item", CrawledItem)`: a content item;
- `("status", SourceStatus)`: how fetching a source (or one of its pages) went;
- `("dropped", source_id, duplicate)`: an item a pipeline dropped;
- `("robots", RobotsAnswer)`: a robots.txt fetched in this crawl, for the launcher's cache;
- `("done", [lease field, ...])`: a crawl worker's requests whose records went before
  (`crawler.leases`): released once those are stored.

This module imports only the standard library: the launcher never loads Scrapy.
"""

from __future__ import annotations

import os
import select
from multiprocessing.connection import Connection

from crawler.records import Record

STATUS_KEY = "_kil_status"  # marks a spider's per-source outcome record (not content)
STREAM_FD_ENV = "KIL_CRAWL_STREAM_FD"
BATCH_RECORDS = 64
FLUSH_SECONDS = 0.25


def stream_fd() -> int | None:
    """The pipe this process was given by its launcher, if any."""
    value = os.environ.get(STREAM_FD_ENV, "")
    return int(value) if value.isdigit() else None


class RecordSender:
    """The crawl side: batches records and sends them; `close` sends the rest."""

    def __init__(self, fd: int) -> None:
        self.connection = Connection(fd, readable=False)
        self.batch: list[Record] = []
        self.broken = False  # the launcher is gone: nothing more can be delivered
        self._poller = select.poll()
        self._poller.register(fd, select.POLLOUT)

    def reader_closed(self) -> bool:
        """Whether the launcher's end of the pipe is closed (it died): a crawl with nothing
        to send, waiting on a slow site, would otherwise notice only at its next send."""
        events = self._poller.poll(0)
        return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in events)

    def send(self, record: Record) -> None:
        """Queue a record; a full batch goes at once."""
        self.batch.append(record)
        if len(self.batch) >= BATCH_RECORDS:
            self.flush()

    def flush(self) -> None:
        """Send what is queued (the crawl's timer calls this every FLUSH_SECONDS)."""
        if self.batch and not self.broken:
            batch, self.batch = self.batch, []
            try:
                self.connection.send(batch)  # blocks while the launcher is behind
            except OSError:  # the launcher died (kill -9): the crawl must end, not go on
                self.broken = True
                raise

    def close(self) -> None:
        try:
            if not self.broken:
                self.flush()
        finally:
            self.connection.close()
