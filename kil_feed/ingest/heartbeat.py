"""A Redis crawl worker's presence: its heartbeat, its leases, and the reaping of dead ones.

What a worker's processes take off the queue is leased to it (`crawler.leases`) until the
commit that stores what it led to. Its heartbeat key expires LEASE_SECONDS after a
`kill -9`; any live worker then puts the dead one's leases back on the queue
(`requeue_dead`), so nothing taken is lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import time
from typing import Any

from crawler.leases import REQUEUE
from kil_feed.ingest.queue import heartbeat_key, lease_key, requeue_dead, workers_key

logger = logging.getLogger(__name__)
LEASE_SECONDS = 10  # a worker's heartbeat outlives it by at most this
REAP_SECONDS = 5.0


class Heartbeat:
    """This worker in Redis: a heartbeat key renewed every PING_SECONDS (it expires
    LEASE_SECONDS after a `kill -9`), its lease hash emptied as what it took is stored,
    and dead workers' leases put back on the queue (`requeue_dead`) every REAP_SECONDS."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client, self.prefix = client, prefix
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.key = heartbeat_key(prefix, self.worker_id)
        self.leases = lease_key(prefix, self.worker_id)
        self.lost: str | None = None
        self.next_reap = 0.0
        self.beat()  # alive before it is listed: a reaper never takes it for dead
        client.sadd(workers_key(prefix), self.worker_id)

    def beat(self) -> None:
        """Renew the heartbeat, and now and then requeue dead workers' leases."""
        self.client.set(self.key, "1", ex=LEASE_SECONDS)
        if time.monotonic() >= self.next_reap:
            self.next_reap = time.monotonic() + REAP_SECONDS
            requeued = requeue_dead(self.client, self.prefix)
            if requeued:
                logger.warning("requeued %d requests of a worker that is gone", requeued)

    def release(self, fields: list[str]) -> None:
        """What these leases led to is stored."""
        import redis

        try:
            self.client.hdel(self.leases, *fields)
        except (redis.RedisError, OSError) as exc:
            self.lost = self.lost or str(exc) or type(exc).__name__

    def end(self) -> None:
        """A clean stop (the processes have ended): what they had not finished goes back on
        the queue at once, for the other workers."""
        import redis

        with contextlib.suppress(redis.RedisError, OSError):
            requeued = int(self.client.register_script(REQUEUE)(keys=[self.leases]))
            if requeued:
                logger.info("requeued %d unfinished requests on stopping", requeued)
            self.client.delete(self.key)
            self.client.srem(workers_key(self.prefix), self.worker_id)
