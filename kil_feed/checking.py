"""`kil sources check`: fetch one source with the real spider and pipelines, store nothing.

The crawl runs as a subprocess like a real one, but the store pipeline is replaced by one
that writes what would be stored to a JSON-lines file, read back here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from kil_feed.config import Settings
from kil_feed.crawling import PROJECT_SETTINGS, SETTINGS_ENV, SPIDER_FOR_KIND, settings_json
from kil_feed.errors import ValidationError
from kil_feed.models import Source

CHECK_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.normalise.NormalisePipeline": 200,
    "crawler.pipelines.classify.ClassifyPipeline": 300,
    "crawler.pipelines.dedupe.DedupePipeline": 400,
    "crawler.pipelines.collect.CollectPipeline": 600,
}


def check_source(settings: Settings, source: Source, *, time_limit: float = 120) -> dict[str, Any]:
    """{'items': [...], 'error': str | None, 'problem': str | None, 'http_status': int | None}"""
    from crawler.polite import scrapy_overrides

    if source.kind not in SPIDER_FOR_KIND:
        raise ValidationError(f"sources of kind {source.kind!r} cannot be checked")
    spec = {
        "id": source.id, "name": source.name, "kind": source.kind, "url": source.url,
        "options": dict(source.options or {}), "topics": list(source.topics or []),
        "regions": list(source.regions or []), "etag": None, "last_modified": None,
        "run_id": None,
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="kil-check-") as tmp:
        sources_file = Path(tmp) / "sources.json"
        sources_file.write_text(json.dumps([spec]), encoding="utf-8")
        output = Path(tmp) / "items.jsonl"
        overrides = scrapy_overrides(settings)
        overrides.update(
            ITEM_PIPELINES=json.dumps(CHECK_PIPELINES),
            KIL_CHECK_OUTPUT=str(output),
            CLOSESPIDER_TIMEOUT=int(time_limit),
            LOG_LEVEL="WARNING",
        )
        log = str(Path(tmp) / "log")
        cmd = [sys.executable, "-m", "scrapy", "crawl", SPIDER_FOR_KIND[source.kind],
               "-a", f"sources_file={sources_file}", "--logfile", log]  # fmt: skip
        for key, value in overrides.items():
            cmd += ["-s", f"{key}={value}"]
        env = dict(os.environ, **{SETTINGS_ENV: settings_json(settings)})
        env["SCRAPY_SETTINGS_MODULE"] = PROJECT_SETTINGS
        try:
            subprocess.run(cmd, env=env, timeout=time_limit + 30, check=False,
                           stdin=subprocess.DEVNULL, capture_output=True)  # fmt: skip
        except subprocess.TimeoutExpired:
            return {"items": [], "error": "check timed out", "problem": None, "http_status": None}
        records = []
        if output.exists():
            records = [json.loads(line) for line in output.read_text().splitlines() if line]
    result: dict[str, Any] = {"items": [], "error": None, "problem": None, "http_status": None}
    for record in records:
        if "item" in record:
            result["items"].append(record["item"])
        elif record["status"].get("fatal", True):
            status = record["status"]
            result["http_status"] = status.get("http_status") or result["http_status"]
            result["error"] = status.get("error") or result["error"]
            result["problem"] = status.get("problem") or result["problem"]
    if not records:
        result["error"] = "the check crawl produced nothing (see logs)"
    return result
