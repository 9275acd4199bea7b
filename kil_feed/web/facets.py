"""Filter menus (regions, topics, contract types, sources) cached for a short while.

They change only when items are added, and computing them takes a scan (tens of ms at
200,000 items), so every page sharing one snapshot per `ttl` seconds keeps pages fast.
A snapshot carries when the menus last changed (`changed_at`): a listing's Last-Modified
counts it, since a page shows a new menu entry or a renamed source only once the cache
has read it, after the change that the items' stamp already holds.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from sqlalchemy.engine import Engine

from kil_feed.db import read_session
from kil_feed.storage import items as item_store
from kil_feed.storage import web as store
from kil_feed.timeutil import utcnow
from kil_feed.topics import TopicCatalog


@dataclass(frozen=True)
class Facets:
    regions: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    contract_types: list[str] = field(default_factory=list)
    source_list: list[str] = field(default_factory=list)
    sources: dict[int, str] = field(default_factory=dict)  # id -> name, for display
    # when this process first read these menus (a reread of the same ones keeps it)
    changed_at: datetime | None = field(default=None, compare=False)

    @cached_property
    def digest(self) -> str:
        """The menus' content, for a listing's ETag: the same in every process that read
        the same menus (`changed_at` is when this one did)."""
        shown = (self.regions, self.topics, self.contract_types, self.source_list)
        text = repr((shown, sorted(self.sources.items())))
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


class FacetCache:
    def __init__(
        self, engine: Engine, ttl: float = 60.0, topics: TopicCatalog | None = None
    ) -> None:
        self.engine = engine
        self.catalog = topics
        self.ttl = ttl
        self._value: Facets | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self) -> Facets:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self.ttl:
                fresh = self._load()
                if fresh != self._value:
                    self._value = replace(fresh, changed_at=utcnow())
                self._at = time.monotonic()
            return self._value

    def clear(self) -> None:
        with self._lock:
            self._value = None

    def _public_topics(self, used: list[str]) -> list[str]:
        """Only known topics are public choices (a typo on an item never becomes one)."""
        if self.catalog is None:
            return used
        return sorted(self.catalog.known(used), key=self.catalog.label)

    def _load(self) -> Facets:
        with read_session(self.engine) as s:
            return Facets(
                regions=store.tag_values("region", session=s),
                topics=self._public_topics(store.tag_values("topic", session=s)),
                contract_types=store.contract_types(session=s),
                source_list=store.news_source_names(session=s),
                sources=item_store.source_titles(session=s),
            )
