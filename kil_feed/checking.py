"""`kil sources check`: fetch one source with the real spider and pipelines, store nothing.

The crawl runs as a subprocess like a real one, but the store pipeline is replaced by one
that writes what would be stored to a JSON-lines file, read back here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from crawler.ocds.records import DEFAULT_BACKFILL_DAYS
from kil_feed.config import Settings
from kil_feed.errors import ValidationError
from kil_feed.ingest.policy import SPIDER_FOR_KIND
from kil_feed.ingest.scrapy_settings import command_line, scrapy_settings
from kil_feed.ingest.sources import crawl_source
from kil_feed.ingest.warm import crawl_environment
from kil_feed.models import Source
from kil_feed.notices_read import empty_answer

STORE = "crawler.pipelines.store.StorePipeline"
COLLECT = "crawler.pipelines.collect.CollectPipeline"


def check_pipelines() -> dict[str, int]:
    """The crawl's own pipelines, with the collect pipeline in the store pipeline's place."""
    from crawler.settings import ITEM_PIPELINES

    return {COLLECT if path == STORE else path: order for path, order in ITEM_PIPELINES.items()}


def check_source(
    settings: Settings, source: Source, *, time_limit: float = 120, days: int | None = None
) -> dict[str, Any]:
    """{'items': [...], 'error': str | None, 'problem': str | None, 'http_status': int | None,
    'dropped': {reason: count}, 'page_errors': [{'url', 'http_status', 'error'}, ...],
    'read': NoticesRead | None, 'window': {'from', 'to', 'days'} | None}: what the pipelines
    would not store, and why, each linked page (an article, a job advert) that could not be
    fetched or read, which does not fail the source, and for a notices source what its
    answer was read as, held and kept, and the date window asked (`days` back, else as a
    first crawl asks: never from the checkpoint, which a crawl has just moved to now)."""
    if source.kind not in SPIDER_FOR_KIND:
        raise ValidationError(f"sources of kind {source.kind!r} cannot be checked")
    spec = crawl_source(source)
    spec["etag"] = spec["last_modified"] = None  # fetch it whole, as if new
    asked = check_window_days(source, days)
    if source.kind == "notices":
        spec["checkpoint"] = None  # a first crawl's window, not the one after the last crawl
    if asked is not None:
        spec["options"] = {**spec["options"], "backfill_days": asked}
    with tempfile.TemporaryDirectory(prefix="kil-check-") as tmp:
        sources_file = Path(tmp) / "sources.json"
        sources_file.write_text(json.dumps([spec]), encoding="utf-8")
        output = Path(tmp) / "items.jsonl"
        values = scrapy_settings(settings, close_after=time_limit)
        values.update(
            ITEM_PIPELINES=check_pipelines(), KIL_CHECK_OUTPUT=str(output), LOG_LEVEL="WARNING"
        )
        log = str(Path(tmp) / "log")
        cmd = [sys.executable, "-m", "scrapy", "crawl", SPIDER_FOR_KIND[source.kind],
               "-a", f"sources_file={sources_file}", "--logfile", log,
               *command_line(values)]  # fmt: skip
        env = crawl_environment()
        try:
            subprocess.run(cmd, env=env, timeout=time_limit + 30, check=False,
                           stdin=subprocess.DEVNULL, capture_output=True)  # fmt: skip
        except subprocess.TimeoutExpired:
            return {**_no_result(), "error": "check timed out"}
        records = []
        if output.exists():
            records = [json.loads(line) for line in output.read_text().splitlines() if line]
    result = _no_result()
    for record in records:
        if "item" in record:
            result["items"].append(record["item"])
        elif "dropped" in record:
            result["dropped"] = record["dropped"]
        elif record["status"].get("fatal", True):
            status = record["status"]
            result["http_status"] = status.get("http_status") or result["http_status"]
            result["error"] = status.get("error") or result["error"]
            result["problem"] = status.get("problem") or result["problem"]
            result["read"] = status.get("read") or result["read"]
        elif record["status"].get("error"):
            result["page_errors"].append(_page_error(record["status"]))
    if not any("dropped" not in record for record in records):
        result["error"] = "the check crawl produced nothing (see logs)"
    if not result["error"]:
        result["problem"] = result["problem"] or empty_answer(result["read"])
    window = (result["read"] or {}).get("window")
    if window:
        result["window"] = {"from": window[0], "to": window[1], "days": asked}
    return result


def _no_result() -> dict[str, Any]:
    """A check's result before anything is read (`check_source` lists its keys)."""
    return {"items": [], "error": None, "problem": None, "http_status": None, "dropped": {},
            "page_errors": [], "read": None, "window": None}  # fmt: skip


def check_window_days(source: Source, days: int | None) -> int | None:
    """The days back a check of `source` asks its API: `days`, else its `backfill_days`
    (what a first crawl asks); None for a source asked no date window (not notices, or a
    package URL read as given), which a `days` given for is an error."""
    options = dict(source.options or {})
    dated = source.kind == "notices" and options.get("api", "ocds") != "ocds"
    if not dated:
        if days is not None:
            raise ValidationError(
                f"{source.name} is not asked for a date window (only a notices source of "
                "api fts or contracts-finder is)",
                hint="check it without --days",
            )
        return None
    return days or int(options.get("backfill_days", DEFAULT_BACKFILL_DAYS))


def _page_error(status: dict[str, Any]) -> dict[str, Any]:
    """A failed page's status record as {'url', 'http_status', 'error'}: the error without
    the page's URL, which a crawl run's error text starts with."""
    url, error = status.get("page_url"), str(status["error"])
    if url and error.startswith(f"{url}: "):
        error = error[len(url) + 2 :]
    return {"url": url, "http_status": status.get("http_status"), "error": error}
