"""The data model: sources, items, subscribers, issues, deliveries, crawl runs.

Tables use natural-key unique constraints so that dedupe and exactly-once sending are
enforced by the database, not by memory. Timestamps are UTC-aware (`UTCDateTime`).
List fields (topics, regions) are JSON; `ItemTag` mirrors them into an indexed table so
filters by region or topic stay fast (storage keeps the two in step).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kil_feed.timeutil import UTCDateTime, utcnow


class SourceKind(StrEnum):
    feed = "feed"
    page = "page"
    jobs = "jobs"
    notices = "notices"


class ItemKind(StrEnum):
    news = "news"
    job = "job"
    notice = "notice"


class ItemStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class SubscriberStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    unsubscribed = "unsubscribed"
    bounced = "bounced"


class IssueStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    sending = "sending"
    sent = "sent"


class DeliveryStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class PayPeriod(StrEnum):
    hour = "hour"
    day = "day"
    year = "year"


def _ts(**kw: Any) -> Any:
    """A UTC-aware timestamp column."""
    return Field(sa_type=UTCDateTime, **kw)


def _json_list() -> Any:
    return Field(default_factory=list, sa_type=sa.JSON)


# --- Source ---------------------------------------------------------------------------


class SourceBase(SQLModel):
    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    # what people see ("Manchester City Council"); the name stays the editors' handle
    title: str | None = Field(default=None, max_length=300)
    kind: str = Field(default=SourceKind.feed.value, max_length=20)
    url: str
    enabled: bool = True
    topics: list[str] = _json_list()
    regions: list[str] = _json_list()
    options: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    interval_minutes: int | None = None


def source_display_name(title: str | None, name: str) -> str:
    """The one way a source is shown to people (email, web, feeds, CLI): its title, else
    its name."""
    return " ".join(title.split()) if title and title.strip() else name


class Source(SourceBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)
    # HTTP validators for conditional GET
    etag: str | None = None
    last_modified: str | None = None
    # health
    last_crawled_at: datetime | None = _ts(default=None)
    last_success_at: datetime | None = _ts(default=None)
    last_error: str | None = None
    last_error_at: datetime | None = _ts(default=None)
    consecutive_failures: int = 0
    # notices sources: how far the API has been read (see kil_feed.storage.notices)
    checkpoint: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


# --- Item -----------------------------------------------------------------------------


class ItemBase(SQLModel):
    kind: str = Field(default=ItemKind.news.value, max_length=20)
    url: str
    guid: str | None = None
    title: str
    summary: str = ""
    body_html: str = ""
    author: str | None = None
    image_url: str | None = None
    published_at: datetime | None = _ts(default=None, index=True)
    topics: list[str] = _json_list()
    regions: list[str] = _json_list()
    # job terms
    employer: str | None = None
    location: str | None = None
    contract_type: str | None = None
    pay_min: float | None = None
    pay_max: float | None = None
    pay_period: str | None = None
    pay_currency: str | None = None
    ir35: str | None = None
    closes_at: datetime | None = _ts(default=None)


class Item(ItemBase, table=True):
    # source_id, status and kind have no index of their own (migration 0014): the unique
    # (source_id, url), (status, kind, published_at) and (kind, status, closes_at) from
    # migration 0005 start with them; (kind, updated_at) from migration 0015 dates listings
    __table_args__ = (
        sa.UniqueConstraint("source_id", "url", name="uq_item_source_url"),
        sa.Index("ix_item_source_guid", "source_id", "guid"),
        sa.Index("ix_item_status_kind_published", "status", "kind", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", ondelete="CASCADE")
    collected_at: datetime = _ts(default_factory=utcnow, index=True)
    updated_at: datetime = _ts(default_factory=utcnow)
    date_estimated: bool = False  # published_at fell back to the collection time
    content_hash: str = ""  # detects changed content on re-crawl
    title_key: str = Field(default="", index=True)  # normalised title for clustering
    fingerprint: str = Field(default="", index=True)  # near-duplicate text signature
    cluster_id: int | None = Field(default=None, index=True)
    status: str = Field(default=ItemStatus.pending.value, max_length=20)
    featured: bool = False
    score: float = 0.0
    editor_notes: str | None = None
    reject_reason: str | None = None
    reviewed_at: datetime | None = _ts(default=None)
    rule: str | None = None  # the curation rule that decided the status at ingest, if any
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    buyer_key: str | None = Field(default=None, max_length=200, index=True)  # kil_feed.buyers


class ItemTag(SQLModel, table=True):
    """Index of an item's topics and regions (kind = 'topic' | 'region')."""

    __tablename__ = "item_tag"
    __table_args__ = (sa.Index("ix_item_tag_lookup", "kind", "value", "item_id"),)

    item_id: int = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(primary_key=True, max_length=10)
    value: str = Field(primary_key=True, max_length=100)


