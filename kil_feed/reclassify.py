"""Re-read stored items with today's classification rules (`kil items reclassify`).

A crawl classifies an item once, when it is stored; a rule that changes later (a topic's
words, how a remote job's region reads, a pay phrasing) reaches only new items. This runs
the crawl's own classify stage (`crawler.pipelines.classify`) again on each stored item's
fields and writes what it reads differently: topics, regions, pay and IR35.

Editors' decisions are never touched: status, featured, reasons, notes, title and summary
are not written, and a field an editor edited (`extra["edited"]`, kept by
`kil_feed.storage.curation.edit_item`) keeps the editor's value. What a crawl read from
structured data that is not stored is not lost either: a job's location stands in for its
JobPosting address; a job stored in every region (remote: its JobPosting may have said
TELECOMMUTE) is re-read as remote, which only a place its text ties it to narrows; and a
re-reading that finds no regions or no pay keeps the stored ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.models import Item
from kil_feed.regions import is_uk_wide
from kil_feed.storage import items as item_store
from kil_feed.storage.edits import EDITED_KEY
from kil_feed.timeutil import utcnow

FIELDS = ("topics", "regions", "pay", "ir35")  # what a reclassification may change
PAY_FIELDS = ("pay_min", "pay_max", "pay_period", "pay_currency")
BATCH = 500


@dataclass
class ReclassifyReport:
    """What `reclassify` read: items examined, items changed, and per field how many."""

    examined: int = 0
    changed: int = 0
    fields: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    kept_edited: int = 0  # items where a field an editor edited was left as it is
    dry_run: bool = False


def reclassify(
    engine: Engine,
    settings: Settings,
    *,
    kind: str | None = None,
    source_id: int | None = None,
    dry_run: bool = False,
) -> ReclassifyReport:
    """Re-run classification on stored items (of `kind`, of one source) and store what
    changed, unless `dry_run`; a batch of items per transaction."""
    pipeline = _pipeline(settings)
    report = ReclassifyReport(dry_run=dry_run)
    after = 0
    while True:
        with read_session(engine) as session:
            batch = item_store.items_after(
                after, session=session, kind=kind, source_id=source_id, limit=BATCH
            )
            defaults = item_store.source_defaults(session=session)
        if not batch:
            return report
        after = batch[-1].id or after
        changes = [(i, c) for i in batch if (c := _changes(i, defaults, pipeline, report))]
        report.examined += len(batch)
        report.changed += len(changes)
        if changes and not dry_run:
            _store(changes, engine)


def _pipeline(settings: Settings) -> Any:
    """The crawl's classify stage with the configured topic rules (`crawl.topics_file`)."""
    from crawler.classify import load_topic_rules
    from crawler.pipelines.classify import ClassifyPipeline

    topics_file = settings.crawl.topics_file
    if topics_file:
        from kil_feed.topics import topic_catalog

        topic_catalog(settings)  # a file that cannot be read: one line, exit 3
    return ClassifyPipeline(load_topic_rules(topics_file) if topics_file else None)


def _changes(
    item: Item,
    defaults: dict[int, tuple[list[str], list[str]]],
    pipeline: Any,
    report: ReclassifyReport,
) -> dict[str, Any]:
    """The fields whose reading differs from what is stored, with the new values."""
    extra = dict(item.extra or {})
    topics, regions = defaults.get(item.source_id, ([], []))
    row: dict[str, Any] = {
        "kind": item.kind, "url": item.url, "title": item.title, "location": item.location,
        "summary": item.summary, "body_html": item.body_html, "extra": extra,
        "source_topics": topics, "source_regions": regions,
    }  # fmt: skip
    if item.kind == "notice":
        row["region"] = (extra.get("notice") or {}).get("region")
    elif item.kind == "job":
        row["address"] = item.location  # the JobPosting address is not stored
        if is_uk_wide(item.regions):
            row["location_type"] = "TELECOMMUTE"
    pipeline.process_item(row)
    edited = set(extra.get(EDITED_KEY) or [])
    found: dict[str, Any] = {}
    if row["topics"] != list(item.topics or []):
        found["topics"] = row["topics"]
    if row["regions"] and row["regions"] != list(item.regions or []):
        found["regions"] = row["regions"]
    if item.kind == "job":
        pay = {f: row.get(f) for f in PAY_FIELDS}
        read = pay["pay_min"] is not None or pay["pay_max"] is not None
        if read and pay != {f: getattr(item, f) for f in PAY_FIELDS}:
            found["pay"] = pay
        if row.get("ir35") != item.ir35:
            found["ir35"] = row.get("ir35")
    if edited & found.keys():
        report.kept_edited += 1
    found = {k: v for k, v in found.items() if k not in edited}
    for name in found:
        report.fields[name] += 1
    return found


def _store(changes: list[tuple[Item, dict[str, Any]]], engine: Engine) -> None:
    now = utcnow()
    with write_session(engine) as session:
        for item, found in changes:
            stored = session.get(Item, item.id)
            if stored is None:
                continue  # deleted since it was read
            for name, value in found.items():
                if name == "pay":
                    for column, amount in value.items():
                        setattr(stored, column, amount)
                else:
                    setattr(stored, name, value)
            stored.updated_at = now
            item_store.save_item(stored, session=session)
