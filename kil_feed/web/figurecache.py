"""The market figures of `/market`, its PNG charts and `/api/market*`, kept while the items
under them are unchanged.

Counting the market reads every approved job (or notice) of the last year and works out
medians per week, quarter, region and role in Python: about 1.5 s for 20,000 jobs and as
much for 20,000 notices, on every view of a page that shows both. The SQL is not the cost
(an index search, 0.15 s); the per-row work is, and the figures only change when items do.
So each filter's figures are kept with the stamp they were counted at: the kind's
`listing_changed` (an added, edited, rejected, closed or deleted item moves it) and the
day. A view checks the stamp (a few index lookups) and counts again only when it moved:
never stale, unlike a time-to-live. The charts drawn from them are kept the same way.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlmodel import Session

from kil_feed.models import ItemKind
from kil_feed.storage.market import MarketFigures, market_figures
from kil_feed.storage.market_notices import NoticeFigures, notice_figures
from kil_feed.storage.web import listing_changed
from kil_feed.timeutil import as_utc, utcnow

T = TypeVar("T")
Stamp = tuple[datetime | None, date]


class FigureCache:
    """The newest `size` filters' figures, each with its stamp; thread-safe (uvicorn runs
    sync routes in a pool). Two views that miss at once both count: no view waits."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], tuple[Stamp, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def market(
        self, *, session: Session, region: str | None, role: str | None, today: date | None
    ) -> MarketFigures:
        return self.kept(
            ("jobs", region, role, today),
            ItemKind.job.value,
            session,
            lambda: market_figures(session=session, region=region, role=role, today=today),
        )

    def notices(self, *, session: Session, region: str | None, today: date | None) -> NoticeFigures:
        return self.kept(
            ("notices", region, today),
            ItemKind.notice.value,
            session,
            lambda: notice_figures(session=session, region=region, today=today),
        )

    def kept(self, key: tuple[Any, ...], kind: str, session: Session, count: Callable[[], T]) -> T:
        """`count()`, or what it gave for `key` while the `kind`'s items are unchanged (a
        page's charts, drawn from figures, are kept the same way: drawing costs 0.3 s). A
        value counted from newer figures than its stamp says is counted again next time."""
        stamp = (listing_changed((kind,), session=session), as_utc(utcnow()).date())  # type: ignore[union-attr]
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and kept[0] == stamp:
                self._entries.move_to_end(key)
                return kept[1]
        value = count()
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value