class ItemRemoval(SQLModel, table=True):
    """When items of a kind were last deleted (`kil sources remove`, or any DELETE): written
    by a trigger on `item` (migration 0017), read by a listing's Last-Modified, since a
    deleted row leaves no `updated_at` behind to say that the listing changed."""

    __tablename__ = "item_removal"

    kind: str = Field(primary_key=True, max_length=20)
    removed_at: datetime = _ts()


# --- Buyer: the organisation behind notices, jobs and news (issue #15) -----------------


class BuyerRemoval(SQLModel, table=True):
    """When a buyer was last deleted: one row, written by a trigger on `buyer` (migration
    0023) and read by the notice figures' stamp, since a deleted row leaves no
    `updated_at` behind (the top buyers link buyers by name)."""

    __tablename__ = "buyer_removal"

    id: int = Field(default=1, primary_key=True)
    removed_at: datetime = _ts()


class BuyerInsertion(SQLModel, table=True):
    """When a buyer was last inserted: one row, written by a trigger on `buyer` (migration
    0025) and read by `/buyers`' Last-Modified, since a buyer inserted with an `updated_at`
    of its own (a script, SQL by hand) may be older than the newest."""

    __tablename__ = "buyer_insertion"

    id: int = Field(default=1, primary_key=True)
    inserted_at: datetime = _ts()


class Buyer(SQLModel, table=True):
    """One buyer; items join it on `Item.buyer_key == Buyer.key` (see kil_feed.buyers)."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    slug: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=300)
    scheme: str | None = Field(default=None, max_length=40)
    identifier: str | None = Field(default=None, max_length=200, index=True)
    buyer_type: str | None = Field(default=None, max_length=40)
    region: str | None = Field(default=None, max_length=40)
    la_code: str | None = Field(default=None, max_length=10)  # ISO 3166-2:GB of a council
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow, index=True)  # a trigger moves it


# --- Subscriber -----------------------------------------------------------------------


class SubscriberBase(SQLModel):
    email: str = Field(max_length=320, sa_column_kwargs={"unique": True})  # stored lower-case
    name: str = ""
    status: str = Field(default=SubscriberStatus.pending.value, max_length=20, index=True)
    regions: list[str] = _json_list()
    topics: list[str] = _json_list()


class Subscriber(SubscriberBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)
    confirmed_at: datetime | None = _ts(default=None)
    unsubscribed_at: datetime | None = _ts(default=None)
    bounced_at: datetime | None = _ts(default=None)
    origin: str = "cli"  # cli, import, web
    token_nonce: int = 0  # bumped to invalidate single-use confirmation links


# --- Issue (a newsletter edition) -------------------------------------------------------


class IssueBase(SQLModel):
    week: str = Field(max_length=10, sa_column_kwargs={"unique": True})  # ISO week YYYY-Www
    subject: str = ""
    intro: str = ""
    status: str = Field(default=IssueStatus.draft.value, max_length=20, index=True)


class Issue(IssueBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)
    approved_at: datetime | None = _ts(default=None)
    sent_at: datetime | None = _ts(default=None)
    headline: str = ""  # the web page's title: the subject before it was cut to fit
    # an editor set the subject (it stays); False: built, it follows the lead story until
    # the send; None: an issue from before migration 0026 (its next build decides)
    subject_set: bool | None = None


class IssueItem(SQLModel, table=True):
    """An item's place in an issue: its section and its order."""

    __tablename__ = "issue_item"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True, ondelete="CASCADE")
    item_id: int = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    section: str = Field(default="news", max_length=40)
    position: int = 0
    pinned: bool = False  # placed or moved by an editor: kept on rebuild


# --- Delivery: the exactly-once ledger ---------------------------------------------------


class Delivery(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("issue_id", "subscriber_id", name="uq_delivery_issue_subscriber"),
        sa.Index("ix_delivery_issue_status", "issue_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", ondelete="CASCADE")
    subscriber_id: int = Field(foreign_key="subscriber.id", ondelete="CASCADE")
    status: str = Field(default=DeliveryStatus.pending.value, max_length=20)
    attempts: int = 0
    message_id: str | None = None
    smtp_code: int | None = None
    smtp_reply: str | None = None
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)
    sent_at: datetime | None = _ts(default=None)
    # send workers on PostgreSQL (#19): who holds the row and until when (its lease)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_expires_at: datetime | None = _ts(default=None)


