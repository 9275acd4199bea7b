"""Which feeds `kil crawl` asks ahead, before it has imported its storage.

Most of an unchanged crawl's time is start-up: SQLAlchemy, SQLModel and the models take
longer to import than asking 300 feeds whether they changed. So `kil crawl` reads the feeds
that most likely did not change straight from the SQLite file (the standard library's
`sqlite3`, read-only) and its warm crawl process asks them (`crawler.warm`) while the
launcher imports. The launcher then takes an answer only for a source it prepared itself
with the same URL and validators (`Ahead.answered`); the rest it asks itself, as before.

What is read here is only a guess at what `prepare_sources` will find: a database it cannot
read (PostgreSQL, a missing file, an older schema) means no asking ahead, never an error.
Standard library and `crawler` only (and the settings, already loaded by then).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.records import ROBOTS_MAX_AGE, CrawlSource, RobotsAnswer
from crawler.revalidate import Politeness, Revalidation
from kil_feed.config import Settings
from kil_feed.ingest.policy import (
    RECENT,
    SPIDER_FOR_KIND,
    likely_unchanged,
    origin_of,
    revalidation_budget,
)
from kil_feed.ingest.scrapy_settings import politeness

logger = logging.getLogger(__name__)


@dataclass
class AskAhead:
    """What the warm crawl process is asked to revalidate before it imports Scrapy."""

    sources: list[CrawlSource]
    robots: list[RobotsAnswer]
    politeness: Politeness
    budget: float
    crawl_follows: bool  # other sources go to the crawl whatever the answers: import Scrapy

    def request(self) -> dict[str, Any]:
        """The JSON line `crawler.warm` reads."""
        return {
            "sources": self.sources, "robots": self.robots, "politeness": asdict(self.politeness),
            "budget": self.budget, "crawl_follows": self.crawl_follows,
        }  # fmt: skip


@dataclass
class Ahead:
    """The warm process's answers, and what each source was asked with."""

    asked: dict[int, tuple[str, str | None, str | None]]
    answers: Revalidation = field(default_factory=Revalidation)

    def answered(self, source: CrawlSource) -> bool:
        """Whether the source was asked ahead as the launcher would ask it now."""
        return self.asked.get(source["id"]) == _asked_as(source)


def ask_ahead(
    settings: Settings, names: Sequence[str] | None = None, time_limit: float | None = None
) -> AskAhead | None:
    """The feeds to ask ahead, read from the SQLite file; None when there are none."""
    path = sqlite_path(settings.database_url)
    if path is None or not settings.crawl.revalidate_first or settings.crawl.backend != "local":
        return None
    keep_robots = settings.crawl.obey_robots and settings.crawl.robots_cache_hours > 0
    robots_age = timedelta(hours=min(settings.crawl.robots_cache_hours, ROBOTS_MAX_AGE / 3600))
    try:
        with _read_only(path) as db:
            sources = _sources(db, names)
            asked = [s for s in sources if likely_unchanged(s)]
            robots = _robots(db, asked, robots_age) if asked and keep_robots else []
    except sqlite3.Error as exc:  # not a database this version reads: no guess
        logger.debug("no asking ahead path=%s error=%r", path, exc)
        return None
    if not asked:
        return None
    # the spiders close a little before the time limit; the 5 s cap is what binds
    budget = revalidation_budget(float(time_limit or settings.crawl.time_limit))
    return AskAhead(
        asked, robots, politeness(settings), budget, crawl_follows=len(asked) < len(sources)
    )


def ahead_of(asking: AskAhead) -> Ahead:
    """The record of what was asked, to match the answers against the prepared sources."""
    return Ahead({s["id"]: _asked_as(s) for s in asking.sources})


def sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///PATH` URL, if it exists (SQLAlchemy's reading of it)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    database = url[len(prefix) :].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    path = Path(database)
    return path if path.is_file() else None


class _read_only:
    """A read-only connection that never creates, migrates or locks anything."""

    def __init__(self, path: Path) -> None:
        # a guess is never worth waiting for: a locked file means no asking ahead
        uri = f"{path.resolve().as_uri()}?mode=ro"
        self.connection = sqlite3.connect(uri, uri=True, timeout=0)

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _sources(db: sqlite3.Connection, names: Sequence[str] | None) -> list[CrawlSource]:
    """The sources `prepare_sources` would crawl: every enabled one, or the named ones."""
    query = (
        "SELECT id, name, kind, url, etag, last_modified, last_success_at FROM source"
        f" WHERE kind IN ({','.join('?' * len(SPIDER_FOR_KIND))})"
    )
    params: list[Any] = list(SPIDER_FOR_KIND)
    if names:
        query += f" AND name IN ({','.join('?' * len(names))})"
        params += list(names)
    else:
        query += " AND enabled"
    now = datetime.now(UTC)
    sources = []
    for id_, name, kind, url, etag, last_modified, success in db.execute(query, params):
        fetched = _utc(success)
        sources.append(
            CrawlSource(
                id=id_,
                name=name,
                kind=kind,
                url=url,
                options={},
                topics=[],
                regions=[],
                etag=etag,
                last_modified=last_modified,
                run_id=None,
                checkpoint=None,
                recently_fetched=fetched is not None and now - fetched < RECENT,
            )  # fmt: skip
        )
    return sources


def _robots(
    db: sqlite3.Connection, sources: list[CrawlSource], max_age: timedelta
) -> list[RobotsAnswer]:
    """The kept robots.txt answers of the sources' sites, as `storage.robots.fresh_robots`."""
    origins = sorted({origin_of(s["url"]) for s in sources})
    since = datetime.now(UTC) - max_age
    found = []
    for start in range(0, len(origins), 500):
        chunk = origins[start : start + 500]
        rows = db.execute(
            "SELECT origin, status, body, fetched_at FROM robots_txt"
            f" WHERE origin IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for origin, status, body, fetched_at in rows:
            fetched = _utc(fetched_at)
            if fetched is not None and fetched > since:
                found.append(
                    RobotsAnswer(
                        origin=origin, status=status, body=body, fetched_at=fetched.timestamp()
                    )
                )
    return found


def _utc(value: str | None) -> datetime | None:
    """A stored timestamp (naive UTC text on SQLite, as `timeutil.UTCDateTime` writes it)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _asked_as(source: CrawlSource) -> tuple[str, str | None, str | None]:
    return source["url"], source.get("etag"), source.get("last_modified")
