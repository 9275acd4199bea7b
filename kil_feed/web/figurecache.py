"""The market figures of `/market`, its PNG charts and `/api/market*`, kept while the items
under them are unchanged.

Counting the market reads every approved job (or notice) of the last year and works out
medians per week, quarter, region and role in Python: about 0.4 s for 20,000 jobs and 0.7 s
for 20,000 notices, with 0.25 s of drawing, on every view of a page that shows both
(bench/market_page.py). Reading the rows is most of it, and the figures only change when
items do.
So each filter's figures are kept with the stamp they were counted at: the kind's
`listing_changed` (an added, edited, rejected, closed or deleted item moves it), for
notices the buyers' last change, count and newest id too (the top buyers show their names and
links: a rename, a delete or a buyer added by hand with an old `updated_at` must show), and
the day. A view reads each stamp once (a few index lookups) and counts again
only when it moved: never stale, unlike a time-to-live. The charts drawn from the figures
are kept the same way, under the same stamp.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlmodel import Session

from kil_feed.models import ItemKind
from kil_feed.storage.buyers import buyers_changed, buyers_version
from kil_feed.storage.market import MarketFigures, market_figures
from kil_feed.storage.market_notices import NoticeFigures, notice_figures
from kil_feed.storage.web import listing_changed
from kil_feed.timeutil import latest, local_today

T = TypeVar("T")
Stamp = tuple[datetime | None, tuple[int, int] | None, date]


class FigureCache:
    """The newest `size` filters' figures, each with its stamp; thread-safe (uvicorn runs
    sync routes in a pool). Two views that miss at once both count: no view waits."""

    def __init__(self, size: int = 64, tz: str = "Europe/London") -> None:
        self.size = size
        self.tz = tz  # the configured zone: its days, weeks and quarters, and when today ends
        self._entries: OrderedDict[tuple[Any, ...], tuple[Stamp, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def stamp(self, kind: str, *, session: Session) -> Stamp:
        """What the `kind`'s figures depend on now: read once per view and passed to each
        `kept` of it (a miss read it again for the figures under the page's charts)."""
        changed = listing_changed((kind,), session=session)
        buyers = None
        if kind == ItemKind.notice.value:
            changed = latest(changed, buyers_changed(session=session))
            buyers = buyers_version(session=session)  # a buyer added with an old updated_at
        return (changed, buyers, local_today(self.tz))

    def market(
        self,
        *,
        session: Session,
        region: str | None,
        role: str | None,
        today: date | None,
        stamp: Stamp | None = None,
    ) -> MarketFigures:
        return self.kept(
            ("jobs", region, role, today),
            stamp or self.stamp(ItemKind.job.value, session=session),
            lambda: market_figures(
                session=session, region=region, role=role, today=today, tz=self.tz
            ),
        )

    def notices(
        self,
        *,
        session: Session,
        region: str | None,
        today: date | None,
        stamp: Stamp | None = None,
    ) -> NoticeFigures:
        return self.kept(
            ("notices", region, today),
            stamp or self.stamp(ItemKind.notice.value, session=session),
            lambda: notice_figures(session=session, region=region, today=today, tz=self.tz),
        )

    def kept(self, key: tuple[Any, ...], stamp: Stamp, count: Callable[[], T]) -> T:
        """`count()`, or what it gave for `key` while `stamp` (from `stamp()`) is unchanged
        (a page's charts, drawn from figures, are kept the same way: drawing costs 0.3 s).
        The stamp is read before counting: a value counted from newer items than its stamp
        says is counted again next time, never kept stale."""
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
