"""Store real corpus notices through the crawl's own recorder (no crawl process needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine

from crawler.dedupe_keys import content_hash, fingerprint, title_key
from crawler.ocds import compile_document, read_ocds
from crawler.ocds.item import notice_item
from crawler.records import crawled_item
from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.ingest.recorder import CrawlRecorder
from kil_feed.ingest.sources import prepare_sources
from kil_feed.models import Item
from tests.support.crawl import add_source


def store_notices(
    engine: Engine, settings: Settings, files: list[Path], *, source: str = "notices",
    approve: bool = True,
) -> None:  # fmt: skip
    """Every notice of `files`, recorded as one crawl of a notices source would record it."""
    items = [
        notice_item(
            notice["fields"],
            notice["compiled"],
            notice["history"],
            fallback_url="https://example.org/ocds",
        )  # fmt: skip
        for path in files
        for notice in compile_document(read_ocds(path.read_bytes()))
    ]
    url = "https://www.find-tender.service.gov.uk/api/1.0/x"
    store_items(engine, settings, items, source=source, kind="notices", url=url, approve=approve)


def store_items(
    engine: Engine, settings: Settings, items: list[dict[str, Any]], *, source: str,
    kind: str = "feed", url: str = "https://news.example/feed.xml", approve: bool = True,
) -> None:  # fmt: skip
    """Items (spider-shaped dicts: kind, url, title, summary ...) recorded as one crawl of
    a source would record them."""
    add_source(engine, source, url, kind=kind)
    prepared = prepare_sources(engine, names=[source])
    recorder = CrawlRecorder(settings.rules, engine, prepared, batch_size=500)
    now = datetime.now(UTC)
    for item in items:
        item = dict(item)
        row = {
            **item,
            "source_id": prepared[0]["id"],
            "published_at": item.pop("published", None) or now,
            "collected_at": now,
            "date_estimated": False,
            "regions": [item["region"]] if item.get("region") else [],
            "topics": item.get("topics") or [],
            "body_html": item.get("body_html") or f"<p>{item.get('summary') or ''}</p>",
        }
        row["title_key"] = title_key(row["title"], row["kind"])
        row["fingerprint"] = fingerprint(row.get("summary") or row["title"])
        row["content_hash"] = content_hash(row)
        recorder.take([("item", crawled_item(row))])
    recorder.close()
    if approve:
        with write_session(engine) as session:
            session.execute(update(Item).values(status="approved"))