# --- CrawlRun ---------------------------------------------------------------------------


class CrawlRun(SQLModel, table=True):
    __tablename__ = "crawl_run"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True, ondelete="CASCADE")
    started_at: datetime = _ts(default_factory=utcnow, index=True)
    finished_at: datetime | None = _ts(default=None)
    http_status: int | None = None
    items_new: int = 0
    items_updated: int = 0
    items_duplicate: int = 0
    items_dropped: int = 0
    error: str | None = None


ALL_TABLES = [Source, Item, ItemTag, Subscriber, Issue, IssueItem, Delivery, CrawlRun, Buyer]


# --- Scheduler: run log, once-per-week claims, the leader lock ----------------


class JobRun(SQLModel, table=True):
    """One run of a scheduled job (crawl, build, send, housekeeping), or a missed one."""

    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40, index=True)
    status: str = Field(default="running", max_length=20)  # running ok skipped failed ...
    detail: str = ""
    owner: str = Field(default="", max_length=200)  # host:pid of the scheduler
    scheduled_for: datetime | None = _ts(default=None)
    started_at: datetime = _ts(default_factory=utcnow, index=True)
    finished_at: datetime | None = _ts(default=None)


class JobWeekClaim(SQLModel, table=True):
    """A job that must act at most once per ISO week claims (job, week) before acting."""

    __tablename__ = "job_week_claim"

    job: str = Field(max_length=40, primary_key=True)
    week: str = Field(max_length=10, primary_key=True)
    owner: str = Field(default="", max_length=200)
    claimed_at: datetime = _ts(default_factory=utcnow)
    job_run_id: int | None = None
    status: str = Field(default="claimed", max_length=20)  # claimed done failed


class SchedulerLock(SQLModel, table=True):
    """Who leads: the lock itself on SQLite, a note of the holder on PostgreSQL."""

    __tablename__ = "scheduler_lock"

    name: str = Field(max_length=40, primary_key=True)
    owner: str = Field(max_length=200)
    acquired_at: datetime = _ts(default_factory=utcnow)
    heartbeat_at: datetime = _ts(default_factory=utcnow)
    expires_at: datetime = _ts(default_factory=utcnow)


# --- Send workers (#19): state all the senders of one issue share ----------------------


class SendState(SQLModel, table=True):
    """One row per issue being sent: the global rate's clock and the error-rate pause."""

    __tablename__ = "send_state"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True, ondelete="CASCADE")
    rate: float | None = None  # messages per second across all senders; None: no limit
    rate_next_at: datetime | None = _ts(default=None)  # the next free slot of the rate
    attempted: int = 0  # outcomes since the send (re)started
    errors: int = 0  # failed or deferred among them
    paused_reason: str | None = None  # set once: every sender stops
    updated_at: datetime = _ts(default_factory=utcnow)


class RateLimitCount(SQLModel, table=True):
    """Attempts by one client (`key`) in one fixed window (`window` = time // length): kept
    in the database so every web worker shares the count."""

    __tablename__ = "rate_limit"

    key: str = Field(max_length=200, primary_key=True)
    window: int = Field(primary_key=True)
    hits: int = 0


# --- Market pulse (#20): what an issue's email said about the market ---------------------


class MarketSnapshot(SQLModel, table=True):
    """The market pulse of one issue for one region set, frozen when the send began: the
    sentences, the chart's series and the PNG the email showed, so the figures of a sent
    issue never change however many adverts arrive later for its week."""

    __tablename__ = "market_snapshot"
    __table_args__ = (
        sa.UniqueConstraint("issue_id", "region_key", name="uq_market_snapshot_issue_regions"),
    )

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", ondelete="CASCADE")
    region_key: str = Field(max_length=400)  # "uk", or region slugs joined by "+"
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    png: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = _ts(default_factory=utcnow)


# --- robots.txt kept between crawls (RFC 9309 §2.4: up to 24 hours) ---------------------


class RobotsTxt(SQLModel, table=True):
    """A site's robots.txt as last fetched (2xx-4xx; a 5xx answer is never kept), which
    crawls within `[crawl] robots_cache_hours` of `fetched_at` use instead of asking again."""

    __tablename__ = "robots_txt"

    origin: str = Field(max_length=300, primary_key=True)  # scheme://host[:port]
    status: int
    body: str = Field(default="", sa_type=sa.Text)
    fetched_at: datetime = _ts(default_factory=utcnow, index=True)
