"""What crosses the pipe between a crawl process and its launcher, declared once.

A spider is given `CrawlSource`s (a JSON file from the launcher, or `-a url=` by hand),
yields content items and per-source status records through the pipelines, and the store
pipeline sends each as a `CrawledItem` or a `SourceStatus` (nothing else: keys named `_...`
are the pipelines' scratch and never leave the process). `kil_feed.ingest` records them;
`kil_feed.storage` derives its column list from `CrawledItem`.

Standard library only: imported by both sides of the pipe.
"""

from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict

# The ITL1 regions of the UK: the one vocabulary of the `regions` fields (items, sources,
# subscribers); `kil_feed.regions` validates against it.
ITL1_REGIONS: tuple[str, ...] = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
    "Scotland",
    "Northern Ireland",
)

SourceKind = Literal["feed", "page", "jobs", "notices"]


class CrawlSource(TypedDict):
    """One source to crawl, with its stored validators and the id of this crawl's run."""

    id: int
    name: str
    kind: str
    url: str
    options: dict[str, Any]
    topics: list[str]
    regions: list[str]
    etag: str | None
    last_modified: str | None
    run_id: int | None
    checkpoint: dict[str, Any] | None  # notices sources: how far their API has been read
    # fetched without error a short while ago: with its validators, it will most likely
    # answer 304 (the launcher sizes a crawl by it; a spider never reads it)
    recently_fetched: NotRequired[bool]


class CrawledItem(TypedDict, total=False):
    """One normalised, classified content item as it is stored (one row of `item`)."""

    source_id: int
    run_id: int | None
    collected_at: datetime
    kind: str  # news, job or notice
    url: str
    guid: str | None
    title: str
    summary: str
    body_html: str
    author: str | None
    image_url: str | None
    published_at: datetime
    date_estimated: bool
    topics: list[str]
    regions: list[str]
    employer: str | None
    location: str | None
    contract_type: str | None
    pay_min: float | None
    pay_max: float | None
    pay_period: str | None
    pay_currency: str | None
    ir35: str | None
    closes_at: datetime | None
    content_hash: str
    title_key: str
    fingerprint: str
    extra: dict[str, Any]  # what an advert says beyond the columns (hours, reference ...)
    buyer_key: str | None  # set by storage (kil_feed.buyers): the buyer this item joins


class SourceStatus(TypedDict):
    """How fetching a source went (`fatal`), or one of its linked pages (not `fatal`)."""

    source_id: int
    run_id: int | None  # the crawl run it belongs to (a worker learns runs from records)
    http_status: int | None
    error: str | None
    problem: str | None  # the feed parsed, but with this complaint (feedparser's bozo)
    fatal: bool
    etag: str | None
    last_modified: str | None
    checkpoint: dict[str, Any] | None  # notices: the window/cursor reached (not `fatal`)
    site_title: str | None  # the feed's or site's own name: a new source's display title
    kind: str | None  # the source's kind: how a `problem` is named (`notice data: ...`)


class RobotsAnswer(TypedDict):
    """A site's robots.txt as fetched (2xx-4xx only: a 5xx answer is never reused), which
    the launcher keeps for later crawls (RFC 9309 §2.4 allows up to 24 hours)."""

    origin: str  # scheme://host[:port]
    status: int
    body: str  # the text robots.txt rules are parsed from (empty for a 4xx)
    fetched_at: float  # seconds since the epoch


ROBOTS_MAX_AGE = 24 * 3600.0  # seconds: no kept robots.txt answer is used for longer


# the Scrapy setting naming a JSON file of `RobotsAnswer`s a crawl process starts with
ROBOTS_CACHE_SETTING = "KIL_ROBOTS_CACHE"


# every field of a stored item, in declaration order
ITEM_FIELDS: tuple[str, ...] = tuple(CrawledItem.__annotations__)
STATUS_FIELDS: tuple[str, ...] = tuple(SourceStatus.__annotations__)

# Messages down the pipe, sent in lists (batches):
#   ("item", CrawledItem) | ("status", SourceStatus) | ("dropped", source_id, duplicate)
#   | ("robots", RobotsAnswer)
Record = tuple[Any, ...]


def crawled_item(item: dict[str, Any]) -> CrawledItem:
    """The stored fields of a pipeline's item (its scratch and extraction keys left out)."""
    return {k: item[k] for k in ITEM_FIELDS if k in item}  # type: ignore[return-value]


def source_status(item: dict[str, Any]) -> SourceStatus:
    """The status fields of a spider's status record."""
    return {k: item.get(k) for k in STATUS_FIELDS}  # type: ignore[return-value]
