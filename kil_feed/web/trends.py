"""The trend lines of every region's jobs page, from one read of the roles of every region,
kept `ttl` seconds: they are weekly figures, and counting the market takes seconds at
200,000 items, which a listing page must not spend per request.

The read starts with the app (in a thread, `warm`) and a page never waits for it: until it
is done the page has no trend lines, and later stale figures are served while a thread
reads fresh ones (a new day's too). `changed_at` is when the lines last changed, for the
page's Last-Modified: read before the lines, it is never later than the lines shown."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime

from sqlalchemy.engine import Engine

from kil_feed.db import read_session
from kil_feed.sparkline import SPARK_WEEKS, Sparkline, region_sparklines
from kil_feed.storage.market import PeriodFigures, market_roles, period_figures, period_spans
from kil_feed.timeutil import local_today, utcnow

TREND_TTL = 600.0
logger = logging.getLogger(__name__)


class TrendCache:
    def __init__(
        self,
        engine: Engine,
        ttl: float = TREND_TTL,
        weeks: int = SPARK_WEEKS,
        tz: str = "Europe/London",
    ) -> None:
        self.engine, self.ttl, self.weeks = engine, ttl, weeks
        self.tz = tz  # the configured zone's weeks and days, as on /market
        self._figures: tuple[date, float, dict[str, list[PeriodFigures]]] | None = None
        self.changed_at: datetime | None = None  # when the figures last changed (wall clock)
        self._loading: threading.Thread | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Start reading today's figures in a thread (at app start)."""
        with self._lock:
            self._start(local_today(self.tz, utcnow()))

    def lines(self, region: str) -> list[Sparkline]:
        """The region's trend lines (zero roles, "not enough data", for a region without);
        none until the first read is done: a page never waits for it."""
        today = local_today(self.tz, utcnow())
        with self._lock:
            figures = self._figures
            if figures is None or figures[0] != today or time.monotonic() - figures[1] > self.ttl:
                self._start(today)
        if figures is None:
            return []
        weeks = figures[2].get(region) or self._empty(figures[0])
        return region_sparklines(region, weeks)

    def _start(self, today: date) -> None:
        if self._loading is None or not self._loading.is_alive():
            self._loading = threading.Thread(
                target=self._load, args=(today,), name="kil-trends", daemon=True
            )
            self._loading.start()

    def _empty(self, today: date) -> list[PeriodFigures]:
        spans, _ = period_spans(today, self.weeks, 1)
        return [period_figures([], *span) for span in spans]

    def _load(self, today: date) -> None:
        spans, _ = period_spans(today, self.weeks, 1)
        try:
            with read_session(self.engine) as session:
                roles = market_roles(session=session, since=spans[0][1], until=today, tz=self.tz)
        except Exception as exc:  # a page shows no trend rather than fail; the next view retries
            logger.warning(
                "trend lines not read: %s", str(exc).splitlines()[0] if str(exc) else exc
            )
            return
        by_region: dict[str, list] = {}
        for role in roles:
            for name in role.regions:
                by_region.setdefault(name, []).append(role)
        figures = {
            name: [period_figures(of_region, *span) for span in spans]
            for name, of_region in by_region.items()
        }
        with self._lock:
            old = self._figures
            if old is None or (old[0], old[2]) != (today, figures):
                self.changed_at = utcnow()
            self._figures = (today, time.monotonic(), figures)
