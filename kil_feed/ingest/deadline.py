"""The one time limit of a crawl, passed down to every part of it.

The spiders close themselves a little before it (`close_at`, Scrapy's CLOSESPIDER_TIMEOUT),
the launcher stops the processes still running at it and kills them `grace` seconds later,
and a `stop` event (a scheduler shutting down) ends the crawl at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

TIME_LIMIT = "crawl stopped at the time limit"
SHUTDOWN = "crawl stopped by shutdown"


@dataclass
class Deadline:
    """When a crawl must end (monotonic seconds), and how long a stopped process may take."""

    at: float
    grace: float
    stop: threading.Event = field(default_factory=threading.Event)
    close_at: float = 0.0  # when the spiders close themselves, a little before `at`

    @classmethod
    def after(
        cls, seconds: float, *, grace: float, stop: threading.Event | None = None
    ) -> Deadline:
        at = time.monotonic() + seconds
        return cls(at, grace, stop or threading.Event(), at - min(10, seconds * 0.2))

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def reason(self) -> str | None:
        """Why the crawl must stop now, if it must."""
        if self.stop.is_set():
            return SHUTDOWN
        return TIME_LIMIT if self.remaining() <= 0 else None

    def close_spider_after(self) -> float:
        """Seconds from now until the spiders close themselves (CLOSESPIDER_TIMEOUT)."""
        return self.close_at - time.monotonic()

    def closing(self) -> bool:
        """Whether the spiders have reached their own closing time."""
        return time.monotonic() >= self.close_at
